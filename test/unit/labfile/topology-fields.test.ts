// The cluster's blocks and modes in topology: serviceCIDR, clusterCIDR, proxyMode, dns, publish.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { BAD, GOOD, problemsOf, shown, summary } from '../../helpers/labfile-fixtures.js';

describe('topology: serviceCIDR, clusterCIDR, proxyMode, dns, publish', () => {
  it('defaults them: 10.96.0.0/12, 10.0.0.0/16, iptables, no DNS without a Service, nothing published', async () => {
    const { lab, warnings } = await loadLab(join(GOOD, 'minimal', 'lab.yaml'));
    expect(lab.topology).toMatchObject({ serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.0.0.0/16', proxyMode: 'iptables', dns: false, publish: false });
    expect(lab.services).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('warns when publish has nothing to publish; dns may be on without a Service', async () => {
    const { lab, warnings } = await loadLab(join(GOOD, 'publish-nothing', 'lab.yaml'));
    expect(lab.topology).toMatchObject({ dns: true, publish: true });
    expect(summary(warnings)).toEqual([
      ['3:12', 'topology.publish is true, but no Service has type NodePort: nothing is published', 'add a Service with type: NodePort, or remove publish'],
    ]);
  });

  it('checks each value: strict CIDRs, no IPVS on this kernel, booleans', async () => {
    expect(summary(await problemsOf('topology-fields.yaml'))).toEqual([
      ['3:16', 'serviceCIDR 10.96.0.1/12 has host bits set', 'did you mean 10.96.0.0/12?'],
      ['4:16', 'clusterCIDR "10.0.0.0" is not an IPv4 CIDR', 'add the prefix length, e.g. 10.0.0.0/24'],
      [
        '5:14',
        "this machine's kernel has no IPVS (ip_vs); use iptables or nftables",
        'write proxyMode: nftables (one map lookup per packet, as IPVS does) or proxyMode: iptables (the default)',
      ],
      ['6:8', '`topology.dns` must be true or false, not the text "yes"', 'write `dns: true` or `dns: false`'],
      ['7:12', '`topology.publish` must be true or false, not the number 1', 'write `publish: true` or `publish: false`'],
    ]);
  });

  it('keeps a written serviceCIDR apart from clusterCIDR, the underlay and every pod CIDR (one error, at serviceCIDR)', async () => {
    const file = shown(join(BAD, 'service-cidr.yaml'));
    expect(summary(await problemsOf('service-cidr.yaml'))).toEqual([
      [
        '4:16',
        `serviceCIDR 10.0.0.0/12 overlaps clusterCIDR 10.0.0.0/16 (the default), the underlay 10.8.0.0/24 (${file}:3:13), pod CIDR 10.0.1.0/24 (the default) of node node1 and pod CIDR 10.0.20.0/24 of node node2 (${file}:8:16)`,
        'cluster IPs must not mix with pod or node addresses: pick a free block, e.g. serviceCIDR: 10.16.0.0/12',
      ],
    ]);
  });

  it('points at what was written when it overlaps the default serviceCIDR', async () => {
    expect(summary(await problemsOf('service-cidr-default.yaml'))).toEqual([
      [
        '3:13',
        'the underlay 10.96.5.0/24 overlaps the service CIDR 10.96.0.0/12 (the default serviceCIDR)',
        'set topology.serviceCIDR to a block that overlaps nothing, e.g. serviceCIDR: 172.16.0.0/16, or move this block',
      ],
      [
        '4:16',
        'clusterCIDR 10.0.0.0/8 overlaps the service CIDR 10.96.0.0/12 (the default serviceCIDR)',
        'set topology.serviceCIDR to a block that overlaps nothing, e.g. serviceCIDR: 172.16.0.0/16, or move this block',
      ],
    ]);
  });

  it('needs every pod CIDR inside clusterCIDR: at the podCIDR, or at clusterCIDR for a default pod CIDR; hint: widen it', async () => {
    const file = shown(join(BAD, 'cluster-cidr.yaml'));
    expect(summary(await problemsOf('cluster-cidr.yaml'))).toEqual([
      [
        '3:16',
        'pod CIDR 10.0.3.0/24 (the default) of node node3 is outside clusterCIDR 10.0.0.0/23',
        'widen clusterCIDR to hold every pod CIDR, e.g. clusterCIDR: 10.0.0.0/22',
      ],
      [
        '7:16',
        `pod CIDR 10.0.2.0/24 of node node2 is outside clusterCIDR 10.0.0.0/23 (${file}:3:16)`,
        'widen clusterCIDR to hold every pod CIDR, e.g. clusterCIDR: 10.0.0.0/22',
      ],
    ]);
  });

  it('says which clusterCIDR to write when pod CIDRs leave the default one', async () => {
    expect(summary(await problemsOf('cluster-cidr-default.yaml'))).toEqual([
      [
        '5:16',
        'pod CIDR 192.168.1.0/24 of node node1 is outside clusterCIDR 10.0.0.0/16 (the default)',
        'widen clusterCIDR to hold every pod CIDR: add `clusterCIDR: 192.168.0.0/22` under topology',
      ],
      [
        '7:16',
        'pod CIDR 192.168.2.0/24 of node node2 is outside clusterCIDR 10.0.0.0/16 (the default)',
        'widen clusterCIDR to hold every pod CIDR: add `clusterCIDR: 192.168.0.0/22` under topology',
      ],
    ]);
  });
});
