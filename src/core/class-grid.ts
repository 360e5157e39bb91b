// A class as a grid, the same way for the HTML report (src/checks) and `class watch` (src/ui):
// students in name order, checks in the lab's order, one outcome per cell.
import type { CheckResult } from './events.js';

/** What a cell shows: the check passed, failed, was not run (a check it needs failed), or failed at warning level. */
export type Outcome = 'pass' | 'fail' | 'blocked' | 'warning';

export function outcomeOf(r: CheckResult): Outcome {
  if (r.ok) return 'pass';
  if (r.blockedBy !== undefined) return 'blocked';
  return (r.level ?? 'error') === 'warning' ? 'warning' : 'fail';
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Students by name (natural order: student2 before student10), stable for names that compare equal. */
export function byName<T extends { student: string }>(students: readonly T[]): T[] {
  return [...students].sort((a, b) => collator.compare(a.student, b.student) || (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

/** The grid's columns: the first student's checks in their (the lab's) order, then any check another student has that it lacks. */
export function checkColumns(students: readonly { checks: readonly CheckResult[] }[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of students) {
    for (const c of s.checks) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      out.push(c.name);
    }
  }
  return out;
}

/** A student's results by check name (the first result when a name repeats). */
export function resultsByName(checks: readonly CheckResult[]): Map<string, CheckResult> {
  const m = new Map<string, CheckResult>();
  for (const c of checks) if (!m.has(c.name)) m.set(c.name, c);
  return m;
}

/**
 * The check a student is stuck on: the first in lab order that failed on its own (not blocked),
 * an error-level one before a warning; a blocked one only when nothing else failed.
 */
export function firstFailing(checks: readonly CheckResult[]): CheckResult | undefined {
  return checks.find((c) => outcomeOf(c) === 'fail') ?? checks.find((c) => outcomeOf(c) === 'warning') ?? checks.find((c) => outcomeOf(c) === 'blocked');
}

/** Points summed over the students that were graded; how many of them have full marks. */
export function classTotals(students: readonly { score: number; maxScore: number; error?: string }[]): {
  score: number;
  maxScore: number;
  graded: number;
  fullMarks: number;
  errors: number;
} {
  const t = { score: 0, maxScore: 0, graded: 0, fullMarks: 0, errors: 0 };
  for (const s of students) {
    if (s.error !== undefined) {
      t.errors++;
      continue;
    }
    t.graded++;
    t.score += s.score;
    t.maxScore += s.maxScore;
    if (s.maxScore > 0 && s.score >= s.maxScore) t.fullMarks++;
  }
  return t;
}

/** `83%` (rounded down, so 99.5% of the points is not shown as full marks); `–` of nothing. */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.floor((100 * part) / whole)}%` : '–';
}

export interface ColumnTally {
  name: string;
  pass: number;
  fail: number;
  blocked: number;
  warning: number;
  /** Students graded whose results lack this check. */
  missing: number;
  /** Students whose results have it: the pass rate's denominator. */
  graded: number;
}

/** Per check, how many graded students passed, failed, were blocked or warned (students with an error are not counted). */
export function columnTallies(students: readonly { checks: readonly CheckResult[]; error?: string }[], columns: readonly string[]): ColumnTally[] {
  const graded = students.filter((s) => s.error === undefined).map((s) => resultsByName(s.checks));
  return columns.map((name) => {
    const t: ColumnTally = { name, pass: 0, fail: 0, blocked: 0, warning: 0, missing: 0, graded: 0 };
    for (const results of graded) {
      const r = results.get(name);
      if (!r) {
        t.missing++;
        continue;
      }
      t.graded++;
      t[outcomeOf(r)]++;
    }
    return t;
  });
}
