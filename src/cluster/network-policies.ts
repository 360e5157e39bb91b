// A running lab's NetworkPolicies as `get networkpolicies` lists them (kubectl's columns).
import type { Lab } from '../labfile/model.js';
import { formatSelector } from '../labfile/policy-model.js';

export function networkPolicyRows(lab: Pick<Lab, 'networkPolicies'>): { namespace: string; name: string; podSelector: string }[] {
  return (lab.networkPolicies ?? []).map((p) => ({ namespace: p.namespace, name: p.name, podSelector: formatSelector(p.podSelector) }));
}
