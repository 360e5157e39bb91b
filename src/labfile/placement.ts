// Which node each pod runs on: spec.nodeName when written, otherwise round-robin
// over the nodes in the order the lab lists them (the i-th unpinned pod goes to
// node i mod n). The planner and the validator both use this, so they agree.
import { parseCidr, size } from '../core/cidr.js';
import type { NodeSpec, PodSpec } from './model.js';

/** Addresses of a pod CIDR that pods cannot have: network, the node's cbr0 (gateway), broadcast. */
export const RESERVED_POD_ADDRESSES = 3;

/** The node each pod is placed on, in pod order. Pods pinned to an unknown node are left out. */
export function placePods(pods: readonly PodSpec[], nodes: readonly NodeSpec[]): Map<PodSpec, NodeSpec> {
  const placed = new Map<PodSpec, NodeSpec>();
  if (nodes.length === 0) return placed;
  let next = 0;
  for (const pod of pods) {
    if (pod.nodeName !== undefined) {
      const node = nodes.find((n) => n.name === pod.nodeName);
      if (node) placed.set(pod, node);
      continue;
    }
    placed.set(pod, nodes[next % nodes.length]!);
    next++;
  }
  return placed;
}

/** How many pods a node's pod CIDR holds. */
export function podCapacity(podCIDR: string): number {
  const cidr = parseCidr(podCIDR);
  return cidr ? Math.max(0, size(cidr) - RESERVED_POD_ADDRESSES) : 0;
}
