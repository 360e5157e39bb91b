// What the policy engine needs of a lab: its policies, every pod with its address, node,
// labels and container ports, and every namespace with its labels. Pure.
import { DEFAULT_NAMESPACES, type Lab } from '../../labfile/model.js';
import type { PodEndpointSource } from '../services.js';
import type { PolicyInput } from './types.js';

export function policyInput(lab: Pick<Lab, 'networkPolicies' | 'namespaces'>, sources: readonly Pick<PodEndpointSource, 'pod' | 'ip' | 'node'>[]): PolicyInput {
  return {
    policies: lab.networkPolicies ?? [],
    pods: sources.map((s) => ({
      name: s.pod.name,
      namespace: s.pod.namespace,
      labels: s.pod.labels,
      ip: s.ip,
      node: s.node,
      ports: s.pod.containers.flatMap((c) => c.ports),
    })),
    namespaces: [
      ...DEFAULT_NAMESPACES.filter((n) => !lab.namespaces.some((x) => x.name === n)).map((name) => ({ name, labels: {} })),
      ...lab.namespaces.map((n) => ({ name: n.name, labels: n.labels })),
    ],
  };
}
