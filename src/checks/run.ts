// Running a lab's checks: resolve names to addresses and PIDs, then schedule.ts runs them in
// `needs` order, batching the probes per source into one toolbox request each (all sources in
// parallel), retrying those with a `wait`, and emitting each result once, when final, in file order.
import { ENGINE_PARALLEL, limiter, mapLimit } from '../core/concurrency.js';
import { findNamed, podContainerName } from '../core/names.js';
import type { AgentStep, StepResult, ToolboxRequest } from '../core/toolbox-request.js';
import type { Toolbox } from '../engine/toolbox.js';
import { containerName } from '../engine/types.js';
import { diagnose } from './diagnose/diagnose.js';
import { serviceLookupName } from './diagnose/path.js';
import type { CheckResult, EventSink } from '../core/events.js';
import { listLabContainers } from '../engine/state.js';
import type { LabPlan } from '../plan/types.js';
import type { CheckFileId } from '../labfile/load.js';
import type { LabTarget } from './target.js';
import { resolveEndpoint, type EndpointRef } from '../labfile/endpoints.js';
import { NetlabError } from '../core/errors.js';
import type { CheckSpec, Lab, ServiceSpec } from '../labfile/model.js';
import { allocateClusterIPs } from '../plan/services.js';
import { allocateLoadBalancerIPs, loadBalancerSetting } from '../plan/load-balancer.js';
import { judge, probeDriver, probeSteps, type ProbeDriver, type ResolvedProbe } from './probes/index.js';
import { PROBE_FIELDS } from '../labfile/probe-fields.js';
import { inFileOrder, schedule, withNeeds, type ProbeJob, type ProbeOutcome, type ProbeRunner, type ScheduleOptions, type ScheduledCheck } from './schedule.js';

export interface CheckReport {
  lab: string;
  ok: boolean;
  checks: CheckResult[];
  /** The check file whose checks ran instead of the lab's own (`--checks FILE`). */
  checkFile?: CheckFileId;
}

/** What a name in a check stands for on the running lab. */
interface Place {
  /** Container whose network namespace it is (pods: the pause container, or the named container). */
  container?: string;
  ip?: string;
  port?: number;
  /** Extra addresses that also count as this place on a path (a node's cbr0). */
  alsoIps?: string[];
  node?: string;
  namespace?: string;
  service?: ServiceSpec;
}

function place(plan: LabPlan, ref: EndpointRef, fromOutside = false): Place {
  switch (ref.kind) {
    case 'pod': {
      const pod = findNamed(plan.pods, ref.pod)!;
      const base = podContainerName(plan.lab, ref.pod);
      return {
        container: ref.container ? `${base}-${ref.container.name}` : base,
        ip: pod.ip,
        port: ref.port?.containerPort,
        node: pod.node,
        namespace: pod.namespace,
      };
    }
    case 'node': {
      const node = plan.nodes.find((n) => n.name === ref.node.name)!;
      return { container: node.container.name, ip: node.ip, port: ref.port, alsoIps: [node.bridgeIP], node: node.name };
    }
    case 'router':
      return { container: plan.router?.name, ip: plan.router?.ip };
    case 'external':
      return { container: plan.external?.name, ip: plan.external?.ip };
    case 'service': {
      const port = ref.port ?? (ref.service.ports.length === 1 ? ref.service.ports[0] : undefined);
      // From outside the cluster a LoadBalancer Service is its load-balancer address (kubectl's EXTERNAL-IP).
      const external =
        fromOutside && ref.service.type === 'LoadBalancer' ? loadBalancerIPs(plan).get(`${ref.service.namespace}/${ref.service.name}`) : undefined;
      if (external !== undefined) return { ip: external, port: port?.port, service: ref.service };
      const clusterIP = clusterIPs(plan).get(`${ref.service.namespace}/${ref.service.name}`);
      return { ip: clusterIP, port: port?.port, service: ref.service };
    }
    case 'ip':
      return { ip: ref.ip, port: ref.port };
    case 'localhost':
      return { ip: '127.0.0.1', port: ref.port };
  }
}

const clusterIPCache = new WeakMap<LabPlan, Map<string, string | undefined>>();
/** Cluster IPs as the planner allocates them (stable: a hash of the name, or as written). */
function clusterIPs(plan: LabPlan): Map<string, string | undefined> {
  let ips = clusterIPCache.get(plan);
  if (!ips) {
    const allocated = allocateClusterIPs(plan.services, plan.serviceCIDR);
    ips = new Map([...allocated].map(([s, ip]) => [`${s.namespace}/${s.name}`, ip]));
    clusterIPCache.set(plan, ips);
  }
  return ips;
}

function resolve(lab: Lab, plan: LabPlan, text: string, from?: Place, fromOutside = false): Place {
  const ref = resolveEndpoint(lab, text, from?.namespace ? { namespace: from.namespace } : undefined);
  if ('error' in ref) throw new NetlabError(`Check endpoint "${text}": ${ref.error}`, { hint: ref.hint });
  return place(plan, ref, fromOutside);
}

const loadBalancerIPCache = new WeakMap<LabPlan, Map<string, string>>();
/** LoadBalancer addresses as the planner allocates them from the plan's pool (they need no pod). */
function loadBalancerIPs(plan: LabPlan): Map<string, string> {
  let ips = loadBalancerIPCache.get(plan);
  if (!ips) {
    const setting = loadBalancerSetting(plan);
    const allocated = setting ? allocateLoadBalancerIPs(plan.services, setting.pool) : new Map<ServiceSpec, string>();
    ips = new Map([...allocated].map(([s, ip]) => [`${s.namespace}/${s.name}`, ip]));
    loadBalancerIPCache.set(plan, ips);
  }
  return ips;
}

/** `contains` with each {external}, {router} or {<node>} replaced by that part's address. */
function filledIn(lab: Lab, plan: LabPlan, contains: string | undefined): string | undefined {
  if (contains === undefined) return undefined;
  return contains.replace(/\{([a-z0-9-]+)\}/g, (whole, name: string) => {
    if (name !== 'external' && name !== 'router' && !plan.nodes.some((n) => n.name === name)) return whole;
    return resolve(lab, plan, name).ip ?? whole;
  });
}

/**
 * Probes of one source, as one toolbox request: every probe's steps at once (a step that must
 * follow another of its probe waits for it alone), each probe judged on its own results.
 */
export function probeBatchRequest(jobs: ProbeJob[]): ToolboxRequest<Map<number, ProbeOutcome>> {
  const steps: AgentStep[] = [];
  const spans = jobs.map((job) => {
    const start = steps.length;
    for (const step of probeSteps(job.probe)) steps.push(step.after === undefined ? step : { ...step, after: step.after.map((a) => start + a) });
    return { job, start, end: steps.length };
  });
  return {
    what: `${jobs.length} probe(s)`,
    steps,
    // All at once, as the shell ran them (the agent caps it): expected drops cost one timeout, not one each.
    parallel: Math.max(1, steps.length),
    parse(results) {
      const verdicts = new Map<number, ProbeOutcome>();
      for (const { job, start, end } of spans) {
        const own = results.slice(start, end);
        const v = judge(job.probe, own);
        verdicts.set(job.index, { ok: v.ok, ms: elapsed(steps.slice(start, end), own, start), detail: v.detail });
      }
      return verdicts;
    },
  };
}

/** How long a probe took: its steps ran at once, each one that follows another after it. */
function elapsed(steps: AgentStep[], results: StepResult[], start: number): number {
  const finished: number[] = [];
  results.forEach((r, i) => {
    const after = steps[i]?.after ?? [];
    finished.push(Math.max(0, r.ms) + Math.max(0, ...after.map((a) => finished[a - start] ?? 0)));
  });
  return Math.max(0, ...finished);
}

/** Probes of one source through netlab's own toolbox: one exec of the agent, judged. */
export function toolboxRunner(toolbox: Toolbox): ProbeRunner {
  return {
    runBatch: (jobs: ProbeJob[]): Promise<Map<number, ProbeOutcome>> => toolbox.run(probeBatchRequest(jobs)),
  };
}

/**
 * Runs the lab's checks (`only`: just these names, plus what they `need`, which run but are
 * not reported) from netlab's toolbox: `needs` first, blocked checks not run, `wait` retried.
 * Each result is emitted once, when final, in the file's order (runs stay parallel); the report lists them so too.
 */
export async function runChecks(
  target: LabTarget,
  emit: EventSink,
  only?: string[],
  options: ScheduleOptions & { runner?: ProbeRunner } = {},
): Promise<CheckReport> {
  const { engine, lab, plan } = target;
  const selected = only ? lab.checks.filter((c) => only.includes(c.name)) : lab.checks;
  const toRun = withNeeds(lab.checks, selected);
  const checks = toRun.map((t) => t.check);
  const containers = await listLabContainers(engine, plan.lab);
  const byName = new Map(containers.map((c) => [containerName(c), c]));
  const toolbox = byName.get(plan.toolbox.name);
  if (toolbox?.State !== 'running') {
    throw new NetlabError(`Lab ${plan.lab} is not up (its toolbox container is ${toolbox ? toolbox.State : 'missing'}).`, {
      hint: `Bring it up first: netlab up ${plan.lab}`,
    });
  }

  // Host PIDs of every container a probe enters, read once (with the IDs, which the agent checks them against).
  const pids = new Map<string, number>();
  const idOf = (name: string | undefined) => (name === undefined ? undefined : byName.get(name)?.Id);
  const wanted = new Set<string>();
  const places = checks.map((check) => {
    const from = resolve(lab, plan, check.from);
    // A `to` that is a name for the pod's resolver (probe dns) is not a lab endpoint.
    const to = check.to !== undefined && PROBE_FIELDS[check.probe].to !== 'name' ? resolve(lab, plan, check.to, from, check.from === 'external') : undefined;
    for (const c of [from.container, entered(plan, probeDriver(check.probe), from, to)]) if (c) wanted.add(c);
    return { from, to };
  });
  await mapLimit([...wanted], ENGINE_PARALLEL, async (name) => {
    const c = byName.get(name);
    pids.set(name, c && c.State === 'running' ? await engine.pidOf(c.Id) : 0);
  });
  const notRunning = (name: string) => `${name} is not running (${byName.get(name)?.State ?? 'missing'})`;

  const items: ScheduledCheck[] = toRun.map(({ check, hidden }, index) => {
    const { from, to } = places[index]!;
    const fail = (detail: string): ScheduledCheck => ({ check, hidden, decided: { ok: false, detail } });
    const sourcePid = from.container ? (pids.get(from.container) ?? 0) : 0;
    if (!from.container) return fail(`${check.from} cannot be a probe source`);
    if (!sourcePid) return fail(`source ${notRunning(from.container)}`);
    const driver = probeDriver(check.probe);
    const enters = entered(plan, driver, from, to);
    const enteredPid = enters === undefined ? 0 : (pids.get(enters) ?? 0);
    if (driver.enters && !enteredPid) return fail(`${driver.enters} ${notRunning(enters ?? check.to ?? '?')}`);
    const probe = resolvedProbe(check, driver, from, to, sourcePid);
    if (probe.contains !== undefined) probe.contains = filledIn(lab, plan, probe.contains);
    const sourceContainer = idOf(from.container);
    if (sourceContainer) probe.sourceContainer = sourceContainer;
    const site = { check, sourceIp: from.ip, node: from.node, enteredPid, enteredContainer: idOf(enters), viaIps: (via: string) => viaIps(lab, plan, via) };
    Object.assign(probe, driver.prepare?.(site));
    return { check, hidden, probe };
  });

  const runner = options.runner ?? toolboxRunner(target.toolbox);
  // Results are reported in the file's order, each once those before it are final.
  const ordered = inFileOrder(
    toRun.filter((t) => !t.hidden).map((t) => t.check.name),
    emit,
  );
  // A failed check is reported with the hop that broke, read off the lab (not with a fake runner).
  const byCheck = new Map(checks.map((c) => [c.name, c]));
  const diagnosing: Promise<void>[] = [];
  const limit = limiter(2);
  const withDiagnosis: EventSink = (event) => {
    const check = event.type === 'check' ? byCheck.get(event.result.name) : undefined;
    if (event.type !== 'check' || event.result.ok || event.result.blockedBy || options.runner || !check) return ordered.sink(event);
    diagnosing.push(
      limit(() => diagnose(target, check, event.result)).then((why) => {
        if (why) event.result.diagnosis = why;
        ordered.sink(event);
      }),
    );
  };
  const results = await schedule(items, runner, withDiagnosis, { parallel: ENGINE_PARALLEL, ...options });
  await Promise.all(diagnosing);
  ordered.flush();
  return { lab: plan.lab, ok: results.every((r) => r.ok), checks: results };
}

/** The container whose namespace a probe enters besides the source's: the target's, or the source's node. */
function entered(plan: LabPlan, driver: ProbeDriver, from: Place, to: Place | undefined): string | undefined {
  if (driver.enters === 'target') return to?.container;
  if (driver.enters === 'node' && from.node) return plan.nodes.find((n) => n.name === from.node)!.container.name;
  return undefined;
}

/** The fields every probe has, from the check and its places; the driver adds its own. */
function resolvedProbe(check: CheckSpec, driver: ProbeDriver, from: Place, to: Place | undefined, sourcePid: number): ResolvedProbe {
  const probe: ResolvedProbe = { kind: driver.kind, expect: check.expect, sourcePid, targetIp: to?.ip, port: to?.port, contains: check.contains };
  if (to?.service && check.by === 'dns') {
    // The name as a pod of that namespace would write it; others need the namespace too.
    probe.targetName = serviceLookupName(to.service, from.namespace);
  }
  probe.count = check.count;
  probe.distinct = check.distinct;
  if (check.maxMs !== undefined) probe.maxMs = check.maxMs;
  if (check.host !== undefined) probe.host = check.host;
  if (check.path !== undefined) probe.path = check.path;
  if (check.sourcePort !== undefined) probe.sourcePort = check.sourcePort;
  return probe;
}

/** The addresses that count as passing `via`: the router, a node (underlay or cbr0), or an IP. */
function viaIps(lab: Lab, plan: LabPlan, via: string): string[] {
  const p = resolve(lab, plan, via);
  return [p.ip, ...(p.alsoIps ?? [])].filter((x): x is string => !!x);
}
