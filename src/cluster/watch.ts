// `netlab watch`: the lab's control loop, as kubelet's probers and kube-proxy's loop together.
// Readiness and liveness probes run on their periods (a Prober); a liveness failure past its
// threshold restarts the container; when the set of ready pods changes, endpoints, rules and
// DNS are synced, so endpoints follow readiness within a probe period.
import { LabBusyError } from '../core/lock.js';
import { nsName } from '../core/names.js';
import { podSourcesFrom } from '../plan/readiness.js';
import type { PodEndpointSource } from '../plan/services.js';
import { Prober, restartForLiveness } from './probing.js';
import { type RunningLab, runningContainers } from './running-lab.js';
import { type SyncResult, syncServices } from './sync.js';

export interface WatchOptions {
  /** How often the loop looks (containers, due probes). */
  intervalMs: number;
  /** A line for the person watching. */
  say: (text: string) => void;
  /** Asked before each round: stop now? */
  stopped: () => boolean;
  /** How often every rule is rewritten even when nothing changed (default FULL_SYNC_PERIOD_MS). */
  fullSyncPeriodMs?: number;
}

/**
 * Between syncs that write only what changed, a full one this often: kube-proxy's syncPeriod
 * (30 s by default), which repairs rules changed behind its back.
 */
export const FULL_SYNC_PERIOD_MS = 30_000;

export async function watchLab(running: RunningLab, options: WatchOptions): Promise<void> {
  const { lab, plan, engine } = running;
  const { intervalMs, say } = options;
  const prober = new Prober(running);
  let last: string | undefined;
  let lastFull = Date.now();
  const fullPeriod = options.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS;
  say(
    `watching ${lab.name}: endpoints follow pods within ${intervalMs} ms${prober.hasProbes ? ', and their readiness and liveness probes on their periods' : ''} (Ctrl-C to stop)`,
  );
  while (!options.stopped()) {
    const containers = await runningContainers(engine, plan.lab);
    const { readiness, liveness } = await prober.round(containers);
    for (const failure of liveness) {
      const restarts = await restartForLiveness(engine, running.toolbox.container, failure);
      say(
        `restarted ${failure.title}: its liveness probe failed${failure.detail ? ` (${failure.detail})` : ''} past its threshold; liveness restarts: ${restarts}`,
      );
    }
    const sources = podSourcesFrom(lab, plan, containers, readiness);
    const now = readyPods(sources);
    const full = Date.now() - lastFull >= fullPeriod;
    if (now !== last || full) {
      let res: SyncResult;
      try {
        // Each sync under the lab's lock: a command changing the lab goes first, and the sync is tried again.
        res = await syncServices(running, () => {}, readiness, { full });
        if (full) lastFull = Date.now();
      } catch (err) {
        if (!(err instanceof LabBusyError)) throw err;
        say(`${err.message}; trying again`);
        await sleep(intervalMs);
        continue;
      }
      if (now !== last) say(`${last === undefined ? '' : changes(last, now, sources)}synced ${res.endpoints} endpoint(s)`);
      last = now;
    }
    await sleep(intervalMs);
  }
}

function readyPods(sources: readonly PodEndpointSource[]): string {
  return sources
    .filter((s) => s.ready)
    .map((s) => nsName(s.pod))
    .join(',');
}

/** "not ready: default/web-1 (app: readiness probe failing: HTTP 503); ready: default/web-0; " */
function changes(before: string, now: string, sources: readonly PodEndpointSource[]): string {
  const was = before.split(',').filter(Boolean);
  const is = now.split(',').filter(Boolean);
  const gone = was.filter((p) => !is.includes(p));
  const back = is.filter((p) => !was.includes(p));
  const why = (pod: string) => {
    const reasons =
      sources
        .find((s) => nsName(s.pod) === pod)
        ?.containers?.filter((c) => !c.ready)
        .map((c) => `${c.name}: ${c.reason}`) ?? [];
    return reasons.length ? `${pod} (${reasons.join('; ')})` : pod;
  };
  return `${gone.length ? `not ready: ${gone.map(why).join(' ')}; ` : ''}${back.length ? `ready: ${back.join(' ')}; ` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
