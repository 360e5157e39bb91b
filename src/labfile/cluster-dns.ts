// The cluster DNS Service and its address: what validation checks and planning places.
import { nth, parseCidr, size } from '../core/cidr.js';

/** The cluster DNS Service (kube-dns in kube-system): the 10th address of the service CIDR. */
export const DNS_SERVICE = { name: 'kube-dns', namespace: 'kube-system' } as const;
export const DNS_ADDRESS_INDEX = 10;

/** The cluster DNS address of a service CIDR (10.96.0.0/12 -> 10.96.0.10). */
export function clusterDnsIP(serviceCIDR: string): string | undefined {
  const cidr = parseCidr(serviceCIDR);
  return cidr && size(cidr) > DNS_ADDRESS_INDEX ? nth(cidr, DNS_ADDRESS_INDEX) : undefined;
}
