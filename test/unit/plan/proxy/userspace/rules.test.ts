// kube-proxy's userspace mode: netlab-proxy's config (proxy ports from 10400, stable
// across syncs) and the old proxier's nat rules and jumps.
import { describe, expect, it } from 'vitest';
import { proxyPortKey, userspaceConfig, userspaceJumps } from '../../../../../src/plan/proxy/userspace/rules.js';
import type { ProxyInput } from '../../../../../src/plan/proxy/types.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

describe('userspaceConfig', () => {
  it('gives every service port a proxy port from 10400 up, in ServicePortName order', () => {
    const { config } = userspaceConfig(fixture);
    expect(config).toEqual({
      node: 'node1',
      nodeIP: '10.250.0.11',
      services: [
        { serviceport: 'default/empty:http', protocol: 'TCP', clusterIP: '10.96.0.51', port: 80, nodePort: 30600, proxyPort: 10400, endpoints: [] },
        {
          serviceport: 'default/hello',
          protocol: 'TCP',
          clusterIP: '10.96.0.60',
          port: 80,
          nodePort: 30500,
          proxyPort: 10401,
          endpoints: ['10.0.1.3:8080', '10.0.1.4:8080', '10.0.2.3:8080'],
        },
        {
          serviceport: 'default/web:http',
          protocol: 'TCP',
          clusterIP: '10.96.0.50',
          port: 80,
          proxyPort: 10402,
          endpoints: ['10.0.1.2:8080', '10.0.2.2:8080'],
        },
        {
          serviceport: 'shop/cart:http',
          protocol: 'TCP',
          clusterIP: '10.96.0.70',
          port: 8080,
          proxyPort: 10403,
          endpoints: ['10.0.1.5:8080', '10.0.2.5:8080'],
          affinitySeconds: 10800,
        },
      ],
    });
    // The order of the input does not matter.
    expect(userspaceConfig({ ...fixture, services: [...fixture.services].reverse() }).config).toEqual(config);
  });

  it('keeps the ports of service ports that still exist when given the previous allocation', () => {
    const first = userspaceConfig(fixture).config;
    const previous = Object.fromEntries(first.services.map((s) => [`${s.serviceport}/${s.protocol}`, s.proxyPort]));
    // A service that sorts first arrives, one leaves.
    const next: ProxyInput = {
      ...fixture,
      services: [
        {
          namespace: 'aaa',
          service: 'first',
          portName: '',
          protocol: 'UDP',
          clusterIP: '10.96.0.9',
          port: 53,
          endpoints: [{ ip: '10.0.1.9', port: 53, node: 'node1' }],
        },
        ...fixture.services.filter((s) => s.service !== 'hello'),
      ],
    };
    const ports = Object.fromEntries(userspaceConfig(next, 10400, previous).config.services.map((s) => [s.serviceport, s.proxyPort]));
    expect(ports).toEqual({ 'aaa/first': 10401, 'default/empty:http': 10400, 'default/web:http': 10402, 'shop/cart:http': 10403 });
    // Without it, ports follow the order alone.
    expect(userspaceConfig(next).config.services.map((s) => s.proxyPort)).toEqual([10400, 10401, 10402, 10403]);
    expect(proxyPortKey(fixture.services[1]!)).toBe('default/hello/TCP');
  });

  it('starts at another base port when asked', () => {
    expect(userspaceConfig(fixture, 20000).config.services.map((s) => s.proxyPort)).toEqual([20000, 20001, 20002, 20003]);
  });

  it("writes the old proxier's portal rules: REDIRECT from containers, DNAT to the node IP from the node", () => {
    const { iptablesRestore } = userspaceConfig(fixture);
    expect(iptablesRestore.split('\n')).toEqual([
      '*filter',
      ':KUBE-NODEPORT-NON-LOCAL - [0:0]',
      '-A KUBE-NODEPORT-NON-LOCAL -m comment --comment default/empty:http -p tcp -m tcp --dport 10400 -m state --state NEW -j ACCEPT',
      '-A KUBE-NODEPORT-NON-LOCAL -m comment --comment default/hello -p tcp -m tcp --dport 10401 -m state --state NEW -j ACCEPT',
      'COMMIT',
      '*nat',
      ':KUBE-PORTALS-CONTAINER - [0:0]',
      ':KUBE-PORTALS-HOST - [0:0]',
      ':KUBE-NODEPORT-CONTAINER - [0:0]',
      ':KUBE-NODEPORT-HOST - [0:0]',
      '-A KUBE-PORTALS-CONTAINER -m comment --comment default/empty:http -p tcp -m tcp --dport 80 -d 10.96.0.51/32 -j REDIRECT --to-ports 10400',
      '-A KUBE-PORTALS-HOST -m comment --comment default/empty:http -p tcp -m tcp --dport 80 -d 10.96.0.51/32 -j DNAT --to-destination 10.250.0.11:10400',
      '-A KUBE-NODEPORT-CONTAINER -m comment --comment default/empty:http -p tcp -m tcp --dport 30600 -j REDIRECT --to-ports 10400',
      '-A KUBE-NODEPORT-HOST -m comment --comment default/empty:http -p tcp -m tcp --dport 30600 -j DNAT --to-destination 10.250.0.11:10400',
      '-A KUBE-PORTALS-CONTAINER -m comment --comment default/hello -p tcp -m tcp --dport 80 -d 10.96.0.60/32 -j REDIRECT --to-ports 10401',
      '-A KUBE-PORTALS-HOST -m comment --comment default/hello -p tcp -m tcp --dport 80 -d 10.96.0.60/32 -j DNAT --to-destination 10.250.0.11:10401',
      '-A KUBE-NODEPORT-CONTAINER -m comment --comment default/hello -p tcp -m tcp --dport 30500 -j REDIRECT --to-ports 10401',
      '-A KUBE-NODEPORT-HOST -m comment --comment default/hello -p tcp -m tcp --dport 30500 -j DNAT --to-destination 10.250.0.11:10401',
      '-A KUBE-PORTALS-CONTAINER -m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 10.96.0.50/32 -j REDIRECT --to-ports 10402',
      '-A KUBE-PORTALS-HOST -m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 10.96.0.50/32 -j DNAT --to-destination 10.250.0.11:10402',
      '-A KUBE-PORTALS-CONTAINER -m comment --comment shop/cart:http -p tcp -m tcp --dport 8080 -d 10.96.0.70/32 -j REDIRECT --to-ports 10403',
      '-A KUBE-PORTALS-HOST -m comment --comment shop/cart:http -p tcp -m tcp --dport 8080 -d 10.96.0.70/32 -j DNAT --to-destination 10.250.0.11:10403',
      'COMMIT',
      '',
    ]);
  });

  it('writes UDP portals with udp matches', () => {
    const udp: ProxyInput = {
      ...fixture,
      services: [
        {
          namespace: 'kube-system',
          service: 'kube-dns',
          portName: 'dns',
          protocol: 'UDP',
          clusterIP: '10.96.0.10',
          port: 53,
          endpoints: [{ ip: '10.0.1.9', port: 53, node: 'node1' }],
        },
      ],
    };
    expect(userspaceConfig(udp).iptablesRestore).toContain(
      '-A KUBE-PORTALS-CONTAINER -m comment --comment kube-system/kube-dns:dns -p udp -m udp --dport 53 -d 10.96.0.10/32 -j REDIRECT --to-ports 10400',
    );
  });

  it("ensures the jumps as the old proxier's iptablesInit: portals first, NodePorts last", () => {
    const jumps = userspaceJumps();
    expect(userspaceConfig(fixture).jumps).toEqual(jumps);
    const portals = '-m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules"';
    const nodePorts = '-m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain"';
    expect(jumps).toEqual([
      { table: 'nat', chain: 'PREROUTING', position: '-I', rule: `${portals} -j KUBE-PORTALS-CONTAINER`, target: 'KUBE-PORTALS-CONTAINER' },
      { table: 'nat', chain: 'OUTPUT', position: '-I', rule: `${portals} -j KUBE-PORTALS-HOST`, target: 'KUBE-PORTALS-HOST' },
      { table: 'nat', chain: 'PREROUTING', position: '-A', rule: `${nodePorts} -j KUBE-NODEPORT-CONTAINER`, target: 'KUBE-NODEPORT-CONTAINER' },
      { table: 'nat', chain: 'OUTPUT', position: '-A', rule: `${nodePorts} -j KUBE-NODEPORT-HOST`, target: 'KUBE-NODEPORT-HOST' },
      {
        table: 'filter',
        chain: 'INPUT',
        position: '-I',
        rule: '-m comment --comment "Ensure that non-local NodePort traffic can flow" -j KUBE-NODEPORT-NON-LOCAL',
        target: 'KUBE-NODEPORT-NON-LOCAL',
      },
    ]);
  });
});
