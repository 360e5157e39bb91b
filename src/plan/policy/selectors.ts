// Label selectors as metav1.LabelSelectorAsSelector reads them, and which pods a NetworkPolicy
// and its peers select. Pure.
import { type LabelSelector, NAMESPACE_NAME_LABEL, type NetworkPolicySpec, type PolicyPeer } from '../../labfile/policy-model.js';
import type { PolicyNamespace, PolicyPod } from './types.js';

/** Does `selector` select an object with these labels? ({} selects everything.) */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && e.values.includes(value!)
        : e.operator === 'NotIn'
          ? !has || !e.values.includes(value!)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** A namespace's labels as the API server keeps them: its own, and kubernetes.io/metadata.name. */
export function namespaceLabels(ns: PolicyNamespace): Record<string, string> {
  return { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name };
}

/** The pods a policy applies to: in its namespace, selected by spec.podSelector. */
export function selectedPods(policy: NetworkPolicySpec, pods: readonly PolicyPod[]): PolicyPod[] {
  return pods.filter((p) => p.namespace === policy.namespace && selects(policy.podSelector, p.labels));
}

/** The pods a (pod-kind) peer selects, for a policy in `namespace`. */
export function peerPods(
  peer: Extract<PolicyPeer, { kind: 'pods' }>,
  namespace: string,
  pods: readonly PolicyPod[],
  namespaces: readonly PolicyNamespace[],
): PolicyPod[] {
  const inNamespace = peer.namespaceSelector
    ? new Set(namespaces.filter((n) => selects(peer.namespaceSelector!, namespaceLabels(n))).map((n) => n.name))
    : new Set([namespace]);
  return pods.filter((p) => inNamespace.has(p.namespace) && (!peer.podSelector || selects(peer.podSelector, p.labels)));
}
