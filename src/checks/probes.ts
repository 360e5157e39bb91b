// Probes: the command each kind runs from the source's network namespace, and how its output is
// judged. Pure: batching and running live in run.ts.
import type { Expectation, ProbeKind } from '../topology/model.js';
import { parallelScript, type JobResult, type ParallelJob } from '../lab/plan/scripts.js';

export { parseParallelOutput as parseBatchOutput, type JobResult as RawResult } from '../lab/plan/scripts.js';

/** A probe with every name already resolved to addresses and host PIDs. */
export interface ResolvedProbe {
  kind: ProbeKind;
  expect: Expectation;
  /** PID whose network namespace the probe runs in. */
  sourcePid: number;
  targetIp?: string;
  port?: number;
  /** netns: the target container's PID. */
  targetPid?: number;
  /** gateway: the node's PID and bridge address; traceroute: the IPs that count as `via`. */
  nodePid?: number;
  viaIps?: string[];
  viaName?: string;
  contains?: string;
}

/** Connect / answer deadlines: short, because expected drops are checks too. */
export const CONNECT_TIMEOUT_S = 1;
export const MAX_TIME_S = 2;

export function probeCommand(p: ResolvedProbe): string {
  const ns = `nsenter --net=/proc/${p.sourcePid}/ns/net`;
  const ip = p.targetIp ?? '';
  switch (p.kind) {
    case 'http':
      return `${ns} curl -sS --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${MAX_TIME_S} -w '\\nHTTP %{http_code}' http://${hostPort(ip, p.port)}/`;
    case 'tcp':
      return `${ns} nc -z -v -w ${CONNECT_TIMEOUT_S} ${ip} ${p.port}`;
    case 'udp':
      return `udp_probe /proc/${p.sourcePid}/ns/net ${ip} ${p.port}`;
    case 'ping':
      return `${ns} ping -n -c 1 -W ${CONNECT_TIMEOUT_S} ${ip}`;
    case 'traceroute':
      return `${ns} traceroute -n -q 1 -w 1 -m 8 ${ip}`;
    case 'netns':
      return `readlink /proc/${p.sourcePid}/ns/net /proc/${p.targetPid}/ns/net`;
    case 'gateway':
      return `gateway_probe /proc/${p.sourcePid}/ns/net /proc/${p.nodePid}/ns/net`;
  }
}

function hostPort(ip: string, port?: number): string {
  return port === undefined ? ip : `${ip}:${port}`;
}

/** Shell helpers the batched script defines once. */
export const PROBE_HELPERS = [
  // nc -u exits 0 whether or not anything answered: an answer is what counts.
  `udp_probe() { r=$(echo netlab-probe | nsenter --net="$1" nc -u -w ${CONNECT_TIMEOUT_S} "$2" "$3" 2>&1); [ -n "$r" ] || { echo "no UDP answer within ${CONNECT_TIMEOUT_S} s"; return 1; }; echo "$r"; }`,
  `gateway_probe() { nsenter --net="$1" ip -4 route show default; echo '--'; nsenter --net="$2" ip -4 -o addr show dev cbr0; }`,
].join('\n');

/** One script for one source: every probe in parallel (expected drops cost one timeout, not one each). */
export function batchScript(probes: ParallelJob[]): string {
  return parallelScript(probes, PROBE_HELPERS);
}

export interface Verdict {
  ok: boolean;
  detail: string;
}

const oneLine = (s: string, max = 160) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Hop addresses of a traceroute, in order (`*` for a hop that did not answer). */
export function traceHops(output: string): string[] {
  const hops: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m) hops.push(m[2]!);
  }
  return hops;
}

export function judge(p: ResolvedProbe, raw: Pick<JobResult, 'exitCode' | 'output'>): Verdict {
  const out = raw.output.trim();
  const reached = (ok: boolean, detail: string): Verdict =>
    p.expect === 'unreachable'
      ? { ok: !ok, detail: ok ? `reachable, but expected a drop: ${detail}` : `dropped as expected: ${detail}` }
      : { ok, detail };
  switch (p.kind) {
    case 'http': {
      const m = /\nHTTP (\d{3})$/.exec(out) ?? /^HTTP (\d{3})$/.exec(out);
      const code = m?.[1];
      if (raw.exitCode !== 0 || !code || code === '000') return reached(false, oneLine(out.replace(/\n?HTTP 000$/, '')) || `curl exit ${raw.exitCode}`);
      const body = out.slice(0, out.length - (m![0].length)).trim();
      if (p.contains !== undefined && !body.includes(p.contains) && p.expect !== 'unreachable') {
        return { ok: false, detail: `HTTP ${code}, but the answer lacks "${p.contains}": ${oneLine(body)}` };
      }
      return reached(true, `HTTP ${code} ${oneLine(body, 120)}`);
    }
    case 'tcp':
    case 'udp':
      return reached(raw.exitCode === 0, oneLine(out) || `exit ${raw.exitCode}`);
    case 'ping': {
      const rtt = /time=([\d.]+ ms)/.exec(out)?.[1];
      return reached(raw.exitCode === 0, raw.exitCode === 0 ? `echo reply in ${rtt ?? '?'}` : oneLine(out.split('\n').slice(-2).join(' ')) || 'no reply');
    }
    case 'traceroute': {
      const hops = traceHops(out);
      const arrived = hops.at(-1) === p.targetIp;
      const path = hops.join(' → ') || oneLine(out);
      if (p.expect === 'unreachable') return { ok: !arrived, detail: arrived ? `reached: ${path}` : `not reached: ${path}` };
      if (!arrived) return { ok: false, detail: `did not reach ${p.targetIp}: ${path}` };
      if (p.viaIps && !hops.some((h) => p.viaIps!.includes(h))) {
        return { ok: false, detail: `reached, but not via ${p.viaName} (${p.viaIps.join(' or ')}): ${path}` };
      }
      return { ok: true, detail: `${path}${p.viaName ? ` (via ${p.viaName})` : ''}` };
    }
    case 'netns': {
      const [a, b] = out.split('\n').map((s) => s.trim());
      if (raw.exitCode !== 0 || !a || !b) return { ok: false, detail: oneLine(out) || 'namespace not readable' };
      const same = a === b;
      const ok = p.expect === 'different-netns' ? !same : same;
      return { ok, detail: same ? `one network namespace ${a}` : `different namespaces ${a} and ${b}` };
    }
    case 'gateway': {
      const [routes = '', addrs = ''] = out.split('--');
      const via = /default via (\S+)/.exec(routes)?.[1];
      const bridge = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addrs)?.[1];
      const want = p.viaIps?.[0] ?? bridge;
      if (!via) return { ok: false, detail: `no default route in the pod: ${oneLine(routes) || 'empty table'}` };
      if (via !== want) return { ok: false, detail: `default via ${via}, expected ${want}${p.viaName ? ` (${p.viaName})` : ''}` };
      if (!p.viaIps && bridge !== via) return { ok: false, detail: `default via ${via}, but the node's cbr0 has ${bridge ?? 'no address'}` };
      return { ok: true, detail: `default via ${via} (${p.viaName ?? 'cbr0 on the node'})` };
    }
  }
}
