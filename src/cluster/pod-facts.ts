// What the engine knows of a running lab's pods, as kubelet would report it: each container's
// state, exit code and restarts (Docker's RestartCount), then READY/STATUS as kubectl words them.
import { ENGINE_PARALLEL, mapLimit } from '../core/concurrency.js';
import { findNamed } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { listLabContainers } from '../engine/state.js';
import { containerName, type ContainerDetails } from '../engine/types.js';
import type { Lab } from '../labfile/model.js';
import { type ContainerFacts, podStatus, type PodStatus } from '../plan/pod-status.js';

export { humanDuration, restartsText } from '../plan/pod-status.js';
import type { LabPlan, PodPlan } from '../plan/types.js';

export interface PodReport {
  pod: PodPlan;
  status: PodStatus;
  /** When the pod's sandbox was created (kubectl's AGE counts from the pod's creation). */
  created?: Date;
}

/** One container's facts from `docker inspect` (undefined: there is no such container). */
export function containerFacts(info: ContainerDetails | undefined): ContainerFacts {
  if (!info) return { state: 'missing', restartCount: 0 };
  const s = info.State;
  const finished = s.FinishedAt && !s.FinishedAt.startsWith('0001-') ? new Date(s.FinishedAt) : undefined;
  const facts: ContainerFacts = {
    state: s.Restarting ? 'restarting' : s.Running ? 'running' : s.Status === 'created' ? 'created' : 'exited',
    restartCount: info.RestartCount ?? 0,
    ...(finished ? { finishedAt: finished } : {}),
  };
  if (facts.state === 'exited' || facts.state === 'restarting') {
    facts.exitCode = s.ExitCode;
    if (s.OOMKilled) facts.oomKilled = true;
  }
  // A paused container runs no code: not ready.
  if (s.Paused) facts.ready = false;
  return facts;
}

/**
 * Every pod of the plan with READY/STATUS/RESTARTS now, read from the engine; `notReady`: the
 * running containers whose readiness probe does not pass (by container name).
 */
export async function readPodReports(engine: Engine, lab: Pick<Lab, 'pods'>, plan: LabPlan, notReady: ReadonlySet<string> = new Set()): Promise<PodReport[]> {
  const existing = new Map((await listLabContainers(engine, plan.lab)).map((c) => [containerName(c), c]));
  const names = plan.pods.flatMap((p) => p.containers.map((c) => c.name)).filter((n) => existing.has(n));
  const details = new Map<string, ContainerDetails | undefined>();
  await mapLimit(names, ENGINE_PARALLEL, async (name) => details.set(name, await engine.inspectContainer(name)));
  return plan.pods.map((pod) => {
    const pause = existing.get(pod.pause.name);
    const status = podStatus({
      sandbox: pause?.State === 'running',
      restartPolicy: findNamed(lab.pods, pod)?.restartPolicy ?? 'Always',
      containers: pod.containers.map((c) => {
        const facts = containerFacts(details.get(c.name));
        return notReady.has(c.name) ? { ...facts, ready: false } : facts;
      }),
    });
    return { pod, status, ...(pause ? { created: new Date(pause.Created * 1000) } : {}) };
  });
}
