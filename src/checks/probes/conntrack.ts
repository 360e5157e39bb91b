// conntrack: a request from the source pod to a Service, then the source node's conntrack
// table must show the translation (original destination the cluster IP, reply from a pod).
import { shArg } from '../../plan/scripts.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { CONNECT_TIMEOUT_S, MAX_TIME_S } from './shell.js';

/** One request through the service, then the source node's conntrack entries for it. */
const CONNTRACK_PROBE = `conntrack_probe() { nsenter --net="/proc/$1/ns/net" curl -s -o /dev/null --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${MAX_TIME_S} "http://$3:$4/" || echo "request failed"; nsenter --net="$2" conntrack -L -p tcp --orig-dst "$3" --dport "$4" 2>/dev/null; }`;

export const conntrack: ProbeDriver = {
  kind: 'conntrack',
  enters: 'node',
  helpers: [CONNTRACK_PROBE],
  prepare: ({ enteredPid, sourceIp }: ProbeSite) => ({ nodePid: enteredPid, sourceIp }),
  command: (p) => `conntrack_probe ${p.sourcePid} /proc/${p.nodePid}/ns/net ${shArg(p.targetIp ?? '')} ${p.port}`,
  judge: (p, { output }) => judgeEntries(p, output),
};

function judgeEntries(p: ResolvedProbe, out: string): Verdict {
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
