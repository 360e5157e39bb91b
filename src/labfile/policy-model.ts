// NetworkPolicy (networking.k8s.io/v1) as the lab model holds it: read from manifests, with
// the API server's defaults filled in (policyTypes, each port's protocol). Plain data; the
// policy engine (src/plan/policy) turns it into each node's rules.
import type { SourceLocation } from '../core/errors.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A metav1.LabelSelector: every matchLabels pair and every expression must hold; empty selects all. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

/** The label Kubernetes puts on every namespace (NamespaceDefaultLabelName): its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * One peer of a rule: pods (podSelector alone: in the policy's namespace; namespaceSelector alone:
 * every pod of the namespaces it selects; both: the pods it selects in those namespaces), or an ipBlock.
 */
export type PolicyPeer =
  | { kind: 'pods'; podSelector?: LabelSelector; namespaceSelector?: LabelSelector; at: SourceLocation }
  | { kind: 'ipBlock'; cidr: string; except: string[]; at: SourceLocation };

export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP';

/** One port of a rule: no port = every port of the protocol; a name is resolved per pod. */
export interface PolicyPort {
  protocol: PolicyProtocol;
  port?: number | string;
  endPort?: number;
  at: SourceLocation;
}

/** An ingress (`from`) or egress (`to`) rule: no peers = every peer; no ports = every port. */
export interface PolicyRule {
  peers: PolicyPeer[];
  ports: PolicyPort[];
  at: SourceLocation;
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  name: string;
  namespace: string;
  podSelector: LabelSelector;
  /** As the API defaults it: Ingress always, Egress when egress rules are written. */
  policyTypes: PolicyType[];
  ingress: PolicyRule[];
  egress: PolicyRule[];
  at: SourceLocation;
}

/** A selector as kubectl prints it (metav1.FormatLabelSelector): `app=web,tier in (a,b)`; `<none>` when empty. */
export function formatSelector(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`),
    ...selector.matchExpressions.map((e) =>
      e.operator === 'In'
        ? `${e.key} in (${e.values.join(',')})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${e.values.join(',')})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`,
    ),
  ];
  return parts.length ? parts.join(',') : '<none>';
}
