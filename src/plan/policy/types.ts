// What the policy engine plans from, and what it plans: per node, each local pod's firewall
// (ingress, egress) as the policies that select it, and each policy's allow rules resolved
// to addresses and ports. Pure data; iptables.ts and nftables.ts write it as rules.
import type { ContainerPort } from '../../labfile/model.js';
import type { NetworkPolicySpec, PolicyProtocol, PolicyType } from '../../labfile/policy-model.js';

export interface PolicyPod {
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  ip: string;
  node: string;
  /** Every container's ports (named ports are resolved from them, as CNI plugins do). */
  ports: readonly ContainerPort[];
}

export interface PolicyNamespace {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface PolicyInput {
  policies: readonly NetworkPolicySpec[];
  pods: readonly PolicyPod[];
  namespaces: readonly PolicyNamespace[];
}

export type Direction = 'ingress' | 'egress';

export const DIRECTION_TYPE: Record<Direction, PolicyType> = { ingress: 'Ingress', egress: 'Egress' };

/** A peer resolved: one pod's address, or an ipBlock (`cidr` minus `except`). */
export type ResolvedPeer = { kind: 'pod'; ip: string; pod: string } | { kind: 'block'; cidr: string; except: readonly string[] };

/** A port resolved: every port (no port), a port or range; a named port only to the pods that have it under that number. */
export interface ResolvedPort {
  protocol: PolicyProtocol;
  port?: number;
  endPort?: number;
  /** A named port: its name, and the pod addresses where it is `port`. */
  name?: string;
  to?: readonly string[];
}

/** One rule of a policy: allowed when a peer and a port match ('any': the rule lists none). */
export interface ResolvedRule {
  /** Its index in the policy's ingress or egress list. */
  index: number;
  peers: readonly ResolvedPeer[] | 'any';
  ports: readonly ResolvedPort[] | 'any';
}

/** One policy's rules in one direction, on one node. */
export interface PolicyChain {
  namespace: string;
  policy: string;
  direction: Direction;
  rules: readonly ResolvedRule[];
}

/** A local pod selected by policies in one direction: what it may do is what one of them allows. */
export interface PodFirewall {
  namespace: string;
  pod: string;
  ip: string;
  direction: Direction;
  /** `ns/name` of each policy, in order (its chain in NodePolicies.policies). */
  policies: readonly string[];
}

export interface NodePolicies {
  node: string;
  firewalls: readonly PodFirewall[];
  /** By `ns/name/direction`. */
  policies: readonly PolicyChain[];
}
