// A class as it runs: every student's lab found by its labels on the engines given, wherever it
// was brought up from (so any machine with the same contexts finds the class again).
import { isLock, LABEL_CLASS, LABEL_CONTEXT, LABEL_EXERCISE, LABEL_LAB, LABEL_LAB_FILE, LABEL_STUDENT } from '../../core/labels.js';
import type { Engine } from '../../engine/engine.js';
import { loadLab } from '../../labfile/load.js';
import type { ClassEngine } from './engines.js';

export interface StudentLab {
  class: string;
  student: string;
  /** The running lab's name: `<class>-<student>`. */
  lab: string;
  /** The context the class placed it on (its label), else the first context reaching its engine. */
  context: string;
  engine: Engine;
  /** The engine it was found on. */
  on: ClassEngine;
  /** Its lab network's subnet, when the network is there. */
  underlay?: string;
  exercise?: string;
  /** The lab file it was made from. */
  file?: string;
  /** Every label of its network (or of a container when the network is gone): the class labels among them. */
  labels: Record<string, string>;
  containers: number;
  running: number;
}

/** The students of `className` (of every class when undefined) on the engines, by class and student. */
export async function findStudents(engines: readonly ClassEngine[], className?: string): Promise<StudentLab[]> {
  const filter = { label: [className ? `${LABEL_CLASS}=${className}` : LABEL_CLASS] };
  const perEngine = await Promise.all(
    engines.map(async (on) => {
      const [networks, containers] = await Promise.all([on.engine.listNetworks(filter), on.engine.listContainers(filter)]);
      const labs = new Map<string, StudentLab>();
      const entry = (labels: Record<string, string>): StudentLab | undefined => {
        const lab = labels[LABEL_LAB];
        const student = labels[LABEL_STUDENT];
        const cls = labels[LABEL_CLASS];
        if (!lab || !student || !cls) return undefined;
        let s = labs.get(lab);
        if (!s) {
          const context = labels[LABEL_CONTEXT] ?? on.contexts[0]!;
          s = { class: cls, student, lab, context, engine: on.engine, on, labels, containers: 0, running: 0 };
          if (labels[LABEL_EXERCISE]) s.exercise = labels[LABEL_EXERCISE];
          if (labels[LABEL_LAB_FILE]) s.file = labels[LABEL_LAB_FILE];
          labs.set(lab, s);
        }
        return s;
      };
      for (const n of networks) {
        const s = entry(n.Labels ?? {});
        const subnet = n.IPAM?.Config?.[0]?.Subnet;
        if (s && subnet) s.underlay = subnet;
      }
      for (const c of containers) {
        if (isLock(c.Labels)) continue;
        const s = entry(c.Labels ?? {});
        if (!s) continue;
        s.containers++;
        if (c.State === 'running') s.running++;
      }
      return [...labs.values()];
    }),
  );
  return perEngine.flat().sort((a, b) => a.class.localeCompare(b.class) || a.student.localeCompare(b.student));
}

/** The lab the students run, as its file names it: the first student's lab file that can be read here. */
export async function labOfStudents(students: readonly StudentLab[]): Promise<string | undefined> {
  for (const file of new Set(students.flatMap((s) => (s.file ? [s.file] : [])))) {
    const lab = await loadLab(file).then(
      (l) => l.lab.name,
      () => undefined,
    );
    if (lab !== undefined) return lab;
  }
  return undefined;
}
