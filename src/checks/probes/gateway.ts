// gateway: the source pod's default gateway is `via` (default: its node's cbr0 bridge), read
// off the pod's routing table and the node's cbr0 address.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { namespaceOf, printed, sourceNetns } from './steps.js';
import { DETAIL_MAX } from './verdicts.js';

export const gateway: ProbeDriver = {
  kind: 'gateway',
  enters: 'node',
  prepare: ({ check, node, enteredPid, enteredContainer, viaIps }: ProbeSite) => ({
    nodePid: enteredPid,
    ...(enteredContainer ? { nodeContainer: enteredContainer } : {}),
    viaName: check.via ?? `cbr0 on ${node}`,
    ...(check.via && check.via !== 'cbr0' ? { viaIps: viaIps(check.via) } : {}),
  }),
  // The pod's default route and the node's cbr0 address: two reads, at once.
  steps: (p) => [
    { argv: ['ip', '-4', 'route', 'show', 'default'], netns: sourceNetns(p) },
    { argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'cbr0'], netns: namespaceOf(p.nodePid ?? 0, p.nodeContainer) },
  ],
  judge: (p, [routes, addrs]) => judgeRoute(p, printed(routes!), printed(addrs!)),
};

function judgeRoute(p: ResolvedProbe, routes: string, addrs: string): Verdict {
  const via = /default via (\S+)/.exec(routes)?.[1];
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addrs)?.[1];
  const want = p.viaIps?.[0] ?? bridge;
  if (!via) return { ok: false, detail: `no default route in the pod: ${oneLine(routes, DETAIL_MAX) || 'empty table'}` };
  if (via !== want) return { ok: false, detail: `default via ${via}, expected ${want}${p.viaName ? ` (${p.viaName})` : ''}` };
  if (!p.viaIps && bridge !== via) return { ok: false, detail: `default via ${via}, but the node's cbr0 has ${bridge ?? 'no address'}` };
  return { ok: true, detail: `default via ${via} (${p.viaName ?? 'cbr0 on the node'})` };
}
