// A pod's /etc/resolv.conf as kubelet writes it for dnsPolicy ClusterFirst
// (pkg/kubelet/network/dns: the cluster DNS as the only name server, the pod's
// namespace first in the search list, ndots:5), and the cluster DNS's address.
import { clusterDnsIP } from '../../labfile/cluster-dns.js';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** kubelet's resolv.conf for a pod in `namespace` (no host search domains: labs have none). */
export function resolvConf(namespace: string, dnsIP: string, domain = 'cluster.local'): ResolvConf {
  const d = domain.replace(/\.+$/, '');
  return {
    nameservers: [dnsIP],
    search: [`${namespace}.svc.${d}`, `svc.${d}`, d],
    options: ['ndots:5'],
  };
}

/** The text of that file, in the order the container runtime writes it: search, nameserver, options. */
export function resolvConfText(namespace: string, dnsIP: string, domain = 'cluster.local'): string {
  const conf = resolvConf(namespace, dnsIP, domain);
  return [`search ${conf.search.join(' ')}`, ...conf.nameservers.map((ip) => `nameserver ${ip}`), `options ${conf.options.join(' ')}`].join('\n') + '\n';
}

/** The cluster DNS's service IP: the 10th address of the service CIDR (10.96.0.0/12 -> 10.96.0.10), as kubeadm picks it. */
export function dnsServiceIP(serviceCIDR: string): string {
  const ip = clusterDnsIP(serviceCIDR);
  if (!ip) throw new RangeError(`the service CIDR "${serviceCIDR}" is not an IPv4 CIDR, or too small to hold the DNS address (its 10th)`);
  return ip;
}
