// A small cluster for the DNS generators: two namespaces, a ClusterIP service with a
// named and an unnamed port, a headless service with two ready endpoints (one with a
// hostname), an empty headless service, the DNS service itself, and pods.
import type { DnsInput } from '../../src/plan/dns/types.js';

export const fixture: DnsInput = {
  domain: 'cluster.local',
  serial: 42,
  dnsIP: '10.96.0.10',
  services: [
    // Given out of order: the output is sorted by namespace and name.
    {
      namespace: 'shop',
      name: 'api',
      clusterIP: '10.96.0.30',
      ports: [{ name: 'dns', protocol: 'UDP', port: 53 }],
      endpoints: [{ ip: '10.244.2.3' }],
    },
    {
      namespace: 'default',
      name: 'web',
      clusterIP: '10.96.0.20',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80 },
        { name: '', protocol: 'TCP', port: 8080 },
      ],
      endpoints: [{ ip: '10.244.1.9' }],
    },
    {
      namespace: 'default',
      name: 'db',
      ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }],
      endpoints: [{ ip: '10.244.2.7' }, { ip: '10.244.1.5', hostname: 'db-0' }],
    },
    { namespace: 'default', name: 'empty', ports: [{ name: 'x', protocol: 'TCP', port: 1 }], endpoints: [] },
    {
      namespace: 'kube-system',
      name: 'kube-dns',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
      endpoints: [{ ip: '10.244.0.2' }],
    },
  ],
  pods: [
    { namespace: 'default', name: 'web-0', ip: '10.244.1.9' },
    { namespace: 'default', name: 'db-0', ip: '10.244.1.5' },
    { namespace: 'default', name: 'db-1', ip: '10.244.2.7' },
    { namespace: 'shop', name: 'api-0', ip: '10.244.2.3' },
  ],
};

/** The record lines of a zone file: no comments, no blank lines. */
export function records(zone: string): string[] {
  return zone.split('\n').filter((l) => l && !l.startsWith(';'));
}
