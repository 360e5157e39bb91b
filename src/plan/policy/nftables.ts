// NodePolicies as nftables rules in netlab's own table `inet netlab-policy` (not kube-proxy's):
// the same shape as the iptables rules (a forward base chain, accepted connections first,
// a chain per local pod and direction, a chain per policy, the default deny), with each rule's
// peers in a named interval set (ipBlock `except` cut out of its range). Every rule counts
// (`counter`) so that `explain` can tell which one a packet met. Replaced whole in one `nft -f`. Pure.
import { formatIp, parseCidr, size } from '../../core/cidr.js';
import { ALLOW_MARK, ruleTitle } from './iptables.js';
import type { Direction, NodePolicies, PodFirewall, PolicyChain, ResolvedPeer, ResolvedPort } from './types.js';

export const POLICY_TABLE = 'netlab-policy';
const T = `inet ${POLICY_TABLE}`;

export const nftPodChain = (fw: Pick<PodFirewall, 'namespace' | 'pod' | 'direction'>): string => `pod-fw-${fw.direction}-${fw.namespace}/${fw.pod}`;
export const nftPolicyChain = (p: Pick<PolicyChain, 'namespace' | 'policy' | 'direction'>): string => `nwplcy-${p.direction}-${p.namespace}/${p.policy}`;
const peerSet = (p: PolicyChain, rule: number) => `${nftPolicyChain(p)}-rule-${rule + 1}`;

/** Address ranges [first, last] of the peers, merged (an interval set takes no overlaps). */
export function peerRanges(peers: readonly ResolvedPeer[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const peer of peers) {
    if (peer.kind === 'pod') {
      const c = parseCidr(`${peer.ip}/32`);
      if (c) ranges.push([c.base, c.base]);
      continue;
    }
    const block = parseCidr(peer.cidr);
    if (!block) continue;
    let parts: [number, number][] = [[block.base, block.base + size(block) - 1]];
    for (const e of peer.except) {
      const x = parseCidr(e);
      if (!x) continue;
      const [lo, hi] = [x.base, x.base + size(x) - 1];
      parts = parts.flatMap(([a, b]): [number, number][] => {
        if (hi < a || lo > b) return [[a, b]];
        const left: [number, number][] = lo > a ? [[a, lo - 1]] : [];
        const right: [number, number][] = hi < b ? [[hi + 1, b]] : [];
        return [...left, ...right];
      });
    }
    ranges.push(...parts);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

const element = ([a, b]: [number, number]) => (a === b ? formatIp(a) : `${formatIp(a)}-${formatIp(b)}`);

function portMatch(port: ResolvedPort): string {
  const proto = port.protocol.toLowerCase();
  const to = port.to ? `ip daddr { ${port.to.join(', ')} } ` : '';
  if (port.port === undefined) return `${to}meta l4proto ${proto}`;
  const range = port.endPort !== undefined && port.endPort !== port.port ? `${port.port}-${port.endPort}` : `${port.port}`;
  return `${to}meta l4proto ${proto} th dport ${range}`;
}

const allow = `counter meta mark set meta mark | ${ALLOW_MARK} return`;

function policyRules(p: PolicyChain, out: string[]): void {
  const chain = nftPolicyChain(p);
  const side = p.direction === 'ingress' ? 'saddr' : 'daddr';
  out.push(`add chain ${T} ${chain} { comment "${p.namespace}/${p.policy} ${p.direction}" ; }`);
  for (const rule of p.rules) {
    let peers = '';
    if (rule.peers !== 'any') {
      const ranges = peerRanges(rule.peers);
      if (!ranges.length) continue; // selects nothing: allows nothing
      const set = peerSet(p, rule.index);
      out.push(`add set ${T} ${set} { type ipv4_addr ; flags interval ; elements = { ${ranges.map(element).join(', ')} } ; }`);
      peers = `ip ${side} @${set} `;
    }
    const ports: (ResolvedPort | undefined)[] = rule.ports === 'any' ? [undefined] : [...rule.ports];
    for (const port of ports) {
      out.push(`add rule ${T} ${chain} ${peers}${port ? `${portMatch(port)} ` : ''}${allow} comment "${ruleTitle(p, rule.index)}"`);
    }
  }
}

const words: Record<Direction, { side: string; words: string }> = {
  ingress: { side: 'daddr', words: 'ingress to' },
  egress: { side: 'saddr', words: 'egress from' },
};

/** The `nft -f` script: the table removed, then (with any policy in the lab) made again whole. */
export function policyScript(plan: NodePolicies, active: boolean): string {
  const out = [`add table ${T}`, `delete table ${T}`];
  if (!active) return `${out.join('\n')}\n`;
  out.push(
    `add table ${T} { comment "netlab network policies" ; }`,
    `add chain ${T} forward { type filter hook forward priority 0 ; policy accept ; }`,
    `add rule ${T} forward ct state established,related accept comment "netlab network policies: packets of accepted connections"`,
  );
  const body: string[] = [];
  for (const p of plan.policies) policyRules(p, body);
  const ordered = [...plan.firewalls].sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'egress' ? -1 : 1));
  for (const fw of ordered) {
    const chain = nftPodChain(fw);
    const { side, words: w } = words[fw.direction];
    const pod = `${fw.namespace}/${fw.pod}`;
    body.push(`add chain ${T} ${chain} { comment "${w} pod ${pod}" ; }`);
    for (const key of fw.policies) {
      const [namespace = '', policy = ''] = key.split('/');
      body.push(`add rule ${T} ${chain} jump ${nftPolicyChain({ namespace, policy, direction: fw.direction })} comment "${key} ${fw.direction}"`);
    }
    body.push(
      `add rule ${T} ${chain} meta mark & ${ALLOW_MARK} == 0 counter drop comment "default deny ${w} ${pod} (${fw.policies.join(', ')})"`,
      `add rule ${T} ${chain} meta mark set meta mark & 0xfffeffff`,
    );
    out.push(`add rule ${T} forward ip ${side} ${fw.ip} jump ${chain} comment "${w} pod ${pod}"`);
  }
  // Chains before the rules that jump to them: the forward rules last.
  const forwardRules = out.splice(5);
  return `${[...out, ...body, ...forwardRules].join('\n')}\n`;
}
