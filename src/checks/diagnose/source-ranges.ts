// A LoadBalancer Service with loadBalancerSourceRanges: kube-proxy sends traffic to its
// load-balancer address through a firewall chain (KUBE-FW-* into KUBE-PROXY-FIREWALL in
// iptables mode, the firewall-check chain in nftables mode) that drops every source outside
// the ranges. Its nodePort and cluster IP are not filtered. Pure: from the lab and the path.
import { contains, parseCidr, parseIp } from '../../core/cidr.js';
import type { Lab } from '../../labfile/model.js';
import type { PathFacts } from './path.js';

/** The sentence when the check's source is outside the ranges of the load-balancer address it sends to (undefined: not that). */
export function sourceRangeDrop(lab: Pick<Lab, 'services'>, f: Pick<PathFacts, 'source' | 'target' | 'service'>): string | undefined {
  const s = f.service;
  const source = f.source.ip && parseIp(f.source.ip);
  // The external client is sent to the load-balancer address (the path names the Service by its cluster IP),
  // on the service port: a nodePort is not filtered.
  if (!s || !source || f.source.kind !== 'external' || f.target.port !== s.port) return undefined;
  const spec = lab.services.find((x) => x.namespace === s.namespace && x.name === s.name);
  const ranges = spec?.type === 'LoadBalancer' ? (spec.loadBalancerSourceRanges ?? []) : [];
  const allowed = (range: string) => {
    const c = parseCidr(range, false);
    return c !== undefined && contains(c, source);
  };
  if (!ranges.length || ranges.some(allowed)) return undefined;
  return (
    `service ${s.namespace}/${s.name} accepts its load-balancer address only from ${ranges.join(', ')} (loadBalancerSourceRanges), ` +
    `and ${f.source.name} (${f.source.ip}) is outside them: kube-proxy's firewall chain drops it (its nodePort and cluster IP are not filtered)`
  );
}
