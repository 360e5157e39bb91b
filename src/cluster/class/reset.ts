// `class reset <class> <student>`: the student's lab back to where the class started it (the
// lab's starting state, or the exercise's, freshly broken), on the same context and underlay.
import { NetlabError } from '../../core/errors.js';
import { ignoreEvents } from '../../core/events.js';
import { studentLab } from '../../plan/class/roster.js';
import { down } from '../down.js';
import { findStudents, type StudentLab } from './find.js';
import type { ClassEngine } from './engines.js';
import { bringUpStudent } from './student.js';

export async function resetStudent(engines: readonly ClassEngine[], className: string, student: string): Promise<StudentLab> {
  const found = (await findStudents(engines, className)).find((s) => s.student === student);
  if (!found) {
    const others = (await findStudents(engines, className)).map((s) => s.student);
    throw new NetlabError(`No student ${student} in class ${className} on ${engines.flatMap((e) => e.contexts).join(', ')}.`, {
      hint: others.length
        ? `its students: ${others.join(', ')}`
        : `bring the class up first (netlab class up ${className} --roster FILE), or give its contexts (--context)`,
      exitCode: 2,
    });
  }
  if (!found.file || !found.underlay) {
    throw new NetlabError(
      `Student ${student}'s lab ${found.lab} is only partly there (no ${found.file ? 'network' : 'lab file label'}): it cannot be put back as it was.`,
      {
        hint: `netlab class up ${className} --roster FILE brings it up again`,
      },
    );
  }
  const place = {
    class: className,
    student,
    lab: studentLab(className, student),
    context: found.context,
    underlay: found.underlay,
    ...(found.exercise !== undefined ? { exercise: found.exercise } : {}),
  };
  // An exercise starts afresh by itself; the lab's starting state is a fresh lab.
  if (place.exercise === undefined) await down(found.engine, found.lab, ignoreEvents);
  await bringUpStudent(found.engine, found.file, place);
  return found;
}
