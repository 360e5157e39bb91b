// A class graded: every student's lab graded as `netlab grade` grades one (the same checks, run
// from each lab's own toolbox), engines in parallel, a few students at a time on each.
import type { ClassGrade, StudentGrade } from '../../checks/class-grade.js';
import { findExercise, gradeOf, levelOf, type Grade } from '../../checks/grade.js';
import { runChecks } from '../../checks/run.js';
import { limiter } from '../../core/concurrency.js';
import { NetlabError } from '../../core/errors.js';
import { ignoreEvents } from '../../core/events.js';
import { GRADE_PARALLEL_PER_ENGINE } from '../../cluster/class/defaults.js';
import type { ClassEngine } from '../../cluster/class/engines.js';
import { findStudents, labOfStudents, type StudentLab } from '../../cluster/class/find.js';
import { RunningLab } from '../../cluster/running-lab.js';

export interface GradeClassOptions {
  /** An instructor's check file: its checks replace the lab's own, for every student. */
  checks?: string;
  /** This exercise's checks for everyone (default: the exercise the class runs, from its labels). */
  exercise?: string;
}

export interface GradedStudent {
  student: StudentLab;
  /** Undefined when the student could not be graded (StudentGrade.error says why). */
  grade?: Grade;
  error?: string;
  elapsedMs: number;
}

export interface GradedClass {
  grade: ClassGrade;
  students: GradedStudent[];
}

export async function gradeClass(engines: readonly ClassEngine[], className: string, opts: GradeClassOptions = {}): Promise<GradedClass> {
  const students = await findStudents(engines, className);
  if (!students.length) {
    throw new NetlabError(`No student of class ${className} on ${engines.flatMap((e) => e.contexts).join(', ')}.`, {
      hint: `bring it up (netlab class up <lab> --roster FILE${className ? ` --name ${className}` : ''}), or give the contexts it runs on (--context)`,
      exitCode: 2,
    });
  }
  // The lab's own name is read beside the grading (each student's RunningLab reads the same file).
  const labP = labOfStudents(students);
  const limits = new Map(engines.map((e) => [e.key, limiter(GRADE_PARALLEL_PER_ENGINE)]));
  const graded = await Promise.all(students.map((s) => limits.get(s.on.key)!(() => gradeStudent(s, opts))));
  const exercises = new Set(graded.map((g) => g.grade?.exercise));
  const only = exercises.size === 1 ? [...exercises][0] : undefined;
  const lab = await labP;
  const grade: ClassGrade = {
    class: className,
    ...(lab !== undefined ? { lab } : {}),
    ...(only !== undefined ? { exercise: only } : {}),
    at: new Date().toISOString(),
    students: graded.map(studentGrade),
  };
  return { grade, students: graded };
}

async function gradeStudent(s: StudentLab, opts: GradeClassOptions): Promise<GradedStudent> {
  const started = performance.now();
  try {
    const running = await RunningLab.open(s.engine, s.lab, opts.checks !== undefined ? { checksFile: opts.checks } : {});
    const which = opts.exercise ?? s.exercise;
    const exercise = which !== undefined ? findExercise(running.lab, which).exercise : undefined;
    const only = exercise?.checks;
    const report = only && only.length === 0 ? { checks: [] } : await runChecks(running, ignoreEvents, only);
    const grade = gradeOf(running.name, report.checks, exercise?.id, running.checkFile);
    return { student: s, grade, elapsedMs: Math.round(performance.now() - started) };
  } catch (err) {
    const message = err instanceof NetlabError && err.hint ? `${err.message} (${err.hint})` : err instanceof Error ? err.message : String(err);
    return { student: s, elapsedMs: Math.round(performance.now() - started), error: message };
  }
}

function studentGrade(g: GradedStudent): StudentGrade {
  const { student } = g.student;
  const base = { student, context: g.student.context, lab: g.student.lab };
  if (!g.grade) return { ...base, score: 0, maxScore: 0, ok: false, checks: [], error: g.error ?? 'not graded' };
  const { score, maxScore, checks } = g.grade;
  return { ...base, score, maxScore, ok: checks.length > 0 && !checks.some((c) => !c.ok && levelOf(c) === 'error'), checks };
}
