// A class roster: one student a line; `#` starts a comment, blank lines are skipped. Each name
// becomes the student's lab `<class>-<name>`, so the whole of that must be a valid lab name.
import { LabFileError, type LabFileProblem } from '../../core/errors.js';
import { dnsLabelLike, dnsLabelProblem, LAB_NAME_MAX } from '../../labfile/schema/dns-label.js';

export interface Student {
  name: string;
  /** Where the roster lists them (1-based). */
  line: number;
}

/** The student's lab: `<class>-<student>`. */
export function studentLab(className: string, student: string): string {
  return `${className}-${student}`;
}

/** The students a roster lists, in its order; every bad or repeated name is an error with its line and the fix. */
export function parseRoster(text: string, file: string, className: string): Student[] {
  const problems: LabFileProblem[] = [];
  const students: Student[] = [];
  const seen = new Map<string, number>();
  const room = LAB_NAME_MAX - className.length - 1;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = i + 1;
    const name = raw.replace(/#.*$/, '').trim();
    if (!name) continue;
    const at = { file, line, column: raw.indexOf(name) + 1 };
    const problem = studentNameProblem(name, className, room);
    if (problem) {
      problems.push({ at, ...problem });
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        at,
        message: `student ${name} is listed twice (first on line ${first})`,
        hint: `remove this line, or tell the two apart (e.g. ${name}-2)`,
      });
      continue;
    }
    seen.set(name, line);
    students.push({ name, line });
  }
  if (!problems.length && !students.length) {
    problems.push({ at: { file, line: 1, column: 1 }, message: 'the roster lists no student', hint: 'write one name a line, e.g. alice (# starts a comment)' });
  }
  if (problems.length) throw new LabFileError(problems);
  return students;
}

function studentNameProblem(name: string, className: string, room: number): { message: string; hint: string } | undefined {
  if (/\s/.test(name)) {
    const like = dnsLabelLike(name, Math.max(room, 1));
    return { message: `"${name}" is not one name: one student a line`, hint: like ? `write it as ${like}, or one name a line` : 'one name a line' };
  }
  const own = dnsLabelProblem(name, 'student name', Math.max(room, 1), 'alice');
  if (own) {
    if (room < 1) {
      return {
        message: `no student name fits: the class name ${className} leaves no room in a lab name of ${LAB_NAME_MAX} characters`,
        hint: 'give the class a shorter name (--name)',
      };
    }
    return { message: `${own.message}: the student's lab is ${className}-<student>, a lab name of at most ${LAB_NAME_MAX} characters`, hint: own.hint };
  }
  return undefined;
}
