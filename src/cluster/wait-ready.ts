// `up` waits for the lab's pods to be ready, as `kubectl wait --for=condition=Ready` would:
// probing on the probes' periods (a Prober), syncing endpoints whenever readiness changes, until
// every pod is ready or the time is up. It fails naming each container that is not ready, its
// state and its last log line; the lab stays up to be looked at.
import { NetlabError } from '../core/errors.js';
import { type EventSink, task } from '../core/events.js';
import { podTitle } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { CRASH_LOOP_RESTARTS, crashLoopState, lastLogLine, stoppedState } from '../engine/container-state.js';
import type { ContainerDetails } from '../engine/types.js';
import { podSourcesFrom } from '../plan/readiness.js';
import type { PodEndpointSource } from '../plan/services.js';
import type { LabPlan } from '../plan/types.js';
import { Prober } from './probing.js';
import { runningContainers } from './running-lab.js';
import { type SyncTarget, syncServices } from './sync.js';

/** A container that is not ready, as the failure names it. */
export interface NotReadyContainer {
  /** `pod/container`. */
  title: string;
  /** The pod as commands name it (`web-0`, `web-0.shop`) and the container's name in it. */
  target?: { pod: string; container: string };
  /** What it is doing: "exited with code 1", "CrashLoopBackOff", "readiness probe failing: HTTP 503". */
  state: string;
  lastLog?: string;
}

/** Waits up to `seconds` for every pod of the lab to be ready; throws naming those that are not. */
export async function waitUntilReady(target: SyncTarget, emit: EventSink, options: { seconds: number; signal?: AbortSignal }): Promise<void> {
  const { engine, lab, plan } = target;
  await task(
    emit,
    'ready',
    `pods ready (waiting up to ${options.seconds} s)`,
    async () => {
      const prober = new Prober(target);
      const deadline = Date.now() + options.seconds * 1000;
      const pollMs = prober.hasProbes ? Math.min(500, prober.shortestPeriodMs) : 250;
      // `up` synced with probes run once; the prober's first results may differ.
      let synced = prober.hasProbes ? '' : undefined;
      for (;;) {
        const running = await runningContainers(engine, plan.lab);
        const { readiness } = await prober.round(running);
        const sources = podSourcesFrom(lab, plan, running, readiness);
        const ready = sources
          .filter((s) => s.ready)
          .map((s) => podTitle(s.pod))
          .join(',');
        if (lab.services.length && synced !== undefined && synced !== ready) {
          await syncServices(target, () => {}, readiness);
          synced = ready;
        } else if (synced === undefined) synced = ready;
        const waiting = sources.filter((s) => !s.ready);
        if (!waiting.length) {
          // A container that exits at once may still run when first seen: every one must have run a moment.
          const young = await youngestStart(engine, plan);
          if (Date.now() - young >= SETTLE_MS) return `${sources.length} pod(s) ready`;
          await new Promise((r) => setTimeout(r, SETTLE_MS - (Date.now() - young)));
          continue;
        }
        if (options.signal?.aborted) {
          throw new NetlabError(`Interrupted while waiting for the pods of lab ${plan.lab} to be ready; the lab is up.`, {
            hint: `netlab get ${plan.lab} pods shows which are ready; netlab up ${plan.lab} again waits again; netlab watch ${plan.lab} keeps probing and syncing`,
            exitCode: 130,
          });
        }
        const dead = await deadContainers(engine, plan, waiting);
        if (dead || Date.now() >= deadline) {
          // Every container has its moment to run first, and all are looked at afresh: one that
          // exits at once is named beside the one that was found dead.
          const young = await youngestStart(engine, plan);
          if (Date.now() - young < SETTLE_MS) await new Promise((r) => setTimeout(r, SETTLE_MS - (Date.now() - young)));
          const now = await runningContainers(engine, plan.lab);
          const still = podSourcesFrom(lab, plan, now, (await prober.round(now)).readiness).filter((s) => !s.ready);
          // All ready after all (the deadline came as the last one got there): the loop says so.
          if (!still.length) continue;
          const not = await describeNotReady(engine, plan, still);
          throw notReadyError(plan.lab, not, dead ? undefined : options.seconds);
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    (d) => d,
  );
}

/**
 * How long every container must have been running for `up` to call the lab ready: long enough
 * to see a container that exits at once (a wrong command, a missing file), short beside the
 * bring-up. Kubernetes itself calls a container without probes ready as soon as it runs.
 */
const SETTLE_MS = 300;

/** When the most recently started container of the lab's pods started (ms since the epoch). */
async function youngestStart(engine: Engine, plan: LabPlan): Promise<number> {
  const names = plan.pods.flatMap((p) => [p.pause.name, ...p.containers.map((c) => c.name)]);
  const starts = await Promise.all(names.map(async (n) => Date.parse((await engine.inspectContainer(n))?.State.StartedAt ?? '') || 0));
  return Math.max(0, ...starts);
}

export { CRASH_LOOP_RESTARTS };

/**
 * Whether a container of a waiting pod will not become ready by waiting: gone, exited for good
 * (restart policy no, or on-failure after a clean exit), or crash-looping.
 */
export function deadContainer(info: ContainerDetails | undefined): boolean {
  if (!info) return true;
  const policy = info.HostConfig?.RestartPolicy?.Name ?? 'no';
  const st = info.State;
  const exited = ['exited', 'dead'].includes(st.Status);
  if (exited && (policy === 'no' || policy === '' || (policy === 'on-failure' && st.ExitCode === 0))) return true;
  return (info.RestartCount ?? 0) >= CRASH_LOOP_RESTARTS && (st.Restarting || exited);
}

/** Containers of waiting pods that will not become ready: no use waiting. */
async function deadContainers(engine: Engine, plan: LabPlan, waiting: PodEndpointSource[]): Promise<boolean> {
  for (const s of waiting) {
    const pod = plan.pods.find((p) => p.name === s.pod.name && p.namespace === s.pod.namespace)!;
    const infos = await Promise.all([pod.pause, ...pod.containers].map((c) => engine.inspectContainer(c.name)));
    if (infos.some(deadContainer)) return true;
  }
  return false;
}

/** Each container of the waiting pods that is not ready: its state (from the engine) and its last log line. */
export async function describeNotReady(engine: Engine, plan: LabPlan, waiting: PodEndpointSource[]): Promise<NotReadyContainer[]> {
  const out: NotReadyContainer[] = [];
  for (const s of waiting) {
    const pod = plan.pods.find((p) => p.name === s.pod.name && p.namespace === s.pod.namespace)!;
    const containers = s.containers ?? [];
    const sandboxDown = containers.some((c) => c.reason === 'its pod sandbox is not running');
    if (sandboxDown) {
      out.push({ title: `${podTitle(s.pod)} (sandbox)`, state: stoppedState(await engine.inspectContainer(pod.pause.name)) });
      continue;
    }
    for (const [i, c] of containers.entries()) {
      const name = pod.containers[i]!.name;
      // A crash-looping container may be running for a moment when looked at: still not ready.
      const info = c.running ? await engine.inspectContainer(name) : undefined;
      const looping = c.running && (info?.RestartCount ?? 0) >= CRASH_LOOP_RESTARTS;
      if (c.ready && !looping) continue;
      const state = looping ? crashLoopState(info!) : c.running ? (c.reason ?? 'not ready') : stoppedState(await engine.inspectContainer(name));
      const lastLog = await lastLogLine(engine, name);
      out.push({
        title: `${podTitle(s.pod)}/${c.name}`,
        target: { pod: s.pod.namespace === 'default' ? s.pod.name : `${s.pod.name}.${s.pod.namespace}`, container: c.name },
        state,
        ...(lastLog ? { lastLog } : {}),
      });
    }
  }
  return out;
}

export function notReadyError(lab: string, not: NotReadyContainer[], seconds?: number): NetlabError {
  const lines = not.map((n) => `  ${n.title}: ${n.state}${n.lastLog ? `; last log line: ${n.lastLog}` : ''}`);
  const first = not.find((n) => n.target)?.target;
  return new NetlabError(
    `Lab ${lab} is up, but ${not.length} container(s) ${seconds === undefined ? 'are not ready and will not become ready' : `are not ready after ${seconds} s`}:\n${lines.join('\n')}\nThe lab stays up so you can look.`,
    {
      hint: `${first ? `netlab logs ${lab} ${first.pod} -c ${first.container} shows its log; ` : ''}netlab get ${lab} pods and netlab status ${lab} show the pods; fix the manifest and run netlab up ${lab} again, or netlab down ${lab}.`,
      exitCode: 1,
    },
  );
}
