// Address decisions: the underlay subnet, fixed addresses on it, pod placement and pod IPs.
import { formatCidr, nth, overlaps, parseCidr, size, type Cidr } from '../../topology/cidr.js';
import { NetlabError } from '../../topology/errors.js';
import type { NodeSpec, PodSpec } from '../../topology/model.js';

/** Fixed host numbers on the underlay: .1 is Docker's bridge, then the router and the external client. */
export const UNDERLAY_ROUTER = 2;
export const UNDERLAY_EXTERNAL = 3;
export const UNDERLAY_FIRST_NODE = 11;

/** Where netlab looks for a free underlay /24 when the lab names none. */
const CANDIDATE_BLOCKS = ['10.250.0.0/16', '10.251.0.0/16', '172.29.0.0/16'];

/**
 * The first /24 in netlab's candidate blocks that overlaps nothing in `taken`
 * (other Docker networks, the host's own addresses, the lab's pod CIDRs).
 */
export function pickUnderlay(taken: readonly string[]): string {
  const used = taken.map((t) => parseCidr(t, false)).filter((c): c is Cidr => c !== undefined);
  for (const block of CANDIDATE_BLOCKS) {
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

/** Pod IPs per node: .1 is the node's cbr0, pods take .2, .3, ... in lab order. */
export function assignPodIPs(placed: Map<PodSpec, NodeSpec>, nodes: readonly NodeSpec[]): Map<PodSpec, string> {
  const next = new Map(nodes.map((n) => [n.name, 2]));
  const cidrs = new Map(nodes.map((n) => [n.name, parseCidr(n.podCIDR)!]));
  const ips = new Map<PodSpec, string>();
  for (const [pod, { name: node }] of placed) {
    const cidr = cidrs.get(node)!;
    const host = next.get(node)!;
    if (host >= size(cidr) - 1) {
      throw new NetlabError(`Node ${node}'s pod CIDR ${formatCidr(cidr)} has no address left for pod ${pod.name}.`, {
        hint: 'Give the node a larger podCIDR (for example a /24) or fewer pods.',
      });
    }
    ips.set(pod, nth(cidr, host));
    next.set(node, host + 1);
  }
  return ips;
}
