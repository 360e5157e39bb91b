// A student's copy of the class's lab: their labels and underlay on the lab file's lab, brought
// up as `netlab up --name <class>-<student>` would, or as `netlab exercise` starts one.
import { ignoreEvents } from '../../core/events.js';
import { LABEL_CLASS, LABEL_CONTEXT, LABEL_EXERCISE, LABEL_STUDENT } from '../../core/labels.js';
import type { Engine } from '../../engine/engine.js';
import type { Lab } from '../../labfile/model.js';
import { startExercise } from '../exercises.js';
import { DEFAULT_WAIT_S } from './defaults.js';
import { loadLabArg } from '../running-lab.js';
import { bringUp } from '../up.js';

export interface StudentPlace {
  class: string;
  student: string;
  /** `<class>-<student>`. */
  lab: string;
  context: string;
  underlay: string;
  /** The exercise's id, when the class runs one. */
  exercise?: string;
}

export function studentLabels(p: StudentPlace): Record<string, string> {
  return {
    [LABEL_CLASS]: p.class,
    [LABEL_STUDENT]: p.student,
    [LABEL_CONTEXT]: p.context,
    ...(p.exercise !== undefined ? { [LABEL_EXERCISE]: p.exercise } : {}),
  };
}

/** The lab as the student's copy: renamed, labelled, on their underlay. */
export function asStudentLab(lab: Lab, p: StudentPlace): Lab {
  return { ...lab, name: p.lab, labels: studentLabels(p), topology: { ...lab.topology, underlay: p.underlay } };
}

/**
 * Brings the student's lab up (idempotent: what runs as planned is kept), or starts the exercise
 * fresh on it (the lab brought up anew, then broken). Returns how many containers changed
 * (exercises: every one).
 */
export async function bringUpStudent(engine: Engine, file: string, p: StudentPlace): Promise<number> {
  if (p.exercise !== undefined) {
    const started = await startExercise(engine, file, p.exercise, p.lab, ignoreEvents, (lab) => asStudentLab(lab, p));
    return started.lab.pods.length + 1;
  }
  const loaded = asStudentLab(await loadLabArg(file, p.lab), p);
  return (await bringUp(engine, loaded, ignoreEvents, { wait: DEFAULT_WAIT_S })).changed;
}
