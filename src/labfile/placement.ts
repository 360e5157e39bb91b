// Which node each pod runs on. A lab brought up fresh: spec.nodeName when written, otherwise
// round-robin over the nodes in the order the lab lists them (the i-th unpinned pod goes to node
// i mod n); the validator checks capacity against this same placement. A lab that runs already
// keeps every pod where it runs (pods never move between nodes), and only pods new to it are
// scheduled, as kube-scheduler spreads them: the node with the fewest pods of the pod's workload,
// then the fewest pods, then the first in node order (nodes whose pod CIDR is full are skipped).
import { parseCidr, size } from '../core/cidr.js';
import type { NodeSpec, PodSpec } from './model.js';

/** Addresses of a pod CIDR that pods cannot have: network, the node's cbr0 (gateway), broadcast. */
export const RESERVED_POD_ADDRESSES = 3;

/** Where a pod of a running lab is: its node and IP, as its sandbox's labels say. */
export interface PodPlacement {
  node: string;
  ip: string;
  /** Whether its sandbox runs now (a stopped one keeps its place, but yields its IP to a running pod). */
  running: boolean;
}

/** The pods of a running lab by `ns/name` (what `up` found on the engine). */
export type CurrentPlacement = ReadonlyMap<string, PodPlacement>;

export function podRef(pod: Pick<PodSpec, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The node each pod is placed on, in pod order. Pods pinned to an unknown node are left out. */
export function placePods(pods: readonly PodSpec[], nodes: readonly NodeSpec[], current?: CurrentPlacement): Map<PodSpec, NodeSpec> {
  if (nodes.length === 0) return new Map();
  return current?.size ? schedule(pods, nodes, current) : roundRobin(pods, nodes);
}

function roundRobin(pods: readonly PodSpec[], nodes: readonly NodeSpec[]): Map<PodSpec, NodeSpec> {
  const placed = new Map<PodSpec, NodeSpec>();
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

/** A Deployment's replicas are one workload; a bare pod is its own. */
function workloadOf(pod: PodSpec): string {
  return pod.deployment !== undefined ? `Deployment/${pod.namespace}/${pod.deployment}` : `Pod/${podRef(pod)}`;
}

function schedule(pods: readonly PodSpec[], nodes: readonly NodeSpec[], current: CurrentPlacement): Map<PodSpec, NodeSpec> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const kept = new Map<PodSpec, NodeSpec>();
  const onNode = new Map(nodes.map((n) => [n, 0]));
  const ofWorkload = new Map<string, Map<NodeSpec, number>>();
  const count = (pod: PodSpec, node: NodeSpec) => {
    onNode.set(node, onNode.get(node)! + 1);
    const w = workloadOf(pod);
    const counts = ofWorkload.get(w) ?? new Map<NodeSpec, number>();
    counts.set(node, (counts.get(node) ?? 0) + 1);
    ofWorkload.set(w, counts);
  };
  // Every pod that runs stays on its node (unless its nodeName now names another one).
  for (const pod of pods) {
    const node = byName.get(current.get(podRef(pod))?.node ?? '');
    if (!node || (pod.nodeName !== undefined && pod.nodeName !== node.name)) continue;
    kept.set(pod, node);
    count(pod, node);
  }
  const placed = new Map<PodSpec, NodeSpec>();
  for (const pod of pods) {
    let node = kept.get(pod);
    if (!node && pod.nodeName !== undefined) node = byName.get(pod.nodeName);
    if (!node && pod.nodeName === undefined) {
      const counts = ofWorkload.get(workloadOf(pod));
      const score = (n: NodeSpec) => [counts?.get(n) ?? 0, onNode.get(n)!];
      const fits = nodes.filter((n) => onNode.get(n)! < podCapacity(n.podCIDR));
      node = (fits.length ? fits : nodes).reduce((best, n) => (less(score(n), score(best)) ? n : best));
    }
    if (!node) continue;
    if (!kept.has(pod)) count(pod, node);
    placed.set(pod, node);
  }
  return placed;
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** How many pods a node's pod CIDR holds. */
export function podCapacity(podCIDR: string): number {
  const cidr = parseCidr(podCIDR);
  return cidr ? Math.max(0, size(cidr) - RESERVED_POD_ADDRESSES) : 0;
}
