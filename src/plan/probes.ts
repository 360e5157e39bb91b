// Container probes as kubelet runs them, the pure parts: the agent step of an httpGet or
// tcpSocket probe (run in the pod's node's network namespace, to the pod IP), the verdict on
// what it gave back, and kubelet's thresholds (a result counts once it came
// successThreshold / failureThreshold times in a row).
import type { AgentStep, ExecResult, NamespaceRef, StepResult } from '../core/toolbox-request.js';
import type { ContainerProbe, ProbeHandler } from '../labfile/model.js';

export type ProbeType = 'readiness' | 'liveness';

/** One probe's outcome: passed or not, and what it saw ("HTTP 503", "connection refused"). */
export interface ProbeVerdict {
  ok: boolean;
  detail: string;
}

/** kubelet's User-Agent on HTTP probes (kube-probe/<major>.<minor>). */
export const PROBE_USER_AGENT = 'kube-probe/1.34';

/** The toolbox step of an httpGet or tcpSocket probe, from the node's namespace to the pod (or the probe's host). */
export function networkProbeStep(handler: Exclude<ProbeHandler, { kind: 'exec' }>, podIP: string, node: NamespaceRef, timeoutSeconds: number): AgentStep {
  const host = handler.host ?? podIP;
  // The agent's own limit is a backstop: the program's timeout speaks first.
  const step = { netns: node, timeoutMs: (timeoutSeconds + 2) * 1000 };
  if (handler.kind === 'tcpSocket') return { ...step, argv: ['nc', '-z', '-v', '-n', '-w', String(timeoutSeconds), host, String(handler.port)] };
  const headers = [
    ...(handler.headers.some((h) => h.name.toLowerCase() === 'user-agent') ? [] : [{ name: 'User-Agent', value: PROBE_USER_AGENT }]),
    ...(handler.headers.some((h) => h.name.toLowerCase() === 'accept') ? [] : [{ name: 'Accept', value: '*/*' }]),
    ...handler.headers,
  ];
  return {
    ...step,
    argv: [
      'curl',
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      String(timeoutSeconds),
      ...(handler.scheme === 'HTTPS' ? ['-k'] : []),
      ...headers.flatMap((h) => ['-H', `${h.name}: ${h.value}`]),
      probeURL(handler, host),
    ],
  };
}

/** The URL kubelet GETs: the path (and query) on the probed address and port, whatever the path says of hosts. */
export function probeURL(handler: Extract<ProbeHandler, { kind: 'httpGet' }>, host: string): string {
  const base = `${handler.scheme.toLowerCase()}://${host}:${handler.port}`;
  const url = new URL(handler.path.replace(/^\/+/, '/'), base);
  url.protocol = `${handler.scheme.toLowerCase()}:`;
  url.hostname = host;
  url.port = String(handler.port);
  return url.href;
}

/** kubelet's verdict on an HTTP probe: a status from 200 to 399 passes. */
export function httpVerdict(result: StepResult, timeoutSeconds: number): ProbeVerdict {
  const status = Number(result.stdout.trim());
  if (result.exitCode === 0 && status >= 200 && status < 400) return { ok: true, detail: `HTTP ${status}` };
  if (result.exitCode === 0) return { ok: false, detail: `HTTP ${status || result.stdout.trim()}` };
  return { ok: false, detail: networkFailure(result, timeoutSeconds) };
}

/** A TCP probe passes when the connection opens. */
export function tcpVerdict(result: StepResult, timeoutSeconds: number): ProbeVerdict {
  if (result.exitCode === 0) return { ok: true, detail: 'connection opened' };
  return { ok: false, detail: networkFailure(result, timeoutSeconds) };
}

/** An exec probe passes when the command exits 0. */
export function execVerdict(result: ExecResult | 'timeout', timeoutSeconds: number): ProbeVerdict {
  if (result === 'timeout') return { ok: false, detail: `command timed out after ${timeoutSeconds} s` };
  if (result.exitCode === 0) return { ok: true, detail: 'exit code 0' };
  const said = (result.stderr || result.stdout).trim().split('\n').at(-1)?.slice(0, 200);
  return { ok: false, detail: `exit code ${result.exitCode}${said ? `: ${said}` : ''}` };
}

function networkFailure(result: StepResult, timeoutSeconds: number): string {
  const text = `${result.error ?? ''} ${result.stderr}`.toLowerCase();
  // curl: 7 could not connect, 28 timed out; nc says it in words.
  if (result.exitCode === 124 || result.exitCode === 28 || /timed out/.test(text)) return `timed out after ${timeoutSeconds} s`;
  if (/refused/.test(text) || result.exitCode === 7) return 'connection refused';
  if (/no route|unreachable/.test(text)) return 'no route to host';
  if (/reset/.test(text) || result.exitCode === 56) return 'connection reset';
  if (result.exitCode === 52) return 'empty reply';
  const said = (result.error || result.stderr).trim().split('\n').at(-1);
  return said ? said.slice(0, 200) : `exit code ${result.exitCode}`;
}

/** A probe's verdict on a network probe step's result. */
export function networkVerdict(handler: Exclude<ProbeHandler, { kind: 'exec' }>, result: StepResult, timeoutSeconds: number): ProbeVerdict {
  return handler.kind === 'httpGet' ? httpVerdict(result, timeoutSeconds) : tcpVerdict(result, timeoutSeconds);
}

/**
 * A probe worker's memory, as kubelet keeps it: the result it published, the last result it saw
 * and how many times in a row. Readiness starts failed (not ready until it passes); liveness
 * starts passed.
 */
export interface ThresholdState {
  published: boolean;
  last?: boolean;
  run: number;
  /** The detail of the last probe. */
  detail?: string;
}

export function initialThresholdState(type: ProbeType): ThresholdState {
  return { published: type === 'liveness', run: 0 };
}

/**
 * One probe result through the thresholds: it is published once it came successThreshold
 * (passing) or failureThreshold (failing) times in a row. A liveness failure that is
 * published means: restart the container; the count starts again.
 */
export function advanceThreshold(
  state: ThresholdState,
  verdict: ProbeVerdict,
  probe: Pick<ContainerProbe, 'successThreshold' | 'failureThreshold'>,
  type: ProbeType,
): { state: ThresholdState; restart: boolean } {
  const run = state.last === verdict.ok ? state.run + 1 : 1;
  const next: ThresholdState = { published: state.published, last: verdict.ok, run, detail: verdict.detail };
  const threshold = verdict.ok ? probe.successThreshold : probe.failureThreshold;
  if (run < threshold) return { state: next, restart: false };
  next.published = verdict.ok;
  if (type === 'liveness' && !verdict.ok) return { state: { published: true, run: 0, detail: verdict.detail }, restart: true };
  return { state: next, restart: false };
}

/** Is a probe due: past its initial delay since the container started, and a period since it last ran? */
export function probeDue(
  probe: Pick<ContainerProbe, 'initialDelaySeconds' | 'periodSeconds'>,
  startedAtMs: number,
  lastRunMs: number | undefined,
  nowMs: number,
): boolean {
  if (nowMs - startedAtMs < probe.initialDelaySeconds * 1000) return false;
  return lastRunMs === undefined || nowMs - lastRunMs >= probe.periodSeconds * 1000;
}

/** One probe of one container of a lab's plan. */
export interface ProbeJob {
  /** `<container>:<type>`: the key of its worker's memory. */
  key: string;
  type: ProbeType;
  /** The Docker container it probes. */
  container: string;
  /** `pod/container` as a person names it. */
  title: string;
  podIP: string;
  node: string;
  probe: ContainerProbe;
}

/** Every probe of the lab's pods, readiness before liveness. */
export function probeJobs(
  lab: {
    pods: readonly {
      name: string;
      namespace: string;
      containers: readonly { name: string; readinessProbe?: ContainerProbe; livenessProbe?: ContainerProbe }[];
    }[];
  },
  plan: { pods: readonly { name: string; namespace: string; ip: string; node: string; containers: readonly { name: string }[] }[] },
): ProbeJob[] {
  const jobs: ProbeJob[] = [];
  for (const type of ['readiness', 'liveness'] as const) {
    for (const p of plan.pods) {
      const pod = lab.pods.find((x) => x.name === p.name && x.namespace === p.namespace);
      if (!pod) continue;
      pod.containers.forEach((spec, i) => {
        const probe = type === 'readiness' ? spec.readinessProbe : spec.livenessProbe;
        const container = p.containers[i];
        if (!probe || !container) return;
        const podTitle = p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`;
        jobs.push({ key: `${container.name}:${type}`, type, container: container.name, title: `${podTitle}/${spec.name}`, podIP: p.ip, node: p.node, probe });
      });
    }
  }
  return jobs;
}
