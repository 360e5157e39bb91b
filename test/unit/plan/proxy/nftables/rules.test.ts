// kube-proxy's nftables mode as an `nft -f` script: chain-name hashes, the key lines for
// a small lab, upstream's own expected lines (pkg/proxy/nftables/proxier_test.go,
// TestOverallNFTablesRules), ordering (nothing named before it exists) and generation time.
import { describe, expect, it } from 'vitest';
import { hashAndTruncate, nftablesScript, servicePortChainNameBase, servicePortEndpointChainNameBase } from '../../../../../src/plan/proxy/nftables/rules.js';
import type { ProxyInput, ServicePortState } from '../../../../../src/plan/proxy/types.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const lines = (text: string) => text.split('\n');

describe('nftables chain names', () => {
  it('are 8 base32 characters of sha256(name), then ns/svc/proto/port[__ip/port]', () => {
    const svc1 = { namespace: 'ns1', service: 'svc1', portName: 'p80', protocol: 'TCP' as const };
    expect(servicePortChainNameBase(svc1)).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(servicePortEndpointChainNameBase(svc1, { ip: '10.180.0.1', port: 80 })).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    const svc5 = { namespace: 'ns5', service: 'svc5', portName: 'p80', protocol: 'TCP' as const };
    expect(servicePortChainNameBase(svc5)).toBe('HVFWP5L3-ns5/svc5/tcp/p80');
    expect(servicePortEndpointChainNameBase(svc5, { ip: '10.180.0.3', port: 80 })).toBe('GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
  });

  it('are cut to 240 characters with "..." (never for real names, which are shorter)', () => {
    const long = hashAndTruncate('x'.repeat(300));
    expect(long).toHaveLength(240);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('nftablesScript', () => {
  const script = nftablesScript(fixture);
  const out = lines(script);

  it('replaces the private table in one transaction: add, delete, then the whole table', () => {
    expect(out.slice(0, 3)).toEqual(['add table ip kube-proxy', 'delete table ip kube-proxy', 'add table ip kube-proxy { comment "rules for kube-proxy" ; }']);
    expect(out.filter((l) => l.startsWith('delete '))).toHaveLength(1);
  });

  it('hooks base chains into filter and nat as kube-proxy does', () => {
    for (const line of [
      'add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }',
      'add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }',
      'add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }',
      'add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }',
      'add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }',
      'add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }',
      'add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }',
      'add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }',
      'add rule ip kube-proxy nat-prerouting jump services',
      'add rule ip kube-proxy nat-output jump services',
      'add rule ip kube-proxy nat-postrouting jump masquerading',
      'add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check',
    ]) {
      expect(out, line).toContain(line);
    }
  });

  it('dispatches through verdict maps keyed by address . protocol . port', () => {
    expect(out).toContain(
      'add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }',
    );
    expect(out).toContain('add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips');
    expect(out).toContain('add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
    expect(out).toContain('add element ip kube-proxy nodeport-ips { 10.250.0.11 }');
    expect(out).toContain('add element ip kube-proxy service-ips { 10.96.0.50 . tcp . 80 : goto service-SUSTUHLJ-default/web/tcp/http }');
    expect(out).toContain('add element ip kube-proxy service-nodeports { tcp . 30500 : goto external-VWC6Q5KY-default/hello/tcp/ }');
  });

  it('picks an endpoint with numgen random mod N and DNATs in its endpoint chain', () => {
    expect(out).toContain(
      'add rule ip kube-proxy service-SUSTUHLJ-default/web/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-JNFACM46-default/web/tcp/http__10.0.1.2/8080 , 1 : goto endpoint-RVWZWL2Y-default/web/tcp/http__10.0.2.2/8080 }',
    );
    expect(out).toContain('add rule ip kube-proxy service-SUSTUHLJ-default/web/tcp/http ip daddr 10.96.0.50 ip saddr != 10.0.0.0/16 jump mark-for-masquerade');
    expect(out).toContain('add rule ip kube-proxy endpoint-JNFACM46-default/web/tcp/http__10.0.1.2/8080 ip saddr 10.0.1.2 jump mark-for-masquerade');
    expect(out).toContain('add rule ip kube-proxy endpoint-JNFACM46-default/web/tcp/http__10.0.1.2/8080 meta l4proto tcp dnat to 10.0.1.2:8080');
    expect(out.find((l) => l.includes('service-VWC6Q5KY-default/hello/tcp/ numgen'))).toMatch(
      /numgen random mod 3 vmap \{ 0 : .* , 1 : .* , 2 : goto endpoint-5ZY5O2GQ-default\/hello\/tcp\/__10\.0\.2\.3\/8080 \}$/,
    );
    expect(out).toContain('add rule ip kube-proxy external-VWC6Q5KY-default/hello/tcp/ jump mark-for-masquerade');
    expect(out).toContain('add rule ip kube-proxy external-VWC6Q5KY-default/hello/tcp/ goto service-VWC6Q5KY-default/hello/tcp/');
  });

  it('marks and masquerades with the 0x4000 bit', () => {
    expect(out).toContain('add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000');
    expect(out).toContain('add rule ip kube-proxy masquerading mark and 0x4000 == 0 return');
    expect(out).toContain('add rule ip kube-proxy masquerading mark set mark xor 0x4000');
    expect(out).toContain('add rule ip kube-proxy masquerading masquerade fully-random');
  });

  it('rejects services without endpoints through the no-endpoint maps', () => {
    expect(out).toContain('add element ip kube-proxy no-endpoint-services { 10.96.0.51 . tcp . 80 comment "default/empty:http" : goto reject-chain }');
    expect(out).toContain('add element ip kube-proxy no-endpoint-nodeports { tcp . 30600 comment "default/empty:http" : goto reject-chain }');
    expect(out).toContain('add rule ip kube-proxy reject-chain reject');
    expect(out).toContain('add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
    expect(out.some((l) => l.includes('default/empty/'))).toBe(false);
  });

  it('keeps ClientIP affinity in per-endpoint sets with the timeout', () => {
    const ep = 'endpoint-3J5CXABS-shop/cart/tcp/http__10.0.1.5/8080';
    const set = 'affinity-3J5CXABS-shop/cart/tcp/http__10.0.1.5/8080';
    expect(out).toContain(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }`);
    expect(out).toContain(`add rule ip kube-proxy service-242WI43H-shop/cart/tcp/http ip saddr @${set} goto ${ep}`);
    expect(out).toContain(`add rule ip kube-proxy ${ep} update @${set} { ip saddr }`);
    // The affinity checks come before the random choice.
    const svcRules = out.filter((l) => l.startsWith('add rule ip kube-proxy service-242WI43H-'));
    expect(svcRules.at(-1)).toContain('numgen random mod 2');
    expect(svcRules.filter((l) => l.includes('ip saddr @affinity-'))).toHaveLength(2);
  });

  it('adds every chain, set and map before a rule or element names it', () => {
    const defined = new Set<string>();
    for (const l of out) {
      const def = /^add (chain|set|map) ip kube-proxy (\S+)/.exec(l);
      if (def) {
        defined.add(def[2]!);
        continue;
      }
      if (!l.startsWith('add rule ') && !l.startsWith('add element ')) continue;
      const [, , , , owner] = l.split(' ');
      expect(defined, l).toContain(owner);
      for (const m of l.matchAll(/(?:goto|jump) (\S+)/g)) expect(defined, l).toContain(m[1]);
      for (const m of l.matchAll(/@(\S+)/g)) expect(defined, l).toContain(m[1]);
    }
  });

  it("matches the lines of upstream's TestOverallNFTablesRules for the same services", () => {
    const sp = (name: string, svc: Partial<ServicePortState>): ServicePortState => ({
      namespace: name.split('/')[0]!,
      service: name.split('/')[1]!,
      portName: 'p80',
      protocol: 'TCP',
      clusterIP: '',
      port: 80,
      endpoints: [],
      ...svc,
    });
    const ep = (ip: string) => ({ ip, port: 80, node: 'node2' });
    const input: ProxyInput = {
      node: 'node1',
      nodeIP: '192.168.0.2',
      clusterCIDR: '10.0.0.0/8',
      serviceCIDR: '172.30.0.0/16',
      services: [
        sp('ns1/svc1', { clusterIP: '172.30.0.41', endpoints: [ep('10.180.0.1')] }),
        sp('ns3/svc3', { clusterIP: '172.30.0.43', nodePort: 3003, endpoints: [ep('10.180.0.3')] }),
        sp('ns4/svc4', { clusterIP: '172.30.0.44', endpoints: [ep('10.180.0.4'), ep('10.180.0.5')] }),
        sp('ns5/svc5', { clusterIP: '172.30.0.45', affinitySeconds: 10800, endpoints: [ep('10.180.0.3')] }),
        sp('ns6/svc6', { clusterIP: '172.30.0.46' }),
      ],
    };
    const got = lines(nftablesScript(input));
    for (const line of [
      // upstream's baseRules
      'add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }',
      'add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }',
      'add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }',
      'add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }',
      'add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }',
      'add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }',
      'add chain ip kube-proxy cluster-ips-check',
      'add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }',
      'add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
      'add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"',
      'add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check',
      'add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check',
      'add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check',
      'add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check',
      'add rule ip kube-proxy filter-input ct state new jump service-endpoints-check',
      'add rule ip kube-proxy filter-output ct state new jump service-endpoints-check',
      'add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check',
      'add rule ip kube-proxy filter-output ct state new jump cluster-ips-check',
      'add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips',
      'add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports',
      'add element ip kube-proxy nodeport-ips { 192.168.0.2 }',
      // svc1
      'add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80',
      'add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade',
      'add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }',
      'add chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
      'add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade',
      'add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80',
      'add element ip kube-proxy cluster-ips { 172.30.0.41 }',
      'add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }',
      // svc3
      'add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }',
      'add chain ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80',
      'add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade',
      'add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80',
      'add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }',
      // svc4
      'add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }',
      // svc5
      'add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
      'add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
      'add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }',
      // svc6
      'add element ip kube-proxy cluster-ips { 172.30.0.46 }',
      'add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }',
    ]) {
      expect(got, line).toContain(line);
    }
  });

  it('generates 1000 services x 10 endpoints (its time is measured by bench/sync-bench.js, not here)', () => {
    const input: ProxyInput = { node: 'n', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/8', services: [] };
    for (let s = 0; s < 1000; s++) {
      input.services.push({
        namespace: `ns${s % 20}`,
        service: `svc${s}`,
        portName: 'http',
        protocol: 'TCP',
        clusterIP: `10.96.${s >> 8}.${s & 255}`,
        port: 80,
        endpoints: Array.from({ length: 10 }, (_, e) => ({ ip: `10.${(s >> 8) + 1}.${s & 255}.${e + 1}`, port: 8080, node: 'n' })),
      });
    }
    const text = nftablesScript(input);
    expect(lines(text).filter((l) => l.includes(' dnat to '))).toHaveLength(10_000);
  });
});
