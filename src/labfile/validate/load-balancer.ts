// Rules for LoadBalancer Services and traffic policies that need the rest of the lab: the
// pool inside the underlay and clear of the addresses netlab gives out there, each
// loadBalancerIP in the pool and used once, health-check ports apart from nodePorts, and
// what the userspace proxy cannot do.
import { contains, formatIp, parseCidr, parseIp, size } from '../../core/cidr.js';
import { formatLocation } from '../../core/errors.js';
import type { ServiceSpec, SourceLocation, Topology } from '../model.js';
import { valueAt } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import type { LabDraft } from '../read/read-lab.js';
import { serviceLabel, type ServiceEntry } from '../read/services.js';
import { userspaceRefusals } from '../userspace-limits.js';

/**
 * Host numbers of the underlay netlab gives out below the nodes' (src/plan/addresses.ts: .1
 * Docker's gateway, .2 the router, .3 the external client; nodes from .11 up).
 */
export const UNDERLAY_FIRST_NODE_HOST = 11;

/** A pool as numbers, or why the text is not one (the same two spellings as MetalLB). */
function readPool(text: string): { first: number; last: number } | { error: string; hint: string } {
  const t = text.trim();
  const dash = t.indexOf('-');
  if (dash >= 0) {
    const first = parseIp(t.slice(0, dash).trim());
    const last = parseIp(t.slice(dash + 1).trim());
    if (first === undefined || last === undefined)
      return { error: `loadBalancerPool "${text}" is not a range of two IPv4 addresses`, hint: 'write first-last, e.g. 172.30.5.240-172.30.5.250' };
    if (last < first)
      return { error: `loadBalancerPool "${text}" ends before it starts`, hint: `write the lower address first: ${formatIp(last)}-${formatIp(first)}` };
    return { first, last };
  }
  const cidr = parseCidr(t, false);
  if (!cidr)
    return { error: `loadBalancerPool "${text}" is not a CIDR nor a range`, hint: 'write a CIDR (172.30.5.240/28) or a range (172.30.5.240-172.30.5.250)' };
  return { first: cidr.base, last: (cidr.base + size(cidr) - 1) >>> 0 };
}

/** topology.loadBalancerPool: well formed, inside the written underlay, above the nodes' addresses. */
export function validateLoadBalancerPool(draft: LabDraft, topology: Topology, problems: Problems): void {
  const text = draft.topology.loadBalancerPool;
  const place = draft.topology.place;
  if (text === undefined || !place) return;
  const at = valueAt(place, 'loadBalancerPool');
  const pool = readPool(text);
  if ('error' in pool) {
    problems.error(at, pool.error, pool.hint);
    return;
  }
  const underlay = topology.underlay === undefined ? undefined : parseCidr(topology.underlay);
  if (!underlay) {
    problems.error(
      at,
      'loadBalancerPool must be inside the underlay, and this lab names none (netlab picks one at `up`)',
      "write topology.underlay (e.g. 172.30.5.0/24) with the pool inside it, or remove loadBalancerPool to use the underlay's top addresses",
    );
    return;
  }
  const last = (underlay.base + size(underlay) - 1) >>> 0;
  const lowest = underlay.base + UNDERLAY_FIRST_NODE_HOST + topology.nodes.length;
  const example = `${formatIp(Math.max(lowest, last - 15))}-${formatIp(last - 1)}`;
  if (!contains(underlay, pool.first) || !contains(underlay, pool.last)) {
    problems.error(at, `loadBalancerPool ${text} is not inside the underlay ${topology.underlay}`, `write addresses of the underlay, e.g. ${example}`);
    return;
  }
  if (pool.last === last) {
    problems.error(at, `loadBalancerPool ${text} holds the underlay's broadcast address ${formatIp(last)}`, `end the pool below it, e.g. ${example}`);
    return;
  }
  if (pool.first < lowest)
    problems.error(
      at,
      `loadBalancerPool ${text} starts at ${formatIp(pool.first)}, among the addresses netlab gives the gateway, router, external client and nodes (up to ${formatIp(lowest - 1)})`,
      `start the pool at ${formatIp(lowest)} or above, e.g. ${example}`,
    );
  topology.loadBalancerPool = text.trim();
  topology.loadBalancerPoolAt = at;
}

/**
 * Each LoadBalancer Service's loadBalancerIP inside a written pool and nobody else's; health-check
 * ports apart from every nodePort; the userspace proxy refused what it cannot do.
 */
export function validateLoadBalancerServices(entries: readonly ServiceEntry[], topology: Topology, problems: Problems): void {
  const specAt = (e: ServiceEntry, ...steps: (string | number)[]) => valueAt(e.place, 'spec', ...steps);
  const pool = topology.loadBalancerPool === undefined ? undefined : readPool(topology.loadBalancerPool);
  const ips = new Map<string, ServiceEntry>();
  const ports = new Map<number, { service: ServiceSpec; at: SourceLocation }>();
  for (const entry of entries)
    entry.service.ports.forEach((p, i) => {
      if (p.nodePort !== undefined) ports.set(p.nodePort, { service: entry.service, at: specAt(entry, 'ports', i, 'nodePort') });
    });

  for (const entry of entries) {
    const { service } = entry;
    const label = serviceLabel(service);
    const lbip = service.loadBalancerIP;
    if (lbip !== undefined) {
      const n = parseIp(lbip)!;
      const other = ips.get(lbip);
      if (pool && !('error' in pool) && (n < pool.first || n > pool.last))
        problems.error(
          specAt(entry, 'loadBalancerIP'),
          `loadBalancerIP ${lbip} of ${label} is outside topology.loadBalancerPool ${topology.loadBalancerPool}`,
          `write an address of the pool, e.g. ${formatIp(pool.first)}, or leave loadBalancerIP out to have one allocated`,
        );
      else if (other)
        problems.error(
          specAt(entry, 'loadBalancerIP'),
          `loadBalancerIP ${lbip} is already ${serviceLabel(other.service)}'s (${formatLocation(specAt(other, 'loadBalancerIP'))})`,
          'give each LoadBalancer Service its own address, or leave loadBalancerIP out to have one allocated',
        );
      else ips.set(lbip, entry);
    }
    const hc = service.healthCheckNodePort;
    if (hc !== undefined) {
      const owner = ports.get(hc);
      if (owner)
        problems.error(
          specAt(entry, 'healthCheckNodePort'),
          `healthCheckNodePort ${hc} is already a nodePort of ${serviceLabel(owner.service)} (${formatLocation(owner.at)})`,
          'pick a port no Service uses as a nodePort, or leave healthCheckNodePort out to have one allocated',
        );
      else ports.set(hc, { service, at: specAt(entry, 'healthCheckNodePort') });
    }
    if (topology.proxyMode === 'userspace') for (const r of userspaceRefusals(service)) problems.error(specAt(entry, r.field), r.message, r.hint);
  }
}

export { proxyModeRefusal, userspaceRefusals } from '../userspace-limits.js';
