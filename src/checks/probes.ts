// Probes: the command each kind runs from the source's network namespace, and how its output is
// judged. Pure: batching and running live in run.ts.
import type { Expectation, ProbeKind } from '../labfile/model.js';
import { parallelScript, type JobResult, type ParallelJob } from '../plan/scripts.js';

export { parseParallelOutput as parseBatchOutput, type JobResult as RawResult } from '../plan/scripts.js';

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
  /** By name: the host the probe asks the pod's resolver for (its resolv.conf, search list, ndots). */
  targetName?: string;
  /** http/udp: requests to send, and how many different pods must answer. */
  count?: number;
  distinct?: number;
  /** dns: record type; conntrack: the source pod's IP and the endpoints that count as translations. */
  record?: 'A' | 'SRV' | 'PTR';
  sourceIp?: string;
  endpointIps?: string[];
}

/** Connect / answer deadlines: short, because expected drops are checks too. */
export const CONNECT_TIMEOUT_S = 1;
export const MAX_TIME_S = 2;

export function probeCommand(p: ResolvedProbe): string {
  const netns = `/proc/${p.sourcePid}/ns/net`;
  const ns = `nsenter --net=${netns}`;
  // A name is resolved as the pod itself would: its resolv.conf, inside its network namespace.
  const inPod = p.targetName ? `in_pod ${p.sourcePid}` : ns;
  const host = p.targetName ?? p.targetIp ?? '';
  switch (p.kind) {
    case 'http': {
      const curl = `${inPod} curl -sS --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${MAX_TIME_S} -w '\\nHTTP %{http_code}' http://${hostPort(host, p.port)}/`;
      return (p.count ?? 1) > 1 ? `repeat ${p.count} ${curl}` : curl;
    }
    case 'tcp':
      return `${inPod} nc -z -v -w ${CONNECT_TIMEOUT_S} ${host} ${p.port}`;
    case 'udp':
      return (p.count ?? 1) > 1 ? `repeat ${p.count} udp_probe ${p.sourcePid} ${host} ${p.port}` : `udp_probe ${p.sourcePid} ${host} ${p.port}`;
    case 'ping':
      return `${ns} ping -n -c 1 -W ${CONNECT_TIMEOUT_S} ${p.targetIp}`;
    case 'traceroute':
      return `${ns} traceroute -n -q 1 -w 1 -m 8 ${p.targetIp}`;
    case 'netns':
      return `readlink /proc/${p.sourcePid}/ns/net /proc/${p.targetPid}/ns/net`;
    case 'gateway':
      return `gateway_probe ${netns} /proc/${p.nodePid}/ns/net`;
    case 'dns':
      return p.record === 'PTR'
        ? `in_pod ${p.sourcePid} dig +search +time=1 +tries=1 +noall +comments +answer -x ${p.targetName}`
        : `in_pod ${p.sourcePid} dig +search +time=1 +tries=1 +noall +comments +answer -t ${p.record ?? 'A'} ${p.targetName}`;
    case 'conntrack':
      return `conntrack_probe ${p.sourcePid} /proc/${p.nodePid}/ns/net ${p.targetIp} ${p.port}`;
  }
}

function hostPort(ip: string, port?: number): string {
  return port === undefined ? ip : `${ip}:${port}`;
}

/** Shell helpers the batched script defines once. */
export const PROBE_HELPERS = [
  // The pod's own resolver: a private mount namespace where /etc/resolv.conf is the pod's file
  // (kubelet's search list and ndots:5), then the pod's network namespace. Binaries stay netlab's.
  // (A copy: the kernel will not bind a file from another container's mount namespace.)
  `in_pod() { pid=$1; shift; rc=$(mktemp); cat "/proc/$pid/root/etc/resolv.conf" > "$rc"; unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift 2 && exec nsenter --net="/proc/$0/ns/net" "$@"' "$pid" "$rc" x "$@"; s=$?; rm -f "$rc"; return $s; }`,
  // nc -u exits 0 whether or not anything answered: an answer is what counts.
  `udp_probe() { r=$(echo netlab-probe | in_pod "$1" nc -u -W 1 -w ${CONNECT_TIMEOUT_S} "$2" "$3" 2>&1); [ -n "$r" ] || { echo "no UDP answer within ${CONNECT_TIMEOUT_S} s"; return 1; }; echo "$r"; }`,
  // N requests, each a new connection (so a new choice of endpoint); fails only if none answered.
  `repeat() { n=$1; shift; ok=1; i=0; while [ $i -lt $n ]; do i=$((i+1)); if "$@"; then ok=0; fi; echo; echo '%%'; done; return $ok; }`,
  // One request through the service, then the source node's conntrack entries for it.
  `conntrack_probe() { nsenter --net="/proc/$1/ns/net" curl -s -o /dev/null --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${MAX_TIME_S} "http://$3:$4/" || echo "request failed"; nsenter --net="$2" conntrack -L -p tcp --orig-dst "$3" --dport "$4" 2>/dev/null; }`,
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
  if ((p.count ?? 1) > 1 && (p.kind === 'http' || p.kind === 'udp')) return judgeRepeated(p, out);
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
    case 'dns': {
      const status = /status: ([A-Z]+)/.exec(out)?.[1];
      const answers = out
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith(';'))
        .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
      if (!status) return { ok: false, detail: oneLine(out) || 'no answer from the cluster DNS' };
      if (p.expect === 'nxdomain') {
        return status === 'NXDOMAIN'
          ? { ok: true, detail: `NXDOMAIN for ${p.targetName}` }
          : { ok: false, detail: `expected NXDOMAIN, got ${status}${answers.length ? `: ${answers.join(', ')}` : ''}` };
      }
      if (status !== 'NOERROR' || answers.length === 0) return { ok: false, detail: `${status} for ${p.targetName}, no ${p.record ?? 'A'} record` };
      return { ok: true, detail: `${p.targetName} → ${answers.join(', ')}` };
    }
    case 'conntrack': {
      if (out.startsWith('request failed')) return { ok: false, detail: `the request to ${p.targetIp}:${p.port} failed, nothing to see in conntrack` };
      for (const line of out.split('\n')) {
        const srcs = [...line.matchAll(/src=(\S+)/g)].map((m) => m[1]);
        const dsts = [...line.matchAll(/dst=(\S+)/g)].map((m) => m[1]);
        const sports = [...line.matchAll(/sport=(\d+)/g)].map((m) => m[1]);
        if (srcs[0] === p.sourceIp && dsts[0] === p.targetIp && srcs[1] && srcs[1] !== p.targetIp) {
          const translated = !p.endpointIps || p.endpointIps.includes(srcs[1]!);
          return {
            ok: translated,
            detail: `${srcs[0]} → ${p.targetIp}:${p.port} was DNATed to ${srcs[1]}:${sports[1]} (conntrack on the client's node)${translated ? '' : ', not an endpoint'}`,
          };
        }
      }
      return { ok: false, detail: `no conntrack entry from ${p.sourceIp} to ${p.targetIp}:${p.port} on the client's node` };
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

/** Many requests: how many were answered, by how many different pods ("Hello from <pod>"). */
function judgeRepeated(p: ResolvedProbe, out: string): Verdict {
  const parts = out.split(/\n%%\n?/).filter((x) => x.trim());
  const answered = parts.filter((x) => (p.kind === 'udp' ? !x.includes('no UDP answer') : /HTTP [1-5]\d\d\s*$/.test(x.trim())));
  const pods = new Set(answered.map((x) => /Hello from (\S+)/.exec(x)?.[1]).filter(Boolean));
  const counts = [...pods].map((name) => `${name} ${answered.filter((x) => x.includes(`Hello from ${name} `)).length}`);
  const summary = `${answered.length}/${p.count} answered by ${pods.size} pod(s)${counts.length ? `: ${counts.join(', ')}` : ''}`;
  if (p.expect === 'unreachable') return { ok: answered.length === 0, detail: summary };
  const ok = answered.length === p.count && pods.size >= (p.distinct ?? 1);
  return { ok, detail: ok || answered.length < (p.count ?? 1) ? summary : `${summary}; expected at least ${p.distinct} different pods` };
}
