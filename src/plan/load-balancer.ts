// LoadBalancer Services on a bare-metal cluster, as MetalLB's layer-2 mode gives them: an
// address pool on the node network (MetalLB's IPAddressPool), an address per Service from it
// (spec.loadBalancerIP when written), and one node per address, the "speaker", that answers
// ARP for it. Pure.
//
// Election: a MetalLB speaker may announce an address when its node is usable for the
// Service (externalTrafficPolicy Local: the node has a ready endpoint of it; Cluster: any
// node, as long as the Service has a ready endpoint somewhere); MetalLB orders those nodes by
// sha256(node + "#" + ip) and the first announces. netlab takes the first usable node in
// the lab's order instead, so that a lab says in advance which node answers (the underlay,
// and so the address, is often picked only at `up`).
import { formatIp, parseCidr, parseIp, size } from '../core/cidr.js';
import { formatLocation, NetlabError } from '../core/errors.js';
import type { ServiceSpec } from '../labfile/model.js';
import { UNDERLAY_FIRST_NODE } from './addresses.js';

/** Addresses from `first` to `last` (inclusive), as numbers. */
export interface AddressPool {
  first: number;
  last: number;
}

/** How many addresses the default pool takes from the underlay's top (its broadcast address excluded). */
export const DEFAULT_POOL_SIZE = 15;

/** `a.b.c.d/n` or `a.b.c.d-e.f.g.h` (MetalLB's two spellings); undefined when it is neither. */
export function parsePool(text: string): AddressPool | undefined {
  const trimmed = text.trim();
  const dash = trimmed.indexOf('-');
  if (dash >= 0) {
    const first = parseIp(trimmed.slice(0, dash).trim());
    const last = parseIp(trimmed.slice(dash + 1).trim());
    if (first === undefined || last === undefined || last < first) return undefined;
    return { first, last };
  }
  const cidr = parseCidr(trimmed, false);
  if (!cidr) return undefined;
  return { first: cidr.base, last: (cidr.base + size(cidr) - 1) >>> 0 };
}

export function formatPool(pool: AddressPool): string {
  return `${formatIp(pool.first)}-${formatIp(pool.last)}`;
}

export function poolSize(pool: AddressPool): number {
  return pool.last - pool.first + 1;
}

/**
 * The default pool: the underlay's top DEFAULT_POOL_SIZE addresses below its broadcast address,
 * never reaching down to the addresses netlab gives the nodes (`lowestFree` and up are free).
 */
export function defaultPool(underlay: string, lowestFree: number): AddressPool | undefined {
  const cidr = parseCidr(underlay)!;
  const broadcast = (cidr.base + size(cidr) - 1) >>> 0;
  const last = broadcast - 1;
  const first = Math.max(last - DEFAULT_POOL_SIZE + 1, cidr.base + lowestFree);
  return first <= last ? { first, last } : undefined;
}

/** The default pool of an underlay as text, clear of the nodes' addresses (undefined: no room left). */
export function defaultLoadBalancerPool(underlay: string, nodes: number): string | undefined {
  const pool = defaultPool(underlay, UNDERLAY_FIRST_NODE + nodes);
  return pool && formatPool(pool);
}

/** A plan's setting for planServices (undefined when its underlay left no pool). */
export function loadBalancerSetting(plan: { loadBalancerPool?: string; nodes: readonly { name: string }[] }): LoadBalancerSetting | undefined {
  const pool = plan.loadBalancerPool === undefined ? undefined : parsePool(plan.loadBalancerPool);
  return pool && { pool, nodes: plan.nodes.map((n) => n.name) };
}

/** What a lab's LoadBalancer Services get their addresses from and are announced by. */
export interface LoadBalancerSetting {
  pool: AddressPool;
  /** The nodes in the lab's order (the election's order). */
  nodes: readonly string[];
}

/**
 * MetalLB's allocator: a written spec.loadBalancerIP is kept (it must be in the pool: the lab
 * file says so at its line); the others take the lowest free address of the pool, in the lab's order.
 */
export function allocateLoadBalancerIPs(services: readonly ServiceSpec[], pool: AddressPool): Map<ServiceSpec, string> {
  const out = new Map<ServiceSpec, string>();
  const taken = new Set<number>();
  for (const s of services) {
    if (s.type !== 'LoadBalancer' || s.loadBalancerIP === undefined) continue;
    const ip = parseIp(s.loadBalancerIP)!;
    if (ip < pool.first || ip > pool.last)
      throw new NetlabError(
        `${formatLocation(s.at)}: spec.loadBalancerIP ${s.loadBalancerIP} of Service ${s.name} is outside the load-balancer pool ${formatPool(pool)}`,
        { hint: 'write an address of topology.loadBalancerPool, or leave loadBalancerIP out to have one allocated' },
      );
    taken.add(ip);
    out.set(s, s.loadBalancerIP);
  }
  let next = pool.first;
  for (const s of services) {
    if (s.type !== 'LoadBalancer' || out.has(s)) continue;
    while (next <= pool.last && taken.has(next)) next++;
    if (next > pool.last)
      throw new NetlabError(`${formatLocation(s.at)}: the load-balancer pool ${formatPool(pool)} has no free address for Service ${s.name}`, {
        hint: 'give topology.loadBalancerPool more addresses, or use fewer LoadBalancer Services',
      });
    taken.add(next);
    out.set(s, formatIp(next));
  }
  return out;
}

/**
 * The node that announces a LoadBalancer Service's address (undefined: none does, so the address
 * does not answer): Local needs a node with a ready endpoint, Cluster a ready endpoint anywhere.
 */
export function electSpeaker(
  service: Pick<ServiceSpec, 'externalTrafficPolicy'>,
  endpointNodes: readonly string[],
  nodes: readonly string[],
): string | undefined {
  if (endpointNodes.length === 0) return undefined;
  if (service.externalTrafficPolicy === 'Local') return nodes.find((n) => endpointNodes.includes(n));
  return nodes[0];
}
