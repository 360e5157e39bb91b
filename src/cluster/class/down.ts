// `class down [<class>]`: every student's lab of the class (of every class) on every engine given.
import { limiter } from '../../core/concurrency.js';
import { ignoreEvents } from '../../core/events.js';
import { engineMessage } from '../../engine/errors.js';
import { down } from '../down.js';
import { DEFAULT_PARALLEL_PER_ENGINE } from './defaults.js';
import type { ClassEngine } from './engines.js';
import { findStudents, type StudentLab } from './find.js';

export interface StudentDown {
  student: StudentLab;
  containers: number;
  error?: string;
}

export async function classDown(
  engines: readonly ClassEngine[],
  className: string | undefined,
  on: (r: StudentDown) => void = () => {},
): Promise<StudentDown[]> {
  const students = await findStudents(engines, className);
  const limits = new Map(engines.map((e) => [e.key, limiter(DEFAULT_PARALLEL_PER_ENGINE * 2)]));
  return Promise.all(
    students.map(async (s) => {
      const r = await limits.get(s.on.key)!(async (): Promise<StudentDown> => {
        try {
          return { student: s, containers: (await down(s.engine, s.lab, ignoreEvents)).containers };
        } catch (err) {
          return { student: s, containers: 0, error: engineMessage(err) };
        }
      });
      on(r);
      return r;
    }),
  );
}
