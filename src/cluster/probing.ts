// netlab as the lab's kubelet prober: httpGet and tcpSocket probes run from the pod's node's
// network namespace to the pod IP (all of a round in one toolbox request), exec probes in the
// container (engine exec, the manifest's argv). A Prober keeps kubelet's per-probe memory
// (thresholds, periods) across rounds: `netlab watch` and `up`'s wait use one; one-shot commands
// probe once (`probeOnce`) to know readiness now.
import { NetlabError } from '../core/errors.js';
import type { AgentStep, NamespaceRef } from '../core/toolbox-request.js';
import { rawStepsRequest } from '../core/toolbox-request.js';
import type { Engine } from '../engine/engine.js';
import type { Toolbox } from '../engine/toolbox.js';
import type { Lab } from '../labfile/model.js';
import {
  advanceThreshold,
  execVerdict,
  initialThresholdState,
  networkProbeStep,
  networkVerdict,
  probeDue,
  probeJobs,
  type ProbeJob,
  type ProbeVerdict,
  type ThresholdState,
} from '../plan/probes.js';
import type { LabPlan } from '../plan/types.js';

export interface ProbeTarget {
  engine: Engine;
  toolbox: Toolbox;
  lab: Pick<Lab, 'pods'>;
  plan: LabPlan;
}

/** A running container's facts a prober needs. */
interface Started {
  id: string;
  startedAtMs: number;
}

/** Runs the given probes now; each job's verdict (jobs whose container is not running are left out). */
async function runJobs(target: ProbeTarget, jobs: readonly ProbeJob[], started: ReadonlyMap<string, Started>): Promise<Map<string, ProbeVerdict>> {
  const verdicts = new Map<string, ProbeVerdict>();
  const network = jobs.filter((j) => j.probe.handler.kind !== 'exec');
  const exec = jobs.filter((j) => j.probe.handler.kind === 'exec');
  const nodes = await nodeRefs(target, [...new Set(network.map((j) => j.node))]);
  const steps: { job: ProbeJob; step: AgentStep }[] = [];
  for (const job of network) {
    const node = nodes.get(job.node);
    if (!node) verdicts.set(job.key, { ok: false, detail: `node ${job.node} is not running` });
    else
      steps.push({
        job,
        step: networkProbeStep(job.probe.handler as Exclude<ProbeJob['probe']['handler'], { kind: 'exec' }>, job.podIP, node, job.probe.timeoutSeconds),
      });
  }
  await Promise.all([
    (async () => {
      if (!steps.length) return;
      const results = await target.toolbox.run(
        rawStepsRequest(
          'container probes',
          steps.map((s) => s.step),
          Math.min(64, steps.length),
        ),
      );
      steps.forEach(({ job }, i) => {
        verdicts.set(
          job.key,
          networkVerdict(job.probe.handler as Exclude<ProbeJob['probe']['handler'], { kind: 'exec' }>, results[i]!, job.probe.timeoutSeconds),
        );
      });
    })(),
    ...exec.map(async (job) => {
      if (!started.has(job.container)) return;
      verdicts.set(job.key, await execProbe(target.engine, job));
    }),
  ]);
  return verdicts;
}

/** An exec probe: the manifest's argv in the container (no shell added), bounded by its timeout. */
async function execProbe(engine: Engine, job: ProbeJob): Promise<ProbeVerdict> {
  const handler = job.probe.handler as Extract<ProbeJob['probe']['handler'], { kind: 'exec' }>;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), job.probe.timeoutSeconds * 1000);
  });
  try {
    const result = await Promise.race([engine.exec(job.container, [...handler.command]), timeout]);
    return execVerdict(result, job.probe.timeoutSeconds);
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

async function nodeRefs(target: ProbeTarget, names: string[]): Promise<Map<string, NamespaceRef>> {
  const refs = new Map<string, NamespaceRef>();
  await Promise.all(
    names.map(async (name) => {
      const node = target.plan.nodes.find((n) => n.name === name);
      const info = node && (await target.engine.inspectContainer(node.container.name));
      if (info?.State.Running) refs.set(name, { pid: info.State.Pid, container: info.Id });
    }),
  );
  return refs;
}

/** When each running container with a probe started (inspected: the engine's list has no start time). */
async function startedContainers(engine: Engine, jobs: readonly ProbeJob[], running: ReadonlySet<string>): Promise<Map<string, Started>> {
  const names = [...new Set(jobs.map((j) => j.container))].filter((c) => running.has(c));
  const started = new Map<string, Started>();
  await Promise.all(
    names.map(async (name) => {
      const info = await engine.inspectContainer(name);
      if (info?.State.Running) started.set(name, { id: info.Id, startedAtMs: Date.parse(info.State.StartedAt) });
    }),
  );
  return started;
}

/**
 * Readiness now, for one-shot commands: every readiness probe of a running container past its
 * initial delay, run once; its result is the container's readiness (no history to weigh).
 */
export async function probeOnce(target: ProbeTarget, running: ReadonlySet<string>): Promise<Map<string, ProbeVerdict>> {
  const jobs = probeJobs(target.lab, target.plan).filter((j) => j.type === 'readiness' && running.has(j.container));
  if (!jobs.length) return new Map();
  const now = Date.now();
  const started = await startedContainers(target.engine, jobs, running);
  const due = jobs.filter((j) => {
    const s = started.get(j.container);
    return s && probeDue(j.probe, s.startedAtMs, undefined, now);
  });
  const verdicts = await runJobs(target, due, started);
  return new Map(due.flatMap((j) => (verdicts.has(j.key) ? [[j.container, verdicts.get(j.key)!] as const] : [])));
}

/** A liveness probe that failed past its threshold: its container is to be restarted. */
export interface LivenessFailure {
  container: string;
  title: string;
  detail: string;
}

interface Worker {
  containerId: string;
  startedAtMs: number;
  state: ThresholdState;
  lastRunMs?: number;
}

/** kubelet's probe workers for one lab: each probe on its period, its result through its thresholds. */
export class Prober {
  private readonly workers = new Map<string, Worker>();
  private readonly jobs: ProbeJob[];

  constructor(private readonly target: ProbeTarget) {
    this.jobs = probeJobs(target.lab, target.plan);
  }

  get hasProbes(): boolean {
    return this.jobs.length > 0;
  }

  /** The shortest period of the lab's probes, in ms (how often a loop should look). */
  get shortestPeriodMs(): number {
    return Math.min(...this.jobs.map((j) => j.probe.periodSeconds * 1000));
  }

  /**
   * One round at `nowMs`: the probes that are due run; the readiness results published (by
   * container), and the liveness failures past their thresholds (the caller restarts those).
   */
  async round(running: ReadonlySet<string>, nowMs = Date.now()): Promise<{ readiness: Map<string, ProbeVerdict>; liveness: LivenessFailure[] }> {
    const live = this.jobs.filter((j) => running.has(j.container));
    const started = live.length ? await startedContainers(this.target.engine, live, running) : new Map<string, Started>();
    for (const job of this.jobs) {
      const s = started.get(job.container);
      const w = this.workers.get(job.key);
      // A container that is not running, or runs anew (restarted, recreated), starts from the probe's initial result.
      if (!s) this.workers.delete(job.key);
      else if (!w || w.containerId !== s.id || w.startedAtMs !== s.startedAtMs)
        this.workers.set(job.key, { containerId: s.id, startedAtMs: s.startedAtMs, state: initialThresholdState(job.type) });
    }
    const due = live.filter((j) => {
      const w = this.workers.get(j.key);
      return w && probeDue(j.probe, w.startedAtMs, w.lastRunMs, nowMs);
    });
    const verdicts = due.length ? await runJobs(this.target, due, started) : new Map<string, ProbeVerdict>();
    const liveness: LivenessFailure[] = [];
    for (const job of due) {
      const w = this.workers.get(job.key)!;
      const verdict = verdicts.get(job.key);
      if (!verdict) continue;
      w.lastRunMs = nowMs;
      const next = advanceThreshold(w.state, verdict, job.probe, job.type);
      w.state = next.state;
      if (next.restart) liveness.push({ container: job.container, title: job.title, detail: verdict.detail });
    }
    const readiness = new Map<string, ProbeVerdict>();
    for (const job of this.jobs) {
      const w = this.workers.get(job.key);
      // Not probed yet (its initial delay): not ready, as kubelet starts readiness failed.
      if (job.type !== 'readiness' || !w || w.state.last === undefined) continue;
      readiness.set(job.container, { ok: w.state.published, detail: w.state.detail ?? '' });
    }
    return { readiness, liveness };
  }
}

/** Where netlab keeps, in the lab's toolbox, how often it restarted each container for failed liveness probes. */
const RESTARTS_DIR = '/var/lib/netlab';
const RESTARTS_FILE = 'liveness-restarts.json';

/** Liveness restarts by container name (Docker's RestartCount does not count restarts asked through its API). */
export async function readLivenessRestarts(engine: Engine, toolbox: string): Promise<Record<string, number>> {
  const text = await engine.readFile(toolbox, `${RESTARTS_DIR}/${RESTARTS_FILE}`);
  if (!text?.trim()) return {};
  try {
    return JSON.parse(text) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Restarts a container whose liveness probe failed past its threshold, as kubelet does, and counts it. */
export async function restartForLiveness(engine: Engine, toolbox: string, failure: LivenessFailure): Promise<number> {
  try {
    await engine.restartContainer(failure.container, 1);
  } catch (err) {
    throw new NetlabError(`Could not restart ${failure.title} after its liveness probe failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const restarts = await readLivenessRestarts(engine, toolbox);
  restarts[failure.container] = (restarts[failure.container] ?? 0) + 1;
  await engine.exec(toolbox, ['mkdir', '-p', RESTARTS_DIR]);
  await engine.putFiles(toolbox, RESTARTS_DIR, { [RESTARTS_FILE]: JSON.stringify(restarts) });
  return restarts[failure.container]!;
}
