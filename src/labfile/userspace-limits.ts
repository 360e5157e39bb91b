// What the userspace proxy cannot do: checked when a lab file is read, and again when `up
// --proxy-mode userspace` runs a lab its file did not write for that mode.
import { formatLocation, NetlabError } from '../core/errors.js';
import type { Lab, ServiceSpec } from './model.js';
import { serviceLabel } from './service-label.js';

/** What the userspace proxy cannot do for a Service: Local traffic policies, source ranges (each with its field). */
export function userspaceRefusals(service: ServiceSpec): { field: string; message: string; hint: string }[] {
  const label = serviceLabel(service);
  const out: { field: string; message: string; hint: string }[] = [];
  for (const field of ['externalTrafficPolicy', 'internalTrafficPolicy'] as const) {
    if (service[field] !== 'Local') continue;
    out.push({
      field,
      message: `the userspace proxy cannot do ${field}: Local for ${label}: it opens its own connection to an endpoint, so the client's address is lost and any node's pod may answer`,
      hint: `use proxy mode iptables (or nftables), or remove ${field}: Local`,
    });
  }
  if (service.loadBalancerSourceRanges?.length)
    out.push({
      field: 'loadBalancerSourceRanges',
      message: `the userspace proxy cannot filter ${label}'s clients by loadBalancerSourceRanges (it sees every connection from its own node)`,
      hint: 'use proxy mode iptables (or nftables), or remove loadBalancerSourceRanges',
    });
  return out;
}

/** A lab run in a mode its file did not name (`up --proxy-mode`): the first thing that mode cannot do, as an error at its Service. */
export function proxyModeRefusal(lab: Pick<Lab, 'services' | 'topology'>): NetlabError | undefined {
  if (lab.topology.proxyMode !== 'userspace') return undefined;
  for (const service of lab.services) {
    const [r] = userspaceRefusals(service);
    if (r) return new NetlabError(`${formatLocation(service.at)}: ${r.message}`, { hint: r.hint });
  }
  return undefined;
}
