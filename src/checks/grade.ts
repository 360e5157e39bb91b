// A grade: the checks' results weighed by their points, counted by outcome, and the exit code
// ipspace/netlab `validate` uses: 0 all passed, 1 an error-level check failed (or was blocked),
// 2 no usable checks, 3 only warning-level checks failed.
import type { CheckFileId } from '../labfile/load.js';
import type { CheckResult } from '../core/events.js';

export interface Grade {
  lab: string;
  /** The exercise's id, when only its checks were graded. */
  exercise?: string;
  /** Points of the checks that passed, of all graded checks. */
  score: number;
  maxScore: number;
  passed: number;
  /** Error-level checks that ran and failed. */
  failed: number;
  /** Warning-level checks that ran and failed. */
  warnings: number;
  /** Checks not run because a check they need failed (either level). */
  blocked: number;
  checks: CheckResult[];
  /** The check file whose checks were graded instead of the lab's own (`--checks FILE`). */
  checkFile?: CheckFileId;
}

export type GradeExitCode = 0 | 1 | 2 | 3;

/** A result's level and points, with the lab file's defaults for results that carry none. */
export const levelOf = (r: CheckResult): 'error' | 'warning' => r.level ?? 'error';
export const pointsOf = (r: CheckResult): number => r.points ?? 1;

export function gradeOf(lab: string, checks: CheckResult[], exercise?: string, checkFile?: CheckFileId): Grade {
  const g: Grade = { lab, score: 0, maxScore: 0, passed: 0, failed: 0, warnings: 0, blocked: 0, checks };
  if (exercise !== undefined) g.exercise = exercise;
  if (checkFile !== undefined) g.checkFile = checkFile;
  for (const r of checks) {
    g.maxScore += pointsOf(r);
    if (r.ok) {
      g.passed++;
      g.score += pointsOf(r);
    } else if (r.blockedBy !== undefined) g.blocked++;
    else if (levelOf(r) === 'warning') g.warnings++;
    else g.failed++;
  }
  return g;
}

export function gradeExitCode(g: Grade): GradeExitCode {
  if (g.checks.length === 0) return 2;
  if (g.checks.some((r) => !r.ok && levelOf(r) === 'error')) return 1;
  if (g.checks.some((r) => !r.ok)) return 3;
  return 0;
}

export { findExercise } from '../labfile/find-exercise.js';
