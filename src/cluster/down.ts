// `down`: remove every object carrying the lab's label, whatever state `up` left it in, under the
// lab's lock. The lock is no part of the lab: the listings leave it out, and it goes last, when
// the lock is released.
import { ENGINE_PARALLEL, mapLimit } from '../core/concurrency.js';
import { NetlabError } from '../core/errors.js';
import { type EventSink, task } from '../core/events.js';
import { LABEL_LAB, labFilter } from '../core/labels.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';
import { listLabContainers } from '../engine/state.js';
import { withLabLock } from './lock.js';

export interface DownResult {
  containers: number;
  networks: number;
  volumes: number;
}

/** Removes a lab (every lab with `lab` undefined: one after the other, each under its own lock). */
export async function down(engine: Engine, lab: string | undefined, emit: EventSink): Promise<DownResult> {
  if (lab !== undefined) return withLabLock(engine, lab, 'down', () => removeLab(engine, lab, emit, ''), { emit });
  const total: DownResult = { containers: 0, networks: 0, volumes: 0 };
  const failed: string[] = [];
  for (const name of await labsOnEngine(engine)) {
    try {
      const r = await withLabLock(engine, name, 'down', () => removeLab(engine, name, emit, `${name}/`), { emit });
      total.containers += r.containers;
      total.networks += r.networks;
      total.volumes += r.volumes;
    } catch (err) {
      if (!(err instanceof NetlabError)) throw err;
      failed.push(err.message);
    }
  }
  if (failed.length) {
    throw new NetlabError(`${failed.length} lab(s) were not removed:\n  ${failed.join('\n  ')}`, { hint: 'netlab down <lab> removes one when it is free.' });
  }
  return total;
}

/** Every lab name on any object (a lab's lock included: a lab whose lock alone is left comes down too). */
async function labsOnEngine(engine: Engine): Promise<string[]> {
  const any = labFilter();
  const [containers, networks, volumes] = await Promise.all([engine.listContainers(any), engine.listNetworks(any), engine.listVolumes(any)]);
  const names = [...containers, ...networks, ...volumes].map((o) => o.Labels?.[LABEL_LAB]).filter((n): n is string => !!n);
  return [...new Set(names)].sort();
}

async function removeLab(engine: Engine, lab: string, emit: EventSink, idPrefix: string): Promise<DownResult> {
  const filters = labFilter(lab);
  const removeAll = async () => {
    const list = await listLabContainers(engine, lab);
    await mapLimit(list, ENGINE_PARALLEL, (c) => engine.removeContainer(c.Id));
    return list.length;
  };
  const containers = await task(emit, `${idPrefix}containers`, `remove containers of ${lab}`, removeAll, (n) => `${n} removed`);
  const [networks, volumes] = await Promise.all([
    task(
      emit,
      `${idPrefix}networks`,
      `remove networks of ${lab}`,
      async () => {
        const list = await engine.listNetworks(filters);
        const removeNetwork = async (id: string, attempt = 1): Promise<void> => {
          try {
            await engine.removeNetwork(id);
          } catch (err) {
            // A container attached meanwhile (by netlab from before the lab's lock, or by hand): remove it, then retry.
            if (attempt < 4 && /active endpoints/.test(engineMessage(err))) {
              await removeAll();
              return removeNetwork(id, attempt + 1);
            }
            throw err;
          }
        };
        await Promise.all(list.map((n) => removeNetwork(n.Id)));
        return list.length;
      },
      (n) => `${n} removed`,
    ),
    task(
      emit,
      `${idPrefix}volumes`,
      `remove volumes of ${lab}`,
      async () => {
        const volumes = await engine.listVolumes(filters);
        await Promise.all(volumes.map((v) => engine.removeVolume(v.Name)));
        return volumes.length;
      },
      (n) => `${n} removed`,
    ),
  ]);
  return { containers, networks, volumes };
}
