import { describe, expect, it } from 'vitest';
import { clusterZone, dashedIp, reverseName, reverseZone } from '../../../../src/plan/dns/zone.js';
import { fixture, records } from '../../../helpers/dns-fixture.js';

describe('clusterZone', () => {
  const zone = clusterZone(fixture);

  it('writes exactly the records of the Kubernetes DNS specification, SOA last', () => {
    expect(records(zone)).toEqual([
      'cluster.local. 5 IN NS ns.dns.cluster.local.',
      'ns.dns.cluster.local. 5 IN A 10.96.0.10',
      'dns-version.cluster.local. 5 IN TXT "1.1.0"',
      // default/db: headless, one A per ready endpoint, a name per endpoint, one SRV per endpoint
      'db.default.svc.cluster.local. 5 IN A 10.244.1.5',
      'db.default.svc.cluster.local. 5 IN A 10.244.2.7',
      'db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5',
      '10-244-2-7.db.default.svc.cluster.local. 5 IN A 10.244.2.7',
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 100 5432 db-0.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 100 5432 10-244-2-7.db.default.svc.cluster.local.',
      // default/empty: headless without ready endpoints: nothing
      // default/web: the cluster IP, SRV for the named port only
      'web.default.svc.cluster.local. 5 IN A 10.96.0.20',
      '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.',
      'kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10',
      '_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.',
      '_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.',
      'api.shop.svc.cluster.local. 5 IN A 10.96.0.30',
      '_dns._udp.api.shop.svc.cluster.local. 5 IN SRV 0 100 53 api.shop.svc.cluster.local.',
      // pods, by namespace then address
      '10-244-1-5.default.pod.cluster.local. 5 IN A 10.244.1.5',
      '10-244-1-9.default.pod.cluster.local. 5 IN A 10.244.1.9',
      '10-244-2-7.default.pod.cluster.local. 5 IN A 10.244.2.7',
      '10-244-2-3.shop.pod.cluster.local. 5 IN A 10.244.2.3',
      'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5',
    ]);
  });

  it('says in comments what each service is, and why an empty headless service has no name', () => {
    expect(zone).toContain('; default/empty: headless, no ready endpoint: no record (NXDOMAIN)');
    expect(zone).toContain('; default/web: cluster IP 10.96.0.20');
    expect(zone).toContain('; default/db: headless, 2 ready endpoints');
    expect(zone).not.toMatch(/^empty\./m);
    expect(zone.endsWith('\n')).toBe(true);
  });

  it('is the same text for the same input, whatever the order given', () => {
    const shuffled = { ...fixture, services: [...fixture.services].reverse(), pods: [...fixture.pods].reverse() };
    expect(clusterZone(shuffled)).toBe(zone);
  });

  it('carries the serial, and the domain it is given', () => {
    const other = clusterZone({ ...fixture, domain: 'lab.example.', serial: 4294967295, dnsIP: undefined });
    expect(records(other).at(-1)).toBe('lab.example. 5 IN SOA ns.dns.lab.example. hostmaster.lab.example. 4294967295 7200 1800 86400 5');
    expect(other).toContain('web.default.svc.lab.example. 5 IN A 10.96.0.20');
    expect(other).not.toContain('ns.dns.lab.example. 5 IN A');
  });

  it('writes each record once when two endpoints share an address', () => {
    const dup = clusterZone({
      ...fixture,
      services: [{ namespace: 'a', name: 'h', ports: [], endpoints: [{ ip: '10.0.0.1' }, { ip: '10.0.0.1' }] }],
      pods: [],
    });
    expect(records(dup).filter((l) => l.startsWith('h.a.svc'))).toEqual(['h.a.svc.cluster.local. 5 IN A 10.0.0.1']);
  });

  it('refuses what would make CoreDNS reject the whole file', () => {
    expect(() => clusterZone({ ...fixture, serial: -1 })).toThrow(/serial/);
    expect(() => clusterZone({ ...fixture, serial: 2 ** 32 })).toThrow(/serial/);
    expect(() => clusterZone({ ...fixture, serial: 1.5 })).toThrow(/serial/);
    expect(() => clusterZone({ ...fixture, services: [{ namespace: 'default', name: 'Bad_Name', ports: [], endpoints: [] }] })).toThrow(/not a DNS label/);
    expect(() => clusterZone({ ...fixture, pods: [{ namespace: 'default', name: 'p', ip: '10.0.0.256' }] })).toThrow(/IPv4/);
  });
});

describe('reverseZone', () => {
  it('has one PTR per address: cluster IPs name services, endpoints with a hostname themselves, pods their pod name', () => {
    expect(records(reverseZone(fixture))).toEqual([
      'in-addr.arpa. 5 IN NS ns.dns.cluster.local.',
      '10.0.96.10.in-addr.arpa. 5 IN PTR kube-dns.kube-system.svc.cluster.local.',
      '20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.',
      '30.0.96.10.in-addr.arpa. 5 IN PTR api.shop.svc.cluster.local.',
      '5.1.244.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local.',
      '9.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-9.default.pod.cluster.local.',
      '3.2.244.10.in-addr.arpa. 5 IN PTR 10-244-2-3.shop.pod.cluster.local.',
      '7.2.244.10.in-addr.arpa. 5 IN PTR 10-244-2-7.default.pod.cluster.local.',
      'in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5',
    ]);
  });
});

describe('names', () => {
  it('dashes and reverses addresses', () => {
    expect(dashedIp('10.244.1.5')).toBe('10-244-1-5');
    expect(reverseName('10.96.0.10')).toBe('10.0.96.10.in-addr.arpa.');
  });
});
