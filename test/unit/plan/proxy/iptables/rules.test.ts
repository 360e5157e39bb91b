// kube-proxy's iptables mode as text: the chain-name hashes, the exact restore input for a
// small lab, upstream's own expected lines (pkg/proxy/iptables/proxier_test.go), the
// idempotent jumps, stale-chain removal, large-cluster mode and generation time.
import { describe, expect, it } from 'vitest';
import {
  KUBE_CHAIN_NAME,
  LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
  chainsFromSave,
  iptablesJumps,
  jumpSaveLine,
  iptablesRestore,
  isServiceChainName,
  probability,
  servicePortChainName,
  servicePortEndpointChainName,
} from '../../../../../src/plan/proxy/iptables/rules.js';
import { servicePortName } from '../../../../../src/plan/proxy/names.js';
import type { ProxyInput, ServicePortState } from '../../../../../src/plan/proxy/types.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const lines = (text: string) => text.split('\n');

describe('chain names', () => {
  it('hash ServicePortName + protocol as kube-proxy does (first 16 chars of base32(sha256)))', () => {
    expect(servicePortChainName('KUBE-SVC', 'ns1/svc1:p80', 'tcp')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(servicePortEndpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
    expect(servicePortChainName('KUBE-EXT', 'ns1/svc1:p80', 'tcp')).toBe('KUBE-EXT-XPGD46QRK7WJZT7O');
    expect(servicePortChainName('KUBE-EXT-', 'ns3/svc3:p80', 'TCP')).toBe('KUBE-EXT-X27LE4BHSL4DOUIK');
    // Vectors from upstream's tests and from real clusters' iptables-save.
    expect(servicePortChainName('KUBE-SVC', 'ns5/svc5:p80', 'tcp')).toBe('KUBE-SVC-NUKIZ6OKUXPJNT4C');
    expect(servicePortEndpointChainName('ns5/svc5:p80', 'tcp', '10.180.0.3:80')).toBe('KUBE-SEP-I77PXRDZVX7PMWMN');
    expect(servicePortChainName('KUBE-SVC', 'default/kubernetes:https', 'tcp')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(servicePortChainName('KUBE-SVC', 'kube-system/kube-dns:dns', 'udp')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(servicePortChainName('KUBE-SVC', 'kube-system/kube-dns:dns-tcp', 'tcp')).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
  });

  it('writes an unnamed port as ns/svc, without the colon (a real cluster: default/webpod)', () => {
    const name = servicePortName({ namespace: 'default', service: 'webpod', portName: '' });
    expect(name).toBe('default/webpod');
    expect(servicePortChainName('KUBE-SVC', name, 'tcp')).toBe('KUBE-SVC-CNZCPOCNCNOROALA');
    expect(servicePortName({ namespace: 'ns1', service: 'svc1', portName: 'p80' })).toBe('ns1/svc1:p80');
  });

  it("tells kube-proxy's per-service chains from the others, also by the names' pattern", () => {
    const bre = KUBE_CHAIN_NAME;
    for (const c of [
      'KUBE-SVC-XPGD46QRK7WJZT7O',
      'KUBE-SEP-SXIVWICOYRO3J4NJ',
      'KUBE-EXT-X27LE4BHSL4DOUIK',
      'KUBE-FW-NUKIZ6OKUXPJNT4C',
      'KUBE-SVL-XPGD46QRK7WJZT7O',
    ]) {
      expect(isServiceChainName(c)).toBe(true);
      expect(bre.test(c), c).toBe(true);
    }
    for (const c of ['KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'DOCKER_OUTPUT', 'KUBE-POSTROUTING']) {
      expect(isServiceChainName(c)).toBe(false);
      expect(bre.test(c), c).toBe(false);
    }
  });
});

describe('probabilities', () => {
  it("are 1/(endpoints left) with 10 decimals, as Go's %0.10f", () => {
    expect(probability(2)).toBe('0.5000000000');
    expect(probability(3)).toBe('0.3333333333');
    expect(probability(4)).toBe('0.2500000000');
    expect(probability(7)).toBe('0.1428571429');
    expect(probability(10)).toBe('0.1000000000');
    // 1/2048 = 0.00048828125 exactly: Go rounds the tie to even, JavaScript's toFixed would not.
    expect(probability(2048)).toBe('0.0004882812');
    expect(probability(3000)).toBe('0.0003333333');
  });
});

const expectedFixture = [
  '*filter',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-EXTERNAL-SERVICES - [0:0]',
  ':KUBE-FORWARD - [0:0]',
  ':KUBE-NODEPORTS - [0:0]',
  ':KUBE-PROXY-FIREWALL - [0:0]',
  '-A KUBE-SERVICES -m comment --comment "default/empty:http has no endpoints" -m tcp -p tcp -d 10.96.0.51 --dport 80 -j REJECT',
  '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/empty:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30600 -j REJECT',
  '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
  '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
  '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  'COMMIT',
  '*nat',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-NODEPORTS - [0:0]',
  ':KUBE-POSTROUTING - [0:0]',
  ':KUBE-MARK-MASQ - [0:0]',
  ':KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]',
  ':KUBE-SEP-RI3S4YZKGFE22XN7 - [0:0]',
  ':KUBE-SEP-RIVC2LZ6FILQS336 - [0:0]',
  ':KUBE-EXT-STDNOFAI3EEZDIVA - [0:0]',
  ':KUBE-SVC-STDNOFAI3EEZDIVA - [0:0]',
  ':KUBE-SEP-E6K42KN3PGJJKGM3 - [0:0]',
  ':KUBE-SEP-3THTRMTBFCNGQSR3 - [0:0]',
  ':KUBE-SEP-GT6NUHMZCCEPFS75 - [0:0]',
  ':KUBE-SVC-I5LIAMPLWKMBJ54B - [0:0]',
  ':KUBE-SEP-WERCUTV4XJUOXOMP - [0:0]',
  ':KUBE-SEP-A7NNEWWJ3RZOGN3E - [0:0]',
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  '-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.50 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL',
  '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.50 --dport 80 ! -s 10.0.0.0/16 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.0.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-RI3S4YZKGFE22XN7',
  '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.0.2.2:8080" -j KUBE-SEP-RIVC2LZ6FILQS336',
  '-A KUBE-SEP-RI3S4YZKGFE22XN7 -m comment --comment default/web:http -s 10.0.1.2 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-RI3S4YZKGFE22XN7 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:8080',
  '-A KUBE-SEP-RIVC2LZ6FILQS336 -m comment --comment default/web:http -s 10.0.2.2 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-RIVC2LZ6FILQS336 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.0.2.2:8080',
  '-A KUBE-SERVICES -m comment --comment "default/hello cluster IP" -m tcp -p tcp -d 10.96.0.60 --dport 80 -j KUBE-SVC-STDNOFAI3EEZDIVA',
  '-A KUBE-NODEPORTS -m comment --comment default/hello -m tcp -p tcp --dport 30500 -j KUBE-EXT-STDNOFAI3EEZDIVA',
  '-A KUBE-SVC-STDNOFAI3EEZDIVA -m comment --comment "default/hello cluster IP" -m tcp -p tcp -d 10.96.0.60 --dport 80 ! -s 10.0.0.0/16 -j KUBE-MARK-MASQ',
  '-A KUBE-EXT-STDNOFAI3EEZDIVA -m comment --comment "masquerade traffic for default/hello external destinations" -j KUBE-MARK-MASQ',
  '-A KUBE-EXT-STDNOFAI3EEZDIVA -j KUBE-SVC-STDNOFAI3EEZDIVA',
  '-A KUBE-SVC-STDNOFAI3EEZDIVA -m comment --comment "default/hello -> 10.0.1.3:8080" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-E6K42KN3PGJJKGM3',
  '-A KUBE-SVC-STDNOFAI3EEZDIVA -m comment --comment "default/hello -> 10.0.1.4:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-3THTRMTBFCNGQSR3',
  '-A KUBE-SVC-STDNOFAI3EEZDIVA -m comment --comment "default/hello -> 10.0.2.3:8080" -j KUBE-SEP-GT6NUHMZCCEPFS75',
  '-A KUBE-SEP-E6K42KN3PGJJKGM3 -m comment --comment default/hello -s 10.0.1.3 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-E6K42KN3PGJJKGM3 -m comment --comment default/hello -m tcp -p tcp -j DNAT --to-destination 10.0.1.3:8080',
  '-A KUBE-SEP-3THTRMTBFCNGQSR3 -m comment --comment default/hello -s 10.0.1.4 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-3THTRMTBFCNGQSR3 -m comment --comment default/hello -m tcp -p tcp -j DNAT --to-destination 10.0.1.4:8080',
  '-A KUBE-SEP-GT6NUHMZCCEPFS75 -m comment --comment default/hello -s 10.0.2.3 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-GT6NUHMZCCEPFS75 -m comment --comment default/hello -m tcp -p tcp -j DNAT --to-destination 10.0.2.3:8080',
  '-A KUBE-SERVICES -m comment --comment "shop/cart:http cluster IP" -m tcp -p tcp -d 10.96.0.70 --dport 8080 -j KUBE-SVC-I5LIAMPLWKMBJ54B',
  '-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment "shop/cart:http cluster IP" -m tcp -p tcp -d 10.96.0.70 --dport 8080 ! -s 10.0.0.0/16 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment "shop/cart:http -> 10.0.1.5:8080" -m recent --name KUBE-SEP-WERCUTV4XJUOXOMP --rcheck --seconds 10800 --reap -j KUBE-SEP-WERCUTV4XJUOXOMP',
  '-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment "shop/cart:http -> 10.0.2.5:8080" -m recent --name KUBE-SEP-A7NNEWWJ3RZOGN3E --rcheck --seconds 10800 --reap -j KUBE-SEP-A7NNEWWJ3RZOGN3E',
  '-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment "shop/cart:http -> 10.0.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WERCUTV4XJUOXOMP',
  '-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment "shop/cart:http -> 10.0.2.5:8080" -j KUBE-SEP-A7NNEWWJ3RZOGN3E',
  '-A KUBE-SEP-WERCUTV4XJUOXOMP -m comment --comment shop/cart:http -s 10.0.1.5 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-WERCUTV4XJUOXOMP -m comment --comment shop/cart:http -m recent --name KUBE-SEP-WERCUTV4XJUOXOMP --set -m tcp -p tcp -j DNAT --to-destination 10.0.1.5:8080',
  '-A KUBE-SEP-A7NNEWWJ3RZOGN3E -m comment --comment shop/cart:http -s 10.0.2.5 -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-A7NNEWWJ3RZOGN3E -m comment --comment shop/cart:http -m recent --name KUBE-SEP-A7NNEWWJ3RZOGN3E --set -m tcp -p tcp -j DNAT --to-destination 10.0.2.5:8080',
  '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
  'COMMIT',
];

describe('iptablesRestore', () => {
  it('writes the exact rules for a small lab (2 endpoints, NodePort with 3, no endpoints, affinity)', () => {
    expect(lines(iptablesRestore(fixture))).toEqual([...expectedFixture, '']);
  });

  it('spreads load with 1/(n-i) and no statistic match on the last endpoint', () => {
    const out = iptablesRestore(fixture);
    const hello = lines(out).filter((l) => l.startsWith(`-A ${servicePortChainName('KUBE-SVC', 'default/hello', 'tcp')} `) && l.includes(' -> '));
    expect(hello.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'last')).toEqual(['0.3333333333', '0.5000000000', 'last']);
  });

  it('declares every chain it fills or jumps to, once, in the table it is used in', () => {
    const out = iptablesRestore(fixture, ['KUBE-SEP-ZZZZZZZZZZZZZZZZ']);
    for (const table of out.split('COMMIT\n').filter(Boolean)) {
      const declared = lines(table)
        .filter((l) => l.startsWith(':'))
        .map((l) => l.slice(1).split(' ')[0]!);
      expect(new Set(declared).size).toBe(declared.length);
      for (const l of lines(table).filter((x) => x.startsWith('-A '))) {
        const chain = l.split(' ')[1]!;
        const target = / -j (\S+)/.exec(l)?.[1] ?? '';
        expect(declared, l).toContain(chain);
        if (target.startsWith('KUBE-')) expect(declared, l).toContain(target);
      }
    }
  });

  it("matches the lines of upstream's TestOverallIPTablesRules for the same services", () => {
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
      services: [
        sp('ns1/svc1', { clusterIP: '172.30.0.41', endpoints: [ep('10.180.0.1')] }),
        sp('ns3/svc3', { clusterIP: '172.30.0.43', nodePort: 3003, endpoints: [ep('10.180.0.3')] }),
        sp('ns4/svc4', { clusterIP: '172.30.0.44', endpoints: [ep('10.180.0.4'), ep('10.180.0.5')] }),
        sp('ns5/svc5', { clusterIP: '172.30.0.45', affinitySeconds: 10800, endpoints: [ep('10.180.0.3')] }),
        sp('ns6/svc6', { clusterIP: '172.30.0.46' }),
      ],
    };
    const out = lines(iptablesRestore(input));
    // Copied from upstream's expectation (its fake iptables lacks --random-fully and has nfacct).
    for (const line of [
      '-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK',
      '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
      '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
      '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80',
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC',
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
    ]) {
      expect(out, line).toContain(line);
    }
    // The masquerade rule is upstream's with --random-fully, as kube-proxy writes it when iptables has it.
    expect(out).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  });

  it('flushes and deletes (-X) kube-proxy chains that are no longer wanted, and only those', () => {
    const save = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':DOCKER_OUTPUT - [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SEP-OLDOLDOLDOLDOLD2 - [0:0]',
      ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
      `:${servicePortChainName('KUBE-SVC', 'default/web:http', 'tcp')} - [0:0]`,
      'COMMIT',
      '*filter',
      ':KUBE-FORWARD - [0:0]',
      'COMMIT',
    ].join('\n');
    const previous = chainsFromSave(save, 'nat');
    expect(previous).toContain('DOCKER_OUTPUT');
    expect(chainsFromSave(save, 'filter')).toEqual(['KUBE-FORWARD']);
    const out = lines(iptablesRestore(fixture, previous));
    expect(out.filter((l) => l.startsWith('-X '))).toEqual(['-X KUBE-SEP-OLDOLDOLDOLDOLD2', '-X KUBE-SVC-XPGD46QRK7WJZT7O']);
    expect(out).toContain(':KUBE-SEP-OLDOLDOLDOLDOLD2 - [0:0]');
    // Deleted after every rule that could jump to them was flushed, before COMMIT; the
    // nodeports jump stays the last rule of KUBE-SERVICES.
    const x = out.indexOf('-X KUBE-SEP-OLDOLDOLDOLDOLD2');
    expect(x).toBeGreaterThan(out.findLastIndex((l) => l.startsWith('-A KUBE-SEP-')));
    expect(out[out.length - 3]).toMatch(/^-A KUBE-SERVICES .* -j KUBE-NODEPORTS$/);
  });

  it("drops the per-endpoint comments above 1000 endpoints, as kube-proxy's large cluster mode", () => {
    const big: ProxyInput = { ...fixture, services: [] };
    for (let s = 0; big.services.reduce((n, x) => n + x.endpoints.length, 0) <= LARGE_CLUSTER_ENDPOINTS_THRESHOLD; s++) {
      big.services.push({
        namespace: 'ns',
        service: `svc${s}`,
        portName: 'http',
        protocol: 'TCP',
        clusterIP: `10.96.${s >> 8}.${s & 255}`,
        port: 80,
        endpoints: Array.from({ length: 10 }, (_, e) => ({ ip: `10.1.${s & 255}.${e + 1}`, port: 8080, node: 'n' })),
      });
    }
    const out = lines(iptablesRestore(big));
    const sep = servicePortEndpointChainName('ns/svc0:http', 'tcp', '10.1.0.1:8080');
    expect(out).toContain(`-A ${sep} -s 10.1.0.1 -j KUBE-MARK-MASQ`);
    expect(out).toContain(`-A ${sep} -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:8080`);
    expect(out.some((l) => l.includes('"ns/svc0:http -> '))).toBe(false);
    // The cluster IP rules keep theirs.
    expect(out.some((l) => l.includes('"ns/svc0:http cluster IP"'))).toBe(true);
  });

  it('counts not-ready endpoints toward the large-cluster threshold, as kube-proxy holds them too', () => {
    const ready = fixture.services.reduce((n, x) => n + x.endpoints.length, 0);
    const comments = (input: ProxyInput) => lines(iptablesRestore(input)).some((l) => l.includes(' -> '));
    expect(comments({ ...fixture, notReadyEndpoints: LARGE_CLUSTER_ENDPOINTS_THRESHOLD - ready })).toBe(true);
    expect(comments({ ...fixture, notReadyEndpoints: LARGE_CLUSTER_ENDPOINTS_THRESHOLD - ready + 1 })).toBe(false);
  });

  it('generates 1000 services x 10 endpoints (20,000+ rules; its time is measured by bench/sync-bench.js)', () => {
    const input: ProxyInput = { node: 'n', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/8', services: [] };
    for (let s = 0; s < 1000; s++) {
      input.services.push({
        namespace: `ns${s % 20}`,
        service: `svc${s}`,
        portName: 'http',
        protocol: 'TCP',
        clusterIP: `10.96.${s >> 8}.${s & 255}`,
        port: 80,
        ...(s % 10 === 0 ? { nodePort: 30000 + s } : {}),
        endpoints: Array.from({ length: 10 }, (_, e) => ({ ip: `10.${(s >> 8) + 1}.${s & 255}.${e + 1}`, port: 8080, node: 'n' })),
      });
    }
    const out = iptablesRestore(input);
    const rules = lines(out).filter((l) => l.startsWith('-A ')).length;
    expect(rules).toBeGreaterThan(20_000);
  });
});

describe('iptablesJumps', () => {
  it("are upstream's jumps, each prepended when missing, as iptables-save prints them", () => {
    const jumps = iptablesJumps();
    expect(jumps.every((j) => j.position === '-I')).toBe(true);
    for (const j of jumps) expect(` ${j.rule}`.endsWith(` -j ${j.target}`), j.rule).toBe(true);
    const lines = jumps.map((j) => `${j.table} ${jumpSaveLine(j)}`);
    expect(lines).toContain('nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(lines).toContain('nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
    expect(lines).toContain('filter -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(lines).toContain('filter -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
    expect(lines).toContain(
      'filter -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    );
    // kubelet's, last, without a comment.
    expect(lines.slice(-2)).toEqual(['filter -A INPUT -j KUBE-FIREWALL', 'filter -A OUTPUT -j KUBE-FIREWALL']);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it("jump to chains the restore declares, but for kubelet's KUBE-FIREWALL", () => {
    const rules = iptablesRestore(fixture);
    for (const j of iptablesJumps()) {
      if (j.target === 'KUBE-FIREWALL') expect(chainsFromSave(rules, j.table)).not.toContain(j.target);
      else expect(chainsFromSave(rules, j.table), `${j.table} ${j.target}`).toContain(j.target);
    }
  });
});
