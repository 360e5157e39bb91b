// gateway: the source pod's default gateway is `via` (default: its node's cbr0 bridge), read
// off the pod's routing table and the node's cbr0 address.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { sourceNetns } from './shell.js';
import { DETAIL_MAX } from './verdicts.js';

const GATEWAY_PROBE = `gateway_probe() { nsenter --net="$1" ip -4 route show default; echo '--'; nsenter --net="$2" ip -4 -o addr show dev cbr0; }`;

export const gateway: ProbeDriver = {
  kind: 'gateway',
  enters: 'node',
  helpers: [GATEWAY_PROBE],
  prepare: ({ check, node, enteredPid, viaIps }: ProbeSite) => ({
    nodePid: enteredPid,
    viaName: check.via ?? `cbr0 on ${node}`,
    ...(check.via && check.via !== 'cbr0' ? { viaIps: viaIps(check.via) } : {}),
  }),
  command: (p) => `gateway_probe ${sourceNetns(p)} /proc/${p.nodePid}/ns/net`,
  judge: (p, { output }) => judgeRoute(p, output),
};

function judgeRoute(p: ResolvedProbe, out: string): Verdict {
  const [routes = '', addrs = ''] = out.split('--');
  const via = /default via (\S+)/.exec(routes)?.[1];
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addrs)?.[1];
  const want = p.viaIps?.[0] ?? bridge;
  if (!via) return { ok: false, detail: `no default route in the pod: ${oneLine(routes, DETAIL_MAX) || 'empty table'}` };
  if (via !== want) return { ok: false, detail: `default via ${via}, expected ${want}${p.viaName ? ` (${p.viaName})` : ''}` };
  if (!p.viaIps && bridge !== via) return { ok: false, detail: `default via ${via}, but the node's cbr0 has ${bridge ?? 'no address'}` };
  return { ok: true, detail: `default via ${via} (${p.viaName ?? 'cbr0 on the node'})` };
}
