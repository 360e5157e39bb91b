// Exercises on a running lab: a fresh copy of the lab, broken on purpose the way an operator
// would break it (a command in a part, manifests applied, an object deleted).
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import type { Engine } from '../engine/engine.js';
import { lastWords } from '../core/toolbox-request.js';
import { readLabState } from '../engine/state.js';
import type { ExerciseSpec, Lab } from '../labfile/model.js';

export type { Localized } from '../labfile/model.js';
import { findExercise } from '../labfile/find-exercise.js';
import { applyChange, changeLab, deleteChange } from './changes.js';
import { down } from './down.js';
import { applyImpairment } from './impair.js';
import { ensureLabImages } from './images.js';
import { withLabLock } from './lock.js';
import { loadForUp, RunningLab, runningForUp, runningLabName } from './running-lab.js';
import { up } from './up.js';

/** Breaks the running lab as the exercise says: commands in its parts, manifests applied, objects deleted (under the lab's lock). */
export async function applyFaults(engine: Engine, labArg: string, exercise: ExerciseSpec, emit: EventSink): Promise<void> {
  const name = await runningLabName(engine, labArg);
  await withLabLock(engine, name, 'exercise', () => applyFaultsLocked(engine, labArg, exercise, emit), { emit });
}

async function applyFaultsLocked(engine: Engine, labArg: string, exercise: ExerciseSpec, emit: EventSink): Promise<void> {
  for (const fault of exercise.faults) {
    switch (fault.kind) {
      case 'exec': {
        const container = (await RunningLab.open(engine, labArg)).containerFor(fault.target);
        const r = await engine.exec(container, fault.command);
        if (r.exitCode !== 0) {
          throw new NetlabError(`Exercise ${exercise.id}: \`${fault.command.join(' ')}\` in ${fault.target} failed: ${lastWords(r, 20)}`);
        }
        break;
      }
      case 'apply':
        await changeLab(engine, labArg, emit, applyChange(`${exercise.id}.yaml`, fault.manifests));
        break;
      case 'delete':
        await changeLab(engine, labArg, emit, deleteChange(labArg, fault.object, fault.namespace), 'delete');
        break;
      case 'impair':
        await applyImpairment(await RunningLab.open(engine, labArg), fault.target, fault.impairment);
        break;
    }
  }
}

/**
 * Starts an exercise: the lab brought up fresh (under `name`), then broken; all under the lab's
 * lock. `shape` adjusts the loaded lab first (a class's student: their underlay and labels).
 */
export async function startExercise(engine: Engine, labArg: string, which: string, name: string | undefined, emit: EventSink, shape?: (lab: Lab) => Lab) {
  const read = await loadForUp(async () => engine, labArg, { name });
  const loaded = shape ? shape(read) : read;
  return withLabLock(
    engine,
    loaded.name,
    'exercise',
    async () => {
      const lab: Lab = await runningForUp(engine, loaded);
      const found = findExercise(lab, which);
      const again = await keepClassPlace(engine, loaded, lab);
      await down(engine, lab.name, emit);
      const fresh = await runningForUp(engine, again);
      await up(engine, fresh, emit, { images: await ensureLabImages(engine, fresh, emit) });
      await applyFaultsLocked(engine, lab.name, found.exercise, emit);
      return { lab: fresh, ...found };
    },
    { emit },
  );
}

/**
 * A class's student starting an exercise on their own lab (`netlab exercise ... --name`): the
 * fresh lab keeps its class labels and its underlay (the class gave each student their own).
 */
async function keepClassPlace(engine: Engine, loaded: Lab, running: Lab): Promise<Lab> {
  if (loaded.labels || !running.labels) return loaded;
  const subnet = (await readLabState(engine, running.name)).network?.IPAM?.Config?.[0]?.Subnet;
  return { ...loaded, labels: running.labels, topology: { ...loaded.topology, ...(subnet ? { underlay: subnet } : {}) } };
}
