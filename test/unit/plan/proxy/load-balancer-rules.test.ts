// LoadBalancer Services and Local traffic policies in the iptables and nftables generators,
// against the lines upstream's proxier tests expect (pkg/proxy/iptables and pkg/proxy/nftables
// proxier_test.go, TestOverall*Rules: ns2/svc2 a Local LoadBalancer whose one endpoint is on
// another node, ns5/svc5 a Cluster LoadBalancer with loadBalancerSourceRanges; copied by hand),
// plus Local with endpoints on this node (KUBE-SVL / local- chains) and internalTrafficPolicy Local.
import { describe, expect, it } from 'vitest';
import { iptablesRestore } from '../../../../src/plan/proxy/iptables/rules.js';
import { nftablesScript } from '../../../../src/plan/proxy/nftables/rules.js';
import { userspaceConfig } from '../../../../src/plan/proxy/userspace/rules.js';
import type { ProxyInput, ServicePortState } from '../../../../src/plan/proxy/types.js';

const NODE = 'node1';

/** Upstream's svc2: LoadBalancer, externalTrafficPolicy Local, its endpoint not on this node. */
const svc2: ServicePortState = {
  namespace: 'ns2',
  service: 'svc2',
  portName: 'p80',
  protocol: 'TCP',
  clusterIP: '172.30.0.42',
  port: 80,
  nodePort: 3001,
  loadBalancerIPs: ['1.2.3.4'],
  externalPolicyLocal: true,
  healthCheckNodePort: 30000,
  endpoints: [{ ip: '10.180.0.2', port: 80, node: 'elsewhere' }],
};

/** Upstream's svc5: LoadBalancer, Cluster, source ranges. */
const svc5: ServicePortState = {
  namespace: 'ns5',
  service: 'svc5',
  portName: 'p80',
  protocol: 'TCP',
  clusterIP: '172.30.0.45',
  port: 80,
  nodePort: 3002,
  loadBalancerIPs: ['5.6.7.8'],
  loadBalancerSourceRanges: ['203.0.113.0/25'],
  endpoints: [{ ip: '10.180.0.3', port: 80, node: 'elsewhere' }],
};

/** internalTrafficPolicy Local, with one endpoint on this node and one on node2. */
const internal: ServicePortState = {
  namespace: 'ns1',
  service: 'svc1',
  portName: 'p80',
  protocol: 'TCP',
  clusterIP: '172.30.0.41',
  port: 80,
  internalPolicyLocal: true,
  endpoints: [
    { ip: '10.180.0.1', port: 80, node: NODE },
    { ip: '10.180.2.1', port: 80, node: 'node2' },
  ],
};

const input = (...services: ServicePortState[]): ProxyInput => ({ node: NODE, nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', services });
const lines = (text: string) => text.split('\n');

function expectAll(text: string, expected: string[]): void {
  const got = lines(text);
  for (const line of expected) expect(got, line).toContain(line);
}

describe('iptables: LoadBalancer and Local, as upstream writes them', () => {
  it('captures a Local load-balancer IP into KUBE-EXT, drops it (and its nodePort) with no local endpoint, accepts the health-check port', () => {
    const text = iptablesRestore(input(svc2));
    expectAll(text, [
      '-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
      ':KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]',
      ':KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]',
      ':KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]',
      '-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
    ]);
    // No local endpoint: no KUBE-SVL, and the EXT chain does not fall through to it.
    expect(text).not.toContain('KUBE-SVL-');
    expect(text).not.toContain('-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -j ');
  });

  it('sends a load-balancer IP with source ranges through KUBE-FW, and drops the rest in KUBE-PROXY-FIREWALL', () => {
    const text = iptablesRestore(input(svc5));
    expectAll(text, [
      '-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
      ':KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]',
      ':KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]',
      '-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
    ]);
    // The node's own requests come back from the address when the ranges hold the node.
    const fromNode = iptablesRestore({ ...input(svc5), nodeIP: '203.0.113.9' });
    expect(lines(fromNode)).toContain(
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 5.6.7.8 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
    );
  });

  it('gives a Local service with an endpoint here a KUBE-SVL chain of the local endpoints only, which KUBE-EXT falls through to', () => {
    const local: ServicePortState = {
      ...svc2,
      endpoints: [
        { ip: '10.180.0.2', port: 80, node: 'elsewhere' },
        { ip: '10.180.0.9', port: 80, node: NODE },
      ],
    };
    const text = iptablesRestore(input(local));
    const svl = lines(text).filter((l) => l.startsWith('-A KUBE-SVL-GNZBNJ2PO5MGZ6GT'));
    expect(svl).toEqual([
      expect.stringMatching(/^-A KUBE-SVL-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2\/svc2:p80 -> 10\.180\.0\.9:80" -j KUBE-SEP-[A-Z2-7]{16}$/),
    ]);
    expectAll(text, [':KUBE-SVL-GNZBNJ2PO5MGZ6GT - [0:0]', '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -j KUBE-SVL-GNZBNJ2PO5MGZ6GT']);
    // The cluster chain still has both (pods and the node itself short-circuit to it), and nothing is dropped.
    expect(lines(text).filter((l) => l.startsWith('-A KUBE-SVC-GNZBNJ2PO5MGZ6GT') && l.includes(' -> '))).toHaveLength(2);
    expect(text).not.toContain('has no local endpoints');
  });

  it('sends cluster-IP traffic of internalTrafficPolicy Local to KUBE-SVL only, and drops it on a node without endpoints', () => {
    const text = iptablesRestore(input(internal));
    expectAll(text, [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVL-XPGD46QRK7WJZT7O',
      '-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
    ]);
    // Only the local endpoint has a chain; no KUBE-SVC at all.
    expect(text).not.toContain('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(text).not.toContain('10.180.2.1');
    const away = iptablesRestore({ ...input(internal), node: 'node3' });
    expect(lines(away)).toContain(
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP',
    );
    expect(away).not.toContain('KUBE-SVL-');
  });
});

describe('nftables: LoadBalancer and Local, as upstream writes them', () => {
  it('maps a Local load-balancer IP to the external chain with its short-circuits, and drops it with no local endpoint', () => {
    const text = nftablesScript(input(svc2));
    expectAll(text, [
      'add chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80',
      'add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 ip saddr != 10.0.0.0/8 jump mark-for-masquerade',
      'add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }',
      'add chain ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80',
      'add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"',
      'add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
      'add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"',
      'add chain ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80',
      'add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade',
      'add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80',
      'add element ip kube-proxy cluster-ips { 172.30.0.42 }',
      'add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }',
      'add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }',
      'add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }',
      'add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }',
      'add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }',
    ]);
    expect(text).not.toContain('local-42NFTM6N');
    expect(text).not.toContain('add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 goto');
  });

  it('puts a load-balancer IP with source ranges in firewall-ips, whose chain drops other sources', () => {
    const text = nftablesScript(input({ ...svc5, affinitySeconds: 10800 }));
    expectAll(text, [
      'add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
      'add chain ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80',
      'add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 ip saddr != 10.0.0.0/8 jump mark-for-masquerade',
      'add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
      'add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }',
      'add chain ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80',
      'add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade',
      'add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80',
      'add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }',
      'add chain ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80',
      'add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop',
      'add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }',
      'add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }',
      'add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }',
    ]);
  });

  it('gives a Local service with an endpoint here a local- chain, which the external chain falls through to', () => {
    const text = nftablesScript(input({ ...svc2, endpoints: [...svc2.endpoints, { ip: '10.180.0.9', port: 80, node: NODE }] }));
    expectAll(text, [
      'add chain ip kube-proxy local-42NFTM6N-ns2/svc2/tcp/p80',
      'add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 goto local-42NFTM6N-ns2/svc2/tcp/p80',
    ]);
    const local = lines(text).filter((l) => l.startsWith('add rule ip kube-proxy local-42NFTM6N-ns2/svc2/tcp/p80 '));
    expect(local).toEqual([expect.stringMatching(/numgen random mod 1 vmap \{ 0 : goto endpoint-[A-Z2-7]{8}-ns2\/svc2\/tcp\/p80__10\.180\.0\.9\/80 \}$/)]);
    expect(text).not.toContain(': drop }');
  });

  it('maps the cluster IP of internalTrafficPolicy Local to the local- chain, and drops it on a node without endpoints', () => {
    const text = nftablesScript(input(internal));
    expectAll(text, [
      'add rule ip kube-proxy local-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade',
      'add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto local-ULMVA6XW-ns1/svc1/tcp/p80 }',
    ]);
    expect(text).not.toContain('service-ULMVA6XW');
    expect(text).not.toContain('10.180.2.1');
    expect(lines(nftablesScript({ ...input(internal), node: 'node3' }))).toContain(
      'add element ip kube-proxy no-endpoint-services { 172.30.0.41 . tcp . 80 comment "ns1/svc1:p80" : drop }',
    );
  });
});

describe('userspace: the old proxier opened its portals on load-balancer IPs too', () => {
  it('redirects the load-balancer IP:port to the proxy port, as it does the cluster IP', () => {
    const { iptablesRestore: rules, config } = userspaceConfig(input(svc5));
    const port = config.services[0]!.proxyPort;
    expect(lines(rules)).toEqual(
      expect.arrayContaining([
        `-A KUBE-PORTALS-CONTAINER -m comment --comment ns5/svc5:p80 -p tcp -m tcp --dport 80 -d 172.30.0.45/32 -j REDIRECT --to-ports ${port}`,
        `-A KUBE-PORTALS-CONTAINER -m comment --comment ns5/svc5:p80 -p tcp -m tcp --dport 80 -d 5.6.7.8/32 -j REDIRECT --to-ports ${port}`,
        `-A KUBE-PORTALS-HOST -m comment --comment ns5/svc5:p80 -p tcp -m tcp --dport 80 -d 5.6.7.8/32 -j DNAT --to-destination 192.168.0.2:${port}`,
        `-A KUBE-NODEPORT-CONTAINER -m comment --comment ns5/svc5:p80 -p tcp -m tcp --dport 3002 -j REDIRECT --to-ports ${port}`,
      ]),
    );
  });
});
