// conntrack: a request from the source pod to a Service, then the source node's conntrack
// table must show the translation (original destination the cluster IP, reply from a pod).
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { CONNECT_TIMEOUT_S, MAX_TIME_S, namespaceOf, sourceNetns } from './steps.js';

export const conntrack: ProbeDriver = {
  kind: 'conntrack',
  enters: 'node',
  prepare: ({ enteredPid, enteredContainer, sourceIp }: ProbeSite) => ({
    nodePid: enteredPid,
    ...(enteredContainer ? { nodeContainer: enteredContainer } : {}),
    sourceIp,
  }),
  // One request through the service, then (once it is done) the source node's entries for it.
  steps: (p) => [
    {
      argv: [
        'curl',
        '-s',
        '-g',
        '-o',
        '/dev/null',
        '--connect-timeout',
        `${CONNECT_TIMEOUT_S}`,
        '--max-time',
        `${MAX_TIME_S}`,
        '--',
        `http://${p.targetIp ?? ''}:${p.port}/`,
      ],
      netns: sourceNetns(p),
    },
    {
      argv: ['conntrack', '-L', '-p', 'tcp', '--orig-dst', p.targetIp ?? '', '--dport', `${p.port}`],
      netns: namespaceOf(p.nodePid ?? 0, p.nodeContainer),
      after: [0],
    },
  ],
  judge: (p, [request, entries]) =>
    request!.exitCode !== 0
      ? { ok: false, detail: `the request to ${p.targetIp}:${p.port} failed, nothing to see in conntrack` }
      : judgeEntries(p, entries!.stdout.trim()),
};

function judgeEntries(p: ResolvedProbe, out: string): Verdict {
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
