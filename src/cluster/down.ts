// `down`: remove every object carrying the lab's label, whatever state `up` left it in, under the
// lab's lock, and the lab's isolation table on the engine host (removed by the lab's guard once
// nothing is on the bridge). The lock is no part of the lab: the listings leave it out, and it
// goes last, when the lock is released.
import { ENGINE_PARALLEL, limiter, mapLimit, settleAll } from '../core/concurrency.js';
import { NetlabError } from '../core/errors.js';
import { type EventSink, task } from '../core/events.js';
import { LABEL_LAB, LABEL_ROLE, labFilter, type Role } from '../core/labels.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';
import { listLabContainers } from '../engine/state.js';
import type { ContainerSummary } from '../engine/types.js';
import { lifter } from './isolation.js';
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

/** Roles of the containers attached to the lab's bridge. */
const ON_BRIDGE: ReadonlySet<string> = new Set<Role>(['node', 'router', 'external']);

async function removeLab(engine: Engine, lab: string, emit: EventSink, idPrefix: string): Promise<DownResult> {
  const filters = labFilter(lab);
  const [found, labNetworks] = await Promise.all([listLabContainers(engine, lab), engine.listNetworks(filters)]);
  const lift = lifter(engine, labNetworks, found);
  const limit = limiter(ENGINE_PARALLEL);
  const remove = (list: readonly ContainerSummary[]) => Promise.all(list.map((c) => limit(() => engine.removeContainer(c.Id))));
  // The containers on the bridge (nodes, router, external client) go first: once they are gone
  // nothing is left that the host's rules keep out (pods reach the bridge only through their
  // node), so the table (removed by the lab's guard) and the network go while the pods still do.
  const onBridge = found.filter((c) => ON_BRIDGE.has(c.Labels[LABEL_ROLE] ?? ''));
  const bridgeGone = remove(onBridge);
  const othersGone = remove(found.filter((c) => !onBridge.includes(c) && c.Id !== lift.guardId));
  // A table that could not be removed matches nothing once its bridge is gone (and a later down
  // removes it): the rest of the lab goes regardless, then the failure is reported.
  const lifted = (async (): Promise<string | Error> => {
    try {
      await bridgeGone;
    } catch (err) {
      await lift.keep().catch(() => undefined);
      return err as Error;
    }
    try {
      return await task(
        emit,
        `${idPrefix}isolation`,
        `remove isolation rules of ${lab}`,
        () => lift.lift(),
        (d) => d,
      );
    } catch (err) {
      return err as Error;
    } finally {
      if (lift.guardId) await limit(() => engine.removeContainer(lift.guardId!));
    }
  })();
  const containersP = task(
    emit,
    `${idPrefix}containers`,
    `remove containers of ${lab}`,
    async () => {
      await settleAll<unknown>([bridgeGone, othersGone, lifted]);
      return found.length;
    },
    (n) => `${n} removed`,
  );
  const networksP = bridgeGone.then(() =>
    task(
      emit,
      `${idPrefix}networks`,
      `remove networks of ${lab}`,
      () => removeNetworks(engine, lab),
      (n) => `${n} removed`,
    ),
  );
  const [containers = 0, networks = 0] = await settleAll([containersP, networksP]);
  const volumes = await task(
    emit,
    `${idPrefix}volumes`,
    `remove volumes of ${lab}`,
    async () => {
      const volumes = await engine.listVolumes(filters);
      await Promise.all(volumes.map((v) => engine.removeVolume(v.Name)));
      return volumes.length;
    },
    (n) => `${n} removed`,
  );
  const liftResult = await lifted;
  if (liftResult instanceof Error) throw liftResult;
  return { containers, networks, volumes };
}

/**
 * The lab's networks; a container attached meanwhile (by netlab from before the lab's lock, or by
 * hand) goes first. Guards are never swept: they sit on the host's network, not the lab's, and one
 * may be lifting the lab's table right now (a guard made for that alone is not in `found`).
 */
async function removeNetworks(engine: Engine, lab: string): Promise<number> {
  const list = await engine.listNetworks(labFilter(lab));
  const removeNetwork = async (id: string, attempt = 1): Promise<void> => {
    try {
      await engine.removeNetwork(id);
    } catch (err) {
      if (attempt < 6 && /active endpoints/.test(engineMessage(err))) {
        const late = (await listLabContainers(engine, lab)).filter((c) => c.Labels[LABEL_ROLE] !== 'guard');
        await mapLimit(late, ENGINE_PARALLEL, (c) => engine.removeContainer(c.Id));
        if (!late.length) {
          // The engine has yet to let go of a removed container's endpoint (a busy dockerd can
          // keep one for seconds): wait, then drop the endpoints whose container is gone.
          await new Promise((r) => setTimeout(r, 250 * attempt));
          if (attempt >= 3) await dropStaleEndpoints(engine, id);
        }
        return removeNetwork(id, attempt + 1);
      }
      if (/active endpoints/.test(engineMessage(err)) && (await engine.networkEndpoints(id)).size === 0) {
        // dockerd 20.10 can keep counting an endpoint it no longer lists (seen under heavy
        // parallel removals); only the daemon's restart recounts them.
        throw new NetlabError(`The Docker engine will not remove lab ${lab}'s network: it counts an endpoint on it that it no longer lists.`, {
          hint: `That count is the engine's own stale state: restarting the Docker daemon clears it (e.g. systemctl restart docker), then netlab down ${lab}.`,
        });
      }
      throw err;
    }
  };
  await Promise.all(list.map((n) => removeNetwork(n.Id)));
  return list.length;
}

/** Force-disconnects the endpoints of the lab's network whose container no longer exists (never another's container). */
async function dropStaleEndpoints(engine: Engine, network: string): Promise<void> {
  const endpoints = await engine.networkEndpoints(network);
  // The engine finds a gone container's endpoint by the name it had on the network.
  await mapLimit([...endpoints], ENGINE_PARALLEL, async ([container, name]) => {
    if (!(await engine.inspectContainer(container))) await engine.disconnectForce(network, name || container);
  });
}
