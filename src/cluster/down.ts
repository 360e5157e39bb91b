// `down`: remove every object carrying the lab's label, whatever state `up` left it in.
import { ENGINE_PARALLEL, mapLimit } from '../core/concurrency.js';
import { type EventSink, task } from '../core/events.js';
import { labFilter } from '../core/labels.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';

export interface DownResult {
  containers: number;
  networks: number;
  volumes: number;
}

export async function down(engine: Engine, lab: string | undefined, emit: EventSink): Promise<DownResult> {
  const filters = labFilter(lab);
  const what = lab ?? 'all labs';
  const removeAll = async () => {
    const list = await engine.listContainers(filters);
    await mapLimit(list, ENGINE_PARALLEL, (c) => engine.removeContainer(c.Id));
    return list.length;
  };
  const containers = await task(emit, 'containers', `remove containers of ${what}`, removeAll, (n) => `${n} removed`);
  const [networks, volumes] = await Promise.all([
    task(
      emit,
      'networks',
      `remove networks of ${what}`,
      async () => {
        const list = await engine.listNetworks(filters);
        const removeNetwork = async (id: string, attempt = 1): Promise<void> => {
          try {
            await engine.removeNetwork(id);
          } catch (err) {
            // An `up` still running elsewhere attached a container meanwhile: remove it, then retry.
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
      'volumes',
      `remove volumes of ${what}`,
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
