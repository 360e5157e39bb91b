// `down`: remove every object carrying the lab's label, whatever state `up` left it in.
import type Docker from 'dockerode';
import { removeContainer } from '../engine/containers.js';
import { isNotFound, mapLimit } from '../engine/engine.js';
import { type EventSink, task } from '../core/events.js';
import { labFilter } from '../core/labels.js';
import { PARALLEL } from './up.js';

export interface DownResult {
  containers: number;
  networks: number;
  volumes: number;
}

export async function down(docker: Docker, lab: string | undefined, emit: EventSink): Promise<DownResult> {
  const filters = labFilter(lab);
  const what = lab ?? 'all labs';
  const removeAll = async () => {
    const list = await docker.listContainers({ all: true, filters });
    await mapLimit(list, PARALLEL, (c) => removeContainer(docker, c.Id));
    return list.length;
  };
  const containers = await task(emit, 'containers', `remove containers of ${what}`, removeAll, (n) => `${n} removed`);
  const [networks, volumes] = await Promise.all([
    task(emit, 'networks', `remove networks of ${what}`, async () => {
      const list = await docker.listNetworks({ filters });
      const removeNetwork = async (id: string, attempt = 1): Promise<void> => {
        try {
          await docker.getNetwork(id).remove();
        } catch (err) {
          if (isNotFound(err)) return;
          // An `up` still running elsewhere attached a container meanwhile: remove it, then retry.
          if (attempt < 4 && /active endpoints/.test((err as { json?: { message?: string } }).json?.message ?? String(err))) {
            await removeAll();
            return removeNetwork(id, attempt + 1);
          }
          throw err;
        }
      };
      await Promise.all(list.map((n) => removeNetwork(n.Id)));
      return list.length;
    }, (n) => `${n} removed`),
    task(emit, 'volumes', `remove volumes of ${what}`, async () => {
      const { Volumes } = await docker.listVolumes({ filters });
      await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined)));
      return (Volumes ?? []).length;
    }, (n) => `${n} removed`),
  ]);
  return { containers, networks, volumes };
}
