// LoadBalancer Services and traffic policies in lab files: what loads, and every mistake at
// its line with what to write instead.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { proxyModeRefusal } from '../../../src/labfile/validate/load-balancer.js';
import { problemsOf, summary } from '../../helpers/labfile-fixtures.js';

const LABS = join(import.meta.dirname, '../../../labs');

describe('the load-balancer lab', () => {
  it('loads its two LoadBalancer Services with their policies, ports and health-check port', async () => {
    const { lab } = await loadLab(join(LABS, 'load-balancer', 'lab.yaml'));
    expect(lab.services.map((s) => [s.name, s.type, s.externalTrafficPolicy, s.ports[0]!.nodePort, s.healthCheckNodePort])).toEqual([
      ['service-test-cluster', 'LoadBalancer', undefined, 30500, undefined],
      ['service-test-local', 'LoadBalancer', 'Local', 30600, 30601],
    ]);
    expect(lab.topology.loadBalancerPool).toBeUndefined();
    expect(lab.checks.find((c) => c.name === "the Local load balancer keeps the client's address")?.contains).toBe('client {external}:');
  });

  it('is refused in userspace mode (up --proxy-mode userspace), at the Local Service', async () => {
    const { lab } = await loadLab(join(LABS, 'load-balancer', 'lab.yaml'));
    expect(proxyModeRefusal(lab)).toBeUndefined();
    const refused = proxyModeRefusal({ ...lab, topology: { ...lab.topology, proxyMode: 'userspace' } });
    expect(refused?.message).toMatch(/manifests\.yaml:\d+:1: the userspace proxy cannot do externalTrafficPolicy: Local for Service service-test-local/);
    expect(refused?.hint).toBe('use proxy mode iptables (or nftables), or remove externalTrafficPolicy: Local');
  });
});

describe('LoadBalancer mistakes', () => {
  it('says where an address, a policy, a range or a port is wrong, and what to write', async () => {
    expect(summary(await problemsOf('load-balancer.yaml'))).toEqual([
      [
        '12:23',
        'loadBalancerIP 172.30.5.9 of Service outside is outside topology.loadBalancerPool 172.30.5.240-172.30.5.250',
        'write an address of the pool, e.g. 172.30.5.240, or leave loadBalancerIP out to have one allocated',
      ],
      [
        '19:30',
        'externalTrafficPolicy may only be set for externally-accessible Services, and Service etp-on-clusterip is ClusterIP',
        'write type: NodePort or type: LoadBalancer, or remove externalTrafficPolicy (internalTrafficPolicy is the one for cluster-IP traffic)',
      ],
      [
        '20:7',
        'loadBalancerSourceRanges only applies to type LoadBalancer, and Service etp-on-clusterip is ClusterIP',
        'write type: LoadBalancer, or remove loadBalancerSourceRanges',
      ],
      [
        '28:28',
        'healthCheckNodePort only applies to type LoadBalancer with externalTrafficPolicy: Local, and Service health-on-cluster is LoadBalancer with externalTrafficPolicy Cluster',
        'add externalTrafficPolicy: Local, or remove healthCheckNodePort',
      ],
      ['29:34', 'loadBalancerSourceRanges entry "everyone" is not an IPv4 CIDR', 'write a.b.c.d/n, e.g. 172.30.5.0/24'],
      [
        '39:28',
        'healthCheckNodePort 30700 is already a nodePort of Service twice (test/fixtures/labs/bad/load-balancer.yaml:41:37)',
        'pick a port no Service uses as a nodePort, or leave healthCheckNodePort out to have one allocated',
      ],
      [
        '47:23',
        "loadBalancerIP 172.30.5.241 is already Service twice's (test/fixtures/labs/bad/load-balancer.yaml:38:23)",
        'give each LoadBalancer Service its own address, or leave loadBalancerIP out to have one allocated',
      ],
      [
        '56:59',
        '`contains` names {nobody}, which is not a part of this lab',
        "write {external}, {router} or a node's name in braces ({node1}) to mean its address, or remove the braces",
      ],
    ]);
  });

  it('wants the pool inside a written underlay, above the addresses netlab gives out', async () => {
    expect(summary(await problemsOf('load-balancer-pool.yaml'))).toEqual([
      [
        '3:21',
        'loadBalancerPool must be inside the underlay, and this lab names none (netlab picks one at `up`)',
        "write topology.underlay (e.g. 172.30.5.0/24) with the pool inside it, or remove loadBalancerPool to use the underlay's top addresses",
      ],
    ]);
    expect(summary(await problemsOf('load-balancer-pool-low.yaml'))).toEqual([
      [
        '4:21',
        'loadBalancerPool 172.30.5.5-172.30.5.20 starts at 172.30.5.5, among the addresses netlab gives the gateway, router, external client and nodes (up to 172.30.5.11)',
        'start the pool at 172.30.5.12 or above, e.g. 172.30.5.240-172.30.5.254',
      ],
    ]);
  });

  it('refuses Local traffic policies in userspace mode, each at its line', async () => {
    expect(summary(await problemsOf('load-balancer-userspace.yaml'))).toEqual([
      [
        '10:30',
        "the userspace proxy cannot do externalTrafficPolicy: Local for Service local: it opens its own connection to an endpoint, so the client's address is lost and any node's pod may answer",
        'use proxy mode iptables (or nftables), or remove externalTrafficPolicy: Local',
      ],
      [
        '11:30',
        "the userspace proxy cannot do internalTrafficPolicy: Local for Service local: it opens its own connection to an endpoint, so the client's address is lost and any node's pod may answer",
        'use proxy mode iptables (or nftables), or remove internalTrafficPolicy: Local',
      ],
    ]);
  });
});
