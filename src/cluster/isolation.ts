// A lab's isolation from the engine host, written by the lab's guard (src/plan/isolation.ts says
// what the table holds and why a guard writes it): `up` (re)installs the lab's table, `down`
// removes it once nothing is on the bridge, and with it any netlab table whose bridge no longer
// exists (a network removed while netlab could not lift its table).
import { randomBytes } from 'node:crypto';
import { LABEL_LAB, LABEL_ROLE } from '../core/labels.js';
import type { Engine } from '../engine/engine.js';
import { Toolbox } from '../engine/toolbox.js';
import type { ContainerSummary, NetworkSummary } from '../engine/types.js';
import { imageRefs } from '../images/index.js';
import { guardContainer, hostStateRequest, isolateRequest, isolationTable, labBridge, liftRequest, orphanBridges } from '../plan/isolation.js';

/** Installs (or replaces) the lab's table through its running guard: one agent request. */
export function isolate(engine: Engine, guardId: string, lab: string, bridge: string): Promise<void> {
  return new Toolbox(engine, guardId).run(isolateRequest(lab, bridge));
}

/** A guard for one operation when the lab has none: created, started, handed to `work`, removed. */
export async function withGuard<T>(engine: Engine, lab: string, image: string, work: (guard: Toolbox) => Promise<T>): Promise<T> {
  const id = await engine.createContainer(`${lab}.guard-${randomBytes(3).toString('hex')}`, guardContainer(lab, image));
  try {
    await engine.startContainer(id);
    return await work(new Toolbox(engine, id));
  } finally {
    await engine.removeContainer(id);
  }
}

/** Lifts the isolation of networks about to be removed. */
export interface Lifter {
  /** The labs' guard doing it: remove it with the rest only once `lift` or `keep` has settled. */
  guardId?: string;
  /** Removes the networks' tables and orphaned ones (call once nothing is on the bridges); says which existed. */
  lift(): Promise<string>;
  /** Removes nothing (the labs' containers could not all be removed). */
  keep(): Promise<string>;
}

/**
 * Reads the host's tables and interfaces at once, through the labs' guard (started if stopped;
 * a guard for this alone if there is none), while the caller removes the other containers;
 * `lift` removes the tables when nothing is on the bridges any more.
 */
export function lifter(engine: Engine, networks: readonly NetworkSummary[], containers: readonly ContainerSummary[], image?: string): Lifter {
  if (networks.length === 0) return { lift: async () => 'none', keep: async () => 'none' };
  const ours = networks.map(labBridge);
  const guards = containers.filter((c) => c.Labels[LABEL_ROLE] === 'guard');
  const guard = guards.find((c) => c.State === 'running') ?? guards[0];
  let release!: (proceed: boolean) => void;
  const bridgesGone = new Promise<boolean>((resolve) => {
    release = resolve;
  });
  const work = async (box: Toolbox) => {
    const { isolated, interfaces } = await box.run(hostStateRequest());
    if (!(await bridgesGone)) return 'kept: the lab is still on its bridge';
    // Ours whether listed or not (removing an absent table is no error); what existed is said.
    const remove = [...new Set([...ours, ...orphanBridges(isolated, interfaces)])];
    await box.run(liftRequest(remove));
    const removed = remove.filter((b) => isolated.includes(b));
    return removed.length ? `removed ${removed.map((b) => `inet ${isolationTable(b)}`).join(', ')}` : 'none';
  };
  const done = (async () => {
    if (guard) {
      if (guard.State !== 'running') await engine.startContainer(guard.Id);
      return work(new Toolbox(engine, guard.Id));
    }
    const guardImage = image ?? (await imageRefs()).probe;
    // Without netlab's probe image no `up` of this netlab ran here, so no table of its own either.
    if (!(await engine.inspectImage(guardImage))) return `none (${guardImage} is not on this engine)`;
    return withGuard(engine, networks[0]!.Labels?.[LABEL_LAB] ?? 'netlab', guardImage, work);
  })();
  done.catch(() => undefined); // awaited in lift or keep; not an unhandled rejection meanwhile
  return {
    guardId: guard?.Id,
    lift() {
      release(true);
      return done;
    },
    keep() {
      release(false);
      return done;
    },
  };
}
