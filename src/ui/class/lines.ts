// `class watch` without a terminal (or with --json): one line, or one JSON document, per
// round, from the same state the grid shows.
import { classTitle } from '../../core/class-grade.js';
import { outcomeOf, percent } from '../../core/class-grid.js';
import { oneLine } from '../../core/text.js';
import { type WatchState, errorFor, progressOf, stuckOf } from './state.js';

/** `42s`, `4m10s`, `1h05m`. */
export function ageText(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `14:40:12 UTC` from an ISO time (as given when it is not one). */
export function clockText(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(11, 19)} UTC`;
}

/** `pod-to-service (exercise 2)`, `week3 (lab pod-to-service) (exercise 2)`. */
export function labTitle(state: WatchState): string {
  const name = state.class === undefined ? '?' : classTitle({ class: state.class, lab: state.lab });
  return `${name}${state.exercise !== undefined ? ` (exercise ${state.exercise})` : ''}`;
}

/** `2/6 full marks, 35/45 points (77%), 1 not graded`. */
export function progressText(state: WatchState): string {
  const p = progressOf(state);
  const parts = [`${p.fullMarks}/${p.students} full marks`, `${p.score}/${p.maxScore} points (${percent(p.score, p.maxScore)})`];
  if (p.errors > 0) parts.push(`${p.errors} not graded`);
  return parts.join(', ');
}

/** One round as one line: the progress, then each student who is not done and where they are stuck. */
export function roundLine(state: WatchState): string {
  const stuck = state.students.flatMap((s) => {
    if (s.error !== undefined)
      return [`${s.student} not graded for ${ageText(errorFor(state, s))} (since round ${s.errorSince?.round}): ${oneLine(s.error, 160)}`];
    const st = stuckOf(state, s);
    return st ? [`${s.student} ${s.score}/${s.maxScore} stuck on "${st.check}" (${st.outcome}) since round ${st.since.round}, ${ageText(st.forMs)}`] : [];
  });
  return `round ${state.round} ${clockText(state.at)} ${labTitle(state)}: ${progressText(state)}${stuck.length > 0 ? `; ${stuck.join('; ')}` : '; everyone has every check'}`;
}

/** One round as one JSON document (one line): the progress and every student's cells and stuck point. */
export function roundJson(state: WatchState): string {
  const p = progressOf(state);
  const doc = {
    round: state.round,
    at: state.at,
    class: state.class,
    lab: state.lab,
    ...(state.exercise !== undefined ? { exercise: state.exercise } : {}),
    score: p.score,
    maxScore: p.maxScore,
    fullMarks: p.fullMarks,
    notGraded: p.errors,
    columns: state.columns,
    students: state.students.map((s) => {
      const st = stuckOf(state, s);
      return {
        student: s.student,
        context: s.context,
        lab: s.lab,
        score: s.score,
        maxScore: s.maxScore,
        ok: s.ok,
        ...(s.error !== undefined ? { error: s.error, errorSinceRound: s.errorSince?.round, errorForS: Math.floor(errorFor(state, s) / 1000) } : {}),
        checks: Object.fromEntries(s.checks.map((c) => [c.name, outcomeOf(c)])),
        stuck: st ? { check: st.check, outcome: st.outcome, sinceRound: st.since.round, since: st.since.at, forS: Math.floor(st.forMs / 1000) } : null,
      };
    }),
  };
  return JSON.stringify(doc);
}

/** A round that could not be graded at all. */
export function failureLine(state: WatchState, json: boolean): string {
  const f = state.failure;
  if (!f) return '';
  return json
    ? JSON.stringify({ round: state.round + 1, at: f.at, error: f.error })
    : `round ${state.round + 1} ${clockText(f.at)} could not grade the class: ${oneLine(f.error)}`;
}
