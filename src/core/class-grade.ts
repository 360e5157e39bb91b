// A class's grade: every student's copy of a lab graded as `netlab grade` grades one, side by
// side. `class grade --json` prints it; the HTML report and `class watch` render it.
import type { CheckResult } from './events.js';

export interface StudentGrade {
  student: string;
  /** The docker context the student's lab runs on ("default" for the engine found as the docker CLI finds it). */
  context: string;
  /** The running lab's name: `<lab>-<student>`. */
  lab: string;
  score: number;
  maxScore: number;
  /** Every error-level check passed. */
  ok: boolean;
  checks: CheckResult[];
  /** Why the student could not be graded (their lab is not up, the engine did not answer). */
  error?: string;
}

export interface ClassGrade {
  /** The class: the name of the lab it runs, unless `class up --name` gave it another. */
  class: string;
  /** The lab the class runs, as its lab file names it (absent when no student's lab file can be read here). */
  lab?: string;
  /** The exercise graded, when one was. */
  exercise?: string;
  /** When the grading finished (ISO 8601). */
  at: string;
  students: StudentGrade[];
}

/** `pod-to-pod`, or `week3 (lab pod-to-pod)` for a class named apart from its lab. */
export function classTitle(grade: Pick<ClassGrade, 'class' | 'lab'>): string {
  return grade.lab === undefined || grade.lab === grade.class ? grade.class : `${grade.class} (lab ${grade.lab})`;
}
