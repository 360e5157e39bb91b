// NodePolicies as iptables filter rules, shaped as kube-router's network policy controller
// writes them (pkg/controllers/netpol): a top chain jumped to first from FORWARD, packets of
// accepted connections accepted at once, a KUBE-POD-FW-<hash> chain per local pod and
// direction that jumps to a KUBE-NWPLCY-<hash> chain per policy; a rule that allows marks the
// packet, and the pod's chain drops it unmarked (the default deny of a selected pod). Every
// rule carries a comment naming its namespace/policy. Pure.
import { hashPrefix } from '../proxy/names.js';
import type { Direction, NodePolicies, PodFirewall, PolicyChain, ResolvedPeer, ResolvedPort, ResolvedRule } from './types.js';

export const POLICY_TOP_CHAIN = 'NETLAB-POLICY-FORWARD';
/** The chains a sync declares and removes when they are no longer declared. */
export const POLICY_CHAIN_NAME = /^KUBE-(POD-FW|NWPLCY)-[A-Z2-7]{16}$/;
/** The bit a rule that allows sets (kube-router's 0x10000; kube-proxy uses 0x4000 and 0x8000). */
export const ALLOW_MARK = '0x10000';

/** The jump from FORWARD, first in it: before kube-proxy's KUBE-FORWARD accepts anything. */
export const FORWARD_JUMP = `-m comment --comment "netlab network policies" -j ${POLICY_TOP_CHAIN}`;

export const podChainName = (fw: Pick<PodFirewall, 'namespace' | 'pod' | 'direction'>): string =>
  `KUBE-POD-FW-${hashPrefix(`${fw.namespace}/${fw.pod}/${fw.direction}`, 16)}`;

export const policyChainName = (p: Pick<PolicyChain, 'namespace' | 'policy' | 'direction'>): string =>
  `KUBE-NWPLCY-${hashPrefix(`${p.namespace}/${p.policy}/${p.direction}`, 16)}`;

const blockChainName = (p: PolicyChain, rule: number, peer: Extract<ResolvedPeer, { kind: 'block' }>): string =>
  `KUBE-NWPLCY-${hashPrefix(`${p.namespace}/${p.policy}/${p.direction}/${rule}/${peer.cidr}/${peer.except.join(',')}`, 16)}`;

const comment = (text: string) => `-m comment --comment "${text}"`;
const host = (ip: string) => `${ip}/32`;

/** `ns/name ingress rule 2` (rules counted from 1, as a person reads the list). */
export const ruleTitle = (p: Pick<PolicyChain, 'namespace' | 'policy' | 'direction'>, index: number): string =>
  `${p.namespace}/${p.policy} ${p.direction} rule ${index + 1}`;

function portArgs(port: ResolvedPort): string {
  const proto = port.protocol.toLowerCase();
  if (port.port === undefined) return `-p ${proto}`;
  return `-p ${proto} -m ${proto} --dport ${port.port}${port.endPort !== undefined && port.endPort !== port.port ? `:${port.endPort}` : ''}`;
}

/** The ports of a rule as (match text, destination address it needs) pairs; a named port needs each pod that has it. */
function portMatches(ports: ResolvedRule['ports']): { args: string; to?: string }[] {
  if (ports === 'any') return [{ args: '' }];
  return ports.flatMap((p) => (p.to ? p.to.map((ip) => ({ args: portArgs(p), to: ip })) : [{ args: portArgs(p) }]));
}

const mark = `-j MARK --set-xmark ${ALLOW_MARK}/${ALLOW_MARK}`;

/** One policy chain's rules (and its ipBlock chains), as `-A` lines. */
function policyRules(p: PolicyChain, chains: Map<string, string[]>): void {
  const chain = policyChainName(p);
  const lines: string[] = [];
  const peerFlag = p.direction === 'ingress' ? '-s' : '-d';
  for (const rule of p.rules) {
    const why = comment(ruleTitle(p, rule.index));
    const ports = portMatches(rule.ports);
    const peers = rule.peers === 'any' ? [undefined] : rule.peers;
    for (const peer of peers) {
      for (const port of ports) {
        // As iptables-save orders a rule's parts: source, destination, protocol and port, comment, target.
        const src: string[] = [];
        const dst: string[] = [];
        const side = p.direction === 'ingress' ? src : dst;
        let target = mark;
        if (peer?.kind === 'block') {
          const block = blockChainName(p, rule.index, peer);
          if (!chains.has(block)) {
            chains.set(block, [
              ...peer.except.map((e) => `-A ${block} ${peerFlag} ${e} ${comment(`${ruleTitle(p, rule.index)}: except ${e}`)} -j RETURN`),
              `-A ${block} ${peerFlag} ${peer.cidr} ${comment(`${ruleTitle(p, rule.index)}: ipBlock ${peer.cidr}`)} ${mark}`,
            ]);
          }
          target = `-j ${block}`;
          if (port.to) dst.push(`-d ${host(port.to)}`);
        } else if (peer?.kind === 'pod') {
          // Egress: the peer is the destination, so a named port only counts where the peer has it.
          if (p.direction === 'egress' && port.to && port.to !== peer.ip) continue;
          side.push(`${peerFlag} ${host(peer.ip)}`);
          if (port.to && p.direction === 'ingress') dst.push(`-d ${host(port.to)}`);
        } else if (port.to) dst.push(`-d ${host(port.to)}`);
        lines.push(['-A', chain, ...src, ...dst, port.args, why, target].filter(Boolean).join(' '));
      }
    }
  }
  lines.push(`-A ${chain} -m mark --mark ${ALLOW_MARK}/${ALLOW_MARK} -j RETURN`);
  chains.set(chain, lines);
}

const directionWords: Record<Direction, { flag: string; words: string }> = {
  ingress: { flag: '-d', words: 'ingress to' },
  egress: { flag: '-s', words: 'egress from' },
};

/** The `*filter` section of one iptables-restore --noflush: every policy chain of the node, whole. */
export function policyRestore(plan: NodePolicies): string {
  const chains = new Map<string, string[]>();
  const top: string[] = [
    `-A ${POLICY_TOP_CHAIN} ${comment('netlab network policies: packets of accepted connections')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  ];
  const ordered = [...plan.firewalls].sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'egress' ? -1 : 1));
  for (const fw of ordered) {
    const chain = podChainName(fw);
    const { flag, words } = directionWords[fw.direction];
    const pod = `${fw.namespace}/${fw.pod}`;
    top.push(`-A ${POLICY_TOP_CHAIN} ${flag} ${host(fw.ip)} ${comment(`${words} pod ${pod}`)} -j ${chain}`);
    chains.set(chain, [
      ...fw.policies.map((key) => `-A ${chain} ${comment(`${key} ${fw.direction}`)} -j ${policyChainName({ ...splitKey(key), direction: fw.direction })}`),
      `-A ${chain} ${comment(`default deny ${words} ${pod} (${fw.policies.join(', ')})`)} -m mark ! --mark ${ALLOW_MARK}/${ALLOW_MARK} -j DROP`,
      `-A ${chain} -j MARK --set-xmark 0x0/${ALLOW_MARK}`,
    ]);
  }
  for (const p of plan.policies) policyRules(p, chains);
  return [
    '*filter',
    `:${POLICY_TOP_CHAIN} - [0:0]`,
    ...[...chains.keys()].map((c) => `:${c} - [0:0]`),
    ...top,
    ...[...chains.values()].flat(),
    'COMMIT',
    '',
  ].join('\n');
}

function splitKey(key: string): { namespace: string; policy: string } {
  const [namespace = '', policy = ''] = key.split('/');
  return { namespace, policy };
}

/** The chains a restore input declares. */
export function declaredPolicyChains(restore: string): Set<string> {
  return new Set(restore.split('\n').flatMap((l) => (l.startsWith(':') ? [l.slice(1).split(' ')[0]!] : [])));
}

/**
 * What to load after reading the node's filter table (iptables-save -t filter), '' when nothing:
 * the FORWARD jump put first when it is not, chains no longer declared flushed and deleted; with
 * no policy (`active` false) every chain of netlab's policies and the jump go.
 */
export function policyFix(save: string, declared: ReadonlySet<string>, active: boolean): string {
  let table = '';
  const chains: string[] = [];
  const forward: string[] = [];
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    if (table !== 'filter') continue;
    if (line.startsWith(':')) chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A FORWARD ')) forward.push(line.slice('-A FORWARD '.length).trim());
  }
  const jumpAt = forward.indexOf(FORWARD_JUMP);
  const mine = chains.filter((c) => POLICY_CHAIN_NAME.test(c) || c === POLICY_TOP_CHAIN);
  const stale = active ? mine.filter((c) => !declared.has(c)) : mine;
  const lines: string[] = [];
  for (const c of stale) lines.push(`:${c} - [0:0]`);
  if (jumpAt >= 0 && (!active || jumpAt > 0)) lines.push(`-D FORWARD ${FORWARD_JUMP}`);
  if (active && jumpAt !== 0) lines.push(`-I FORWARD 1 ${FORWARD_JUMP}`);
  for (const c of stale) lines.push(`-X ${c}`);
  return lines.length ? ['*filter', ...lines, 'COMMIT', ''].join('\n') : '';
}
