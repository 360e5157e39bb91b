import { describe, expect, it } from 'vitest';
import { assignPodIPs, pickUnderlay } from '../../../src/plan/addresses.js';
import { placePods } from '../../../src/labfile/placement.js';
import { planLab } from '../../../src/plan/plan.js';
import { allContainers } from '../../../src/plan/types.js';
import { images, pod, twoNodeLab } from '../../helpers/plan-fixtures.js';

describe('pickUnderlay', () => {
  it('takes the first /24 that overlaps nothing taken', () => {
    expect(pickUnderlay([])).toBe('10.250.0.0/24');
    expect(pickUnderlay(['10.250.0.0/24', '10.250.1.128/25'])).toBe('10.250.2.0/24');
    expect(pickUnderlay(['10.250.0.0/16'])).toBe('10.251.0.0/24');
    // A host address (cidr of an interface) blocks its whole block too.
    expect(pickUnderlay(['10.250.0.7/16', '10.251.0.0/16'])).toBe('172.29.0.0/24');
  });
});

describe('pod placement and addresses', () => {
  it('keeps nodeName and spreads the rest round-robin in node order', () => {
    const lab = twoNodeLab([pod('s-0'), pod('s-1'), pod('c', { nodeName: 'node1' }), pod('s-2')]);
    const placed = placePods(lab.pods, lab.topology.nodes);
    expect([...placed.values()].map((n) => n.name)).toEqual(['node1', 'node2', 'node1', 'node1']);
    const ips = assignPodIPs(placed, lab.topology.nodes);
    expect([...ips.values()]).toEqual(['10.0.1.2', '10.0.2.2', '10.0.1.3', '10.0.1.4']);
  });

  it('keeps the nodes and addresses of pods that already run; new pods are spread and take the lowest free address', () => {
    const lab = twoNodeLab([pod('s-0'), pod('s-1'), pod('s-2'), pod('c', { nodeName: 'node1' })]);
    const current = new Map([
      ['default/s-0', { node: 'node1', ip: '10.0.1.2', running: true }],
      ['default/c', { node: 'node1', ip: '10.0.1.3', running: true }],
      ['default/s-1', { node: 'node2', ip: '10.0.2.2', running: true }],
    ]);
    // s-2 is new: node2 holds fewer pods.
    const placed = placePods(lab.pods, lab.topology.nodes, current);
    const ips = assignPodIPs(placed, lab.topology.nodes, current);
    expect([...ips.entries()].map(([p, ip]) => `${p.name}=${ip}`)).toEqual(['s-0=10.0.1.2', 's-1=10.0.2.2', 's-2=10.0.2.3', 'c=10.0.1.3']);
    // An address that does not fit its node is not kept.
    const moved = new Map([['default/s-1', { node: 'node2', ip: '10.0.1.9', running: true }]]);
    expect(assignPodIPs(placePods(lab.pods, lab.topology.nodes, moved), lab.topology.nodes, moved).get(lab.pods[1]!)).toBe('10.0.2.2');
  });

  it('refuses a node whose pod CIDR is full', () => {
    const lab = twoNodeLab([pod('a', { nodeName: 'node1' }), pod('b', { nodeName: 'node1' })]);
    lab.topology.nodes[0]!.podCIDR = '10.0.1.0/30';
    expect(() => assignPodIPs(placePods(lab.pods, lab.topology.nodes), lab.topology.nodes)).toThrow(/no address left for pod b/);
  });
});

describe('planLab', () => {
  const lab = twoNodeLab([pod('server-0'), pod('server-1'), pod('client', { nodeName: 'node1' })]);
  const plan = planLab(lab, { images, underlay: '10.250.3.0/24' });

  it('puts nodes, router and external client at fixed underlay addresses', () => {
    expect(plan.network).toMatchObject({ name: 'netlab-t', subnet: '10.250.3.0/24', gateway: '10.250.3.1' });
    expect(plan.nodes.map((n) => [n.name, n.ip, n.bridgeIP])).toEqual([
      ['node1', '10.250.3.11', '10.0.1.1'],
      ['node2', '10.250.3.12', '10.0.2.1'],
    ]);
    expect(plan.router?.ip).toBe('10.250.3.2');
    expect(plan.external?.ip).toBe('10.250.3.3');
  });

  it('makes the router every node gateway and gives it one route per pod CIDR', () => {
    expect(plan.nodes.map((n) => n.routes)).toEqual([[{ dst: 'default', via: '10.250.3.2' }], [{ dst: 'default', via: '10.250.3.2' }]]);
    expect(plan.router?.routes).toEqual([
      { dst: '10.0.1.0/24', via: '10.250.3.11' },
      { dst: '10.0.2.0/24', via: '10.250.3.12' },
    ]);
  });

  it('with direct routing, each node routes the other pod CIDRs to their node', () => {
    const direct = planLab(twoNodeLab([], 'direct'), { images, underlay: '10.250.3.0/24' });
    expect(direct.router).toBeUndefined();
    expect(direct.nodes[0]!.routes).toEqual([{ dst: '10.0.2.0/24', via: '10.250.3.12' }]);
    expect(direct.nodes[1]!.routes).toEqual([{ dst: '10.0.1.0/24', via: '10.250.3.11' }]);
  });

  it('builds pods as a pause sandbox with no network plus containers joined to it', () => {
    const client = plan.pods.find((p) => p.name === 'client')!;
    expect(client).toMatchObject({ node: 'node1', ip: '10.0.1.3' });
    expect(client.pause.name).toBe('t-client');
    expect(client.pause.create.HostConfig?.NetworkMode).toBe('none');
    expect(client.pause.create.Image).toBe(images.pause);
    const app = client.containers[0]!;
    expect(app.name).toBe('t-client-app');
    expect(app.create.HostConfig?.NetworkMode).toBe('container:t-client');
    expect(app.create.Image).toBe(images.app);
    expect(app.create.Env).toEqual(expect.arrayContaining(['POD_NAME=client', 'NODE_NAME=node1', 'POD_IP=10.0.1.3']));
  });

  it('labels everything with the lab and never asks for --privileged', () => {
    for (const c of allContainers(plan)) {
      expect(c.create.Labels?.['netlab.lab']).toBe('t');
      expect(c.create.Labels?.['netlab.spec']).toMatch(/^[0-9a-f]{12}$/);
      expect(c.create.HostConfig?.Privileged).toBeUndefined();
    }
    expect(plan.nodes[0]!.container.create.HostConfig?.CapAdd).toEqual(['NET_ADMIN', 'NET_RAW']);
    expect(plan.toolbox.create.HostConfig).toMatchObject({ PidMode: 'host', NetworkMode: 'none' });
  });

  it('gives each node a kubenet-style CNI config: cbr0 bridge, host-local IPAM on its pod CIDR', () => {
    expect(plan.nodes[1]!.cniConfig).toMatchObject({
      type: 'bridge',
      bridge: 'cbr0',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.0.2.0/24', gateway: '10.0.2.1' }]] },
    });
  });

  it('changes a spec hash only when the spec changes', () => {
    const again = planLab(lab, { images, underlay: '10.250.3.0/24' });
    expect(again.nodes[0]!.container.create.Labels?.['netlab.spec']).toBe(plan.nodes[0]!.container.create.Labels?.['netlab.spec']);
    const other = planLab(lab, { images: { ...images, node: 'netlab/node:new' }, underlay: '10.250.3.0/24' });
    expect(other.nodes[0]!.container.create.Labels?.['netlab.spec']).not.toBe(plan.nodes[0]!.container.create.Labels?.['netlab.spec']);
  });

  it('refuses two parts that would get the same container name', () => {
    const clash = twoNodeLab([pod('web'), { ...pod('web-app'), containers: [] }]);
    clash.pods[1]!.containers = [];
    expect(() => planLab(clash, { images, underlay: '10.250.3.0/24' })).toThrow(/both be named t-web-app/);
  });
});
