// Address decisions: the underlay subnet, fixed addresses on it, pod placement and pod IPs.
import { contains, formatCidr, nth, overlaps, parseCidr, parseIp, size, type Cidr } from '../core/cidr.js';
import { NetlabError } from '../core/errors.js';
import type { NodeSpec, PodSpec } from '../labfile/model.js';
import { type CurrentPlacement, podRef } from '../labfile/placement.js';

/** Fixed host numbers on the underlay: .1 is Docker's bridge, then the router and the external client. */
export const UNDERLAY_ROUTER = 2;
export const UNDERLAY_EXTERNAL = 3;
export const UNDERLAY_FIRST_NODE = 11;

/** Where netlab looks for a free underlay /24 when the lab names none. */
export const CANDIDATE_BLOCKS = ['10.250.0.0/16', '10.251.0.0/16', '172.29.0.0/16'];

/**
 * The first /24 in netlab's candidate blocks that overlaps nothing in `taken`
 * (other Docker networks, the host's own addresses, the lab's pod CIDRs).
 */
export function pickUnderlay(taken: readonly string[], blocks: readonly string[] = CANDIDATE_BLOCKS): string {
  const used = taken.map((t) => parseCidr(t, false)).filter((c): c is Cidr => c !== undefined);
  for (const block of blocks) {
    const b = parseCidr(block)!;
    for (let i = 0; i < size(b) / 256; i++) {
      const candidate: Cidr = { base: (b.base + i * 256) >>> 0, prefix: 24 };
      if (!used.some((u) => overlaps(u, candidate))) return formatCidr(candidate);
    }
  }
  throw new NetlabError('No free /24 is left for the lab network in 10.250.0.0/15 or 172.29.0.0/16.', {
    hint: 'Give the lab an underlay explicitly (topology.underlay: 192.168.77.0/24), or remove unused Docker networks.',
  });
}

export function underlayAddress(underlay: string, host: number): string {
  return nth(parseCidr(underlay)!, host);
}

/**
 * Pod IPs per node: .1 is the node's cbr0, pods take the lowest free address in lab order. In a
 * running lab (`current`), a pod that stays on its node keeps its address, as a pod does in a
 * cluster (adding or removing pods never moves the others), and no new pod gets an address a
 * pod there holds now, even one about to be removed.
 */
export function assignPodIPs(placed: Map<PodSpec, NodeSpec>, nodes: readonly NodeSpec[], current: CurrentPlacement = new Map()): Map<PodSpec, string> {
  const cidrs = new Map(nodes.map((n) => [n.name, parseCidr(n.podCIDR)!]));
  const used = new Map(nodes.map((n) => [n.name, new Set<number>()]));
  const ips = new Map<PodSpec, string>();
  const hostOf = (node: string, ip: string | undefined): number | undefined => {
    const cidr = cidrs.get(node);
    const n = ip === undefined ? undefined : parseIp(ip);
    if (!cidr || n === undefined || !contains(cidr, n)) return undefined;
    const host = n - cidr.base;
    return host < 2 || host >= size(cidr) - 1 ? undefined : host;
  };
  // Pods whose sandbox runs claim their addresses first, then stopped ones (when still free).
  for (const running of [true, false]) {
    for (const [pod, { name: node }] of placed) {
      const was = current.get(podRef(pod));
      if (!was || was.running !== running || was.node !== node || ips.has(pod)) continue;
      const host = hostOf(node, was.ip);
      if (host === undefined || used.get(node)!.has(host)) continue;
      used.get(node)!.add(host);
      ips.set(pod, was.ip);
    }
  }
  for (const was of current.values()) {
    const host = hostOf(was.node, was.ip);
    if (was.running && host !== undefined) used.get(was.node)!.add(host);
  }
  for (const [pod, { name: node }] of placed) {
    if (ips.has(pod)) continue;
    const cidr = cidrs.get(node)!;
    const taken = used.get(node)!;
    let host = 2;
    while (taken.has(host)) host++;
    if (host >= size(cidr) - 1) {
      throw new NetlabError(`Node ${node}'s pod CIDR ${formatCidr(cidr)} has no address left for pod ${pod.name}.`, {
        hint: 'Give the node a larger podCIDR (for example a /24) or fewer pods.',
      });
    }
    taken.add(host);
    ips.set(pod, nth(cidr, host));
  }
  // In lab order, whatever order the addresses were decided in.
  return new Map([...placed.keys()].map((p) => [p, ips.get(p)!]));
}
