// NetworkPolicies + pods -> what one node enforces (NodePolicies): the local pods each policy
// selects, per direction, and each policy's rules resolved to peer addresses and ports (named
// ports per pod, from its containers' ports). Also the verdict on one packet, for the
// diagnosis and `explain`. Pure.
import { contains, parseCidr, parseIp } from '../../core/cidr.js';
import type { NetworkPolicySpec, PolicyPort, PolicyRule } from '../../labfile/policy-model.js';
import { peerPods, selectedPods } from './selectors.js';
import {
  DIRECTION_TYPE,
  type Direction,
  type NodePolicies,
  type PodFirewall,
  type PolicyChain,
  type PolicyInput,
  type PolicyPod,
  type ResolvedPeer,
  type ResolvedPort,
  type ResolvedRule,
} from './types.js';

export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

export const policyKey = (p: Pick<NetworkPolicySpec, 'namespace' | 'name'>): string => `${p.namespace}/${p.name}`;

const byName = (a: NetworkPolicySpec, b: NetworkPolicySpec) => policyKey(a).localeCompare(policyKey(b));

/** The policies (in name order) that select `pod` in `direction`. */
export function policiesSelecting(input: PolicyInput, pod: PolicyPod, direction: Direction): NetworkPolicySpec[] {
  return [...input.policies].sort(byName).filter((p) => p.policyTypes.includes(DIRECTION_TYPE[direction]) && selectedPods(p, [pod]).length > 0);
}

/** A named port's number on each pod that has it (by protocol), grouped by number. */
function namedPort(port: PolicyPort & { port: string }, pods: readonly PolicyPod[]): ResolvedPort[] {
  const byNumber = new Map<number, string[]>();
  for (const pod of pods) {
    const found = pod.ports.find((p) => p.name === port.port && p.protocol === port.protocol);
    if (found) byNumber.set(found.containerPort, [...(byNumber.get(found.containerPort) ?? []), pod.ip]);
  }
  return [...byNumber.entries()].sort((a, b) => a[0] - b[0]).map(([n, to]) => ({ protocol: port.protocol, port: n, name: port.port, to }));
}

function resolvePorts(ports: readonly PolicyPort[], owners: readonly PolicyPod[]): ResolvedPort[] | 'any' {
  if (!ports.length) return 'any';
  return ports.flatMap((p): ResolvedPort[] => {
    if (typeof p.port === 'string') return namedPort(p as PolicyPort & { port: string }, owners);
    const out: ResolvedPort = { protocol: p.protocol };
    if (p.port !== undefined) out.port = p.port;
    if (p.endPort !== undefined) out.endPort = p.endPort;
    return [out];
  });
}

function resolvePeers(rule: PolicyRule, policy: NetworkPolicySpec, input: PolicyInput): ResolvedPeer[] | 'any' {
  if (!rule.peers.length) return 'any';
  const out: ResolvedPeer[] = [];
  const seen = new Set<string>();
  for (const peer of rule.peers) {
    if (peer.kind === 'ipBlock') {
      out.push({ kind: 'block', cidr: peer.cidr, except: peer.except });
      continue;
    }
    for (const pod of peerPods(peer, policy.namespace, input.pods, input.namespaces)) {
      if (seen.has(pod.ip)) continue;
      seen.add(pod.ip);
      out.push({ kind: 'pod', ip: pod.ip, pod: `${pod.namespace}/${pod.name}` });
    }
  }
  return out;
}

/**
 * One policy's rules in one direction. Named ports belong to the destination: for ingress the
 * selected pods (`owners`), for egress every pod the port may lead to.
 */
export function resolveRules(policy: NetworkPolicySpec, direction: Direction, input: PolicyInput, owners: readonly PolicyPod[]): ResolvedRule[] {
  const rules = direction === 'ingress' ? policy.ingress : policy.egress;
  return rules.map((rule, index) => ({
    index,
    peers: resolvePeers(rule, policy, input),
    ports: resolvePorts(rule.ports, direction === 'ingress' ? owners : input.pods),
  }));
}

/** What `node` enforces: its own pods' firewalls (traffic of pods elsewhere is their node's). */
export function planNodePolicies(input: PolicyInput, node: string): NodePolicies {
  const local = input.pods.filter((p) => p.node === node).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const firewalls: PodFirewall[] = [];
  const used = new Map<string, { policy: NetworkPolicySpec; direction: Direction }>();
  for (const pod of local) {
    for (const direction of DIRECTIONS) {
      const policies = policiesSelecting(input, pod, direction);
      if (!policies.length) continue;
      firewalls.push({ namespace: pod.namespace, pod: pod.name, ip: pod.ip, direction, policies: policies.map(policyKey) });
      for (const policy of policies) used.set(`${policyKey(policy)}/${direction}`, { policy, direction });
    }
  }
  const policies: PolicyChain[] = [...used.values()].map(({ policy, direction }) => ({
    namespace: policy.namespace,
    policy: policy.name,
    direction,
    rules: resolveRules(
      policy,
      direction,
      input,
      local.filter((p) => selectedPods(policy, [p]).length > 0),
    ),
  }));
  return { node, firewalls, policies };
}

// ---------------------------------------------------------------- one packet's verdict

export interface Packet {
  src: string;
  dst: string;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ICMP';
  /** The destination port (none for ICMP). */
  port?: number;
}

/** What the policies say of one packet in one direction. */
export type DirectionVerdict =
  /** No policy selects the pod (or the address is no pod): allowed. */
  | { direction: Direction; selected: false }
  | { direction: Direction; selected: true; allowed: true; policy: string; rule: number }
  /** Selected, and no rule of its policies allows the packet: the default deny. */
  | { direction: Direction; selected: true; allowed: false; policies: string[] };

export function peerMatches(peer: ResolvedPeer, ip: string): boolean {
  if (peer.kind === 'pod') return peer.ip === ip;
  const n = parseIp(ip);
  const block = parseCidr(peer.cidr);
  if (n === undefined || !block || !contains(block, n)) return false;
  return !peer.except.some((e) => {
    const c = parseCidr(e);
    return c !== undefined && contains(c, n);
  });
}

export function portMatches(port: ResolvedPort, packet: Packet): boolean {
  if (port.protocol !== packet.protocol) return false;
  if (port.to && !port.to.includes(packet.dst)) return false;
  if (port.port === undefined) return true;
  if (packet.port === undefined) return false;
  return packet.port >= port.port && packet.port <= (port.endPort ?? port.port);
}

export function ruleMatches(rule: ResolvedRule, direction: Direction, packet: Packet): boolean {
  const peerIp = direction === 'ingress' ? packet.src : packet.dst;
  return (rule.peers === 'any' || rule.peers.some((p) => peerMatches(p, peerIp))) && (rule.ports === 'any' || rule.ports.some((p) => portMatches(p, packet)));
}

/** The verdict of the policies of the pod at the packet's source (egress) or destination (ingress). */
export function directionVerdict(input: PolicyInput, packet: Packet, direction: Direction): DirectionVerdict {
  const ip = direction === 'ingress' ? packet.dst : packet.src;
  const pod = input.pods.find((p) => p.ip === ip);
  const policies = pod ? policiesSelecting(input, pod, direction) : [];
  if (!pod || !policies.length) return { direction, selected: false };
  for (const policy of policies) {
    const owners = direction === 'ingress' ? [pod] : [];
    for (const rule of resolveRules(policy, direction, input, owners)) {
      if (ruleMatches(rule, direction, packet)) return { direction, selected: true, allowed: true, policy: policyKey(policy), rule: rule.index };
    }
  }
  return { direction, selected: true, allowed: false, policies: policies.map(policyKey) };
}

/** Both directions' verdicts: egress at the source, then ingress at the destination. */
export function packetVerdict(input: PolicyInput, packet: Packet): DirectionVerdict[] {
  return [directionVerdict(input, packet, 'egress'), directionVerdict(input, packet, 'ingress')];
}
