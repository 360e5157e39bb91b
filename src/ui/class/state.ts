// `class watch`'s state: grading rounds folded into who is where, and since when each
// failing check has been failing. Pure; the Ink grid and the plain/JSON lines both read it.
import { byName, checkColumns, classTotals, firstFailing, type Outcome, outcomeOf } from '../../core/class-grid.js';
import type { ClassGrade, StudentGrade } from '../../core/class-grade.js';

/** A student's grade, and one grading round of the class, as `class grade` gives them. */
export type WatchedStudent = StudentGrade;
export type WatchedGrade = ClassGrade;

/** The round a failure (or a student's error) was first seen in, of the rounds since without a break. */
export interface Since {
  round: number;
  at: string;
}

export interface StudentRow extends WatchedStudent {
  /** Each failing check (failed, blocked or warning) by name: since when it has not passed. */
  failingSince: Record<string, Since>;
  /** While the student cannot be graded: since when. */
  errorSince?: Since;
}

export interface WatchState {
  /** The class and the lab it runs, as the grade names them (none before the first round). */
  class?: string;
  lab?: string;
  exercise?: string;
  /** Rounds graded so far (0 before the first). */
  round: number;
  /** When the last round finished (the grade's own time). */
  at?: string;
  students: StudentRow[];
  columns: string[];
  /** A round is being graded now. */
  grading: boolean;
  /** The last attempt to grade failed (the class could not be graded at all): why, and when. */
  failure?: { error: string; at: string };
}

export type WatchAction = { type: 'grading' } | { type: 'round'; grade: WatchedGrade } | { type: 'failed'; error: string; at: string };

export const initialWatch: WatchState = { round: 0, students: [], columns: [], grading: false };

function foldStudent(prev: StudentRow | undefined, s: WatchedStudent, now: Since): StudentRow {
  if (s.error !== undefined) {
    // Nothing was seen of the checks: their streaks neither end nor start.
    return { ...s, failingSince: prev?.failingSince ?? {}, errorSince: prev?.errorSince ?? now };
  }
  const failingSince: Record<string, Since> = {};
  for (const c of s.checks) {
    if (c.ok || failingSince[c.name] !== undefined) continue;
    failingSince[c.name] = prev?.failingSince[c.name] ?? now;
  }
  return { ...s, failingSince };
}

export function watchReducer(state: WatchState, action: WatchAction): WatchState {
  switch (action.type) {
    case 'grading':
      return { ...state, grading: true };
    case 'failed':
      return { ...state, grading: false, failure: { error: action.error, at: action.at } };
    case 'round': {
      const g = action.grade;
      const round = state.round + 1;
      const now: Since = { round, at: g.at };
      const before = new Map(state.students.map((s) => [s.student, s]));
      const students = byName(g.students).map((s) => foldStudent(before.get(s.student), s, now));
      const next: WatchState = {
        class: g.class,
        ...(g.lab !== undefined ? { lab: g.lab } : {}),
        round,
        at: g.at,
        students,
        columns: checkColumns(students),
        grading: false,
      };
      if (g.exercise !== undefined) next.exercise = g.exercise;
      return next;
    }
  }
}

/** Where a student is stuck: the first failing check (src/core/class-grid.ts firstFailing), since when, for how long (ms, up to the last round). */
export interface Stuck {
  check: string;
  /** The check's 1-based column. */
  column: number;
  outcome: Exclude<Outcome, 'pass'>;
  since: Since;
  forMs: number;
}

const elapsed = (from: string, to: string | undefined) => {
  const ms = to === undefined ? 0 : Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) : 0;
};

export function stuckOf(state: WatchState, s: StudentRow): Stuck | undefined {
  if (s.error !== undefined) return undefined;
  const c = firstFailing(s.checks);
  if (!c) return undefined;
  const since = s.failingSince[c.name] ?? { round: state.round, at: state.at ?? '' };
  return {
    check: c.name,
    column: state.columns.indexOf(c.name) + 1,
    outcome: outcomeOf(c) as Stuck['outcome'],
    since,
    forMs: elapsed(since.at, state.at),
  };
}

/** How long a student has not been gradable (ms, up to the last round). */
export function errorFor(state: WatchState, s: StudentRow): number {
  return s.errorSince ? elapsed(s.errorSince.at, state.at) : 0;
}

export function progressOf(state: WatchState) {
  return { ...classTotals(state.students), students: state.students.length };
}
