// An exercise of a lab by its number (from 1) or its id, as `--exercise` and `netlab exercise` take it.
import { NetlabError } from '../core/errors.js';
import type { ExerciseSpec, Lab } from './model.js';

/**
 * The exercise `--exercise` names: its number (from 1) or its id. Unknown: an error that lists
 * the lab's exercises.
 */
export function findExercise(lab: Lab, which: string): { exercise: ExerciseSpec; number: number } {
  const exercises = lab.exercises ?? [];
  const n = /^\d+$/.test(which) ? Number(which) : NaN;
  const i = Number.isInteger(n) && n >= 1 && n <= exercises.length ? n - 1 : exercises.findIndex((e) => e.id === which);
  if (i < 0) {
    const list = exercises.map((e, k) => `${k + 1} ${e.id}`).join(', ');
    throw new NetlabError(`Lab ${lab.name} has no exercise "${which}".`, {
      hint: exercises.length ? `Its exercises: ${list}.` : `Lab ${lab.name} has no exercises; grade it without --exercise.`,
      exitCode: 2,
    });
  }
  return { exercise: exercises[i]!, number: i + 1 };
}
