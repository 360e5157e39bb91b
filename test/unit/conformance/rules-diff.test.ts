// The conformance comparison itself: what it forgives (upstream's Go map order between
// services, the deliberate differences) and what it must not (order within a chain, a rule
// more or less).
import { describe, expect, test } from 'vitest';
import { canonicalChainOrder, compareIptables, compareNftables, DELIBERATE_DIFFERENCES, harnessIptablesOptions } from '../../../conformance/ts/rules-diff.js';

const svcA = '-A KUBE-SERVICES -m comment --comment "default/a cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA';
const svcAExt = '-A KUBE-SERVICES -m comment --comment "default/a loadbalancer IP" -m tcp -p tcp -d 192.0.2.1 --dport 80 -j KUBE-EXT-AAAAAAAAAAAAAAAA';
const svcB = '-A KUBE-SERVICES -m comment --comment "ns/b:http cluster IP" -m tcp -p tcp -d 10.96.0.2 --dport 80 -j KUBE-SVC-BBBBBBBBBBBBBBBB';
const last =
  '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS';
const ep1 = '-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "default/a -> 10.0.1.10:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-X';
const ep2 = '-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "default/a -> 10.0.1.2:80" -j KUBE-SEP-Y';
const restore = (nat: string[], chains = ['KUBE-SERVICES', 'KUBE-SVC-AAAAAAAAAAAAAAAA']) =>
  `*nat\n${chains.map((c) => `:${c} - [0:0]\n`).join('')}${nat.join('\n')}\nCOMMIT\n`;

describe('compareIptables', () => {
  test('services in another order in KUBE-SERVICES are the same rules (upstream walks a Go map)', () => {
    expect(compareIptables(restore([svcA, svcAExt, svcB, last, ep1, ep2]), restore([svcB, svcA, svcAExt, ep1, ep2, last]))).toEqual([]);
  });

  test("the order of one service's own rules counts, even in KUBE-SERVICES", () => {
    expect(compareIptables(restore([svcA, svcAExt, svcB, last]), restore([svcAExt, svcA, svcB, last]))).not.toEqual([]);
  });

  test('the last rule of KUBE-SERVICES must stay last', () => {
    expect(compareIptables(restore([svcA, svcB, last]), restore([last, svcA, svcB]))).toEqual([
      'nat KUBE-SERVICES: same rules, other order; first at rule 1:',
      `  upstream: ${svcA}`,
      `  netlab:   ${last}`,
    ]);
  });

  test("endpoints in another order in a service's chain differ (probabilities follow the order)", () => {
    expect(compareIptables(restore([ep1, ep2]), restore([ep2, ep1]))[0]).toBe('nat KUBE-SVC-AAAAAAAAAAAAAAAA: same rules, other order; first at rule 1:');
  });

  test('a rule or a chain more or less is reported with its side', () => {
    expect(compareIptables(restore([ep1, ep2]), restore([ep1], ['KUBE-SERVICES']))).toEqual([
      'nat chains: only upstream: KUBE-SVC-AAAAAAAAAAAAAAAA',
      `nat KUBE-SVC-AAAAAAAAAAAAAAAA: only upstream: ${ep2}`,
    ]);
  });

  test('canonicalChainOrder leaves chains upstream writes in order alone', () => {
    expect(canonicalChainOrder('KUBE-SVC-AAAAAAAAAAAAAAAA', [ep2, ep1])).toEqual([ep2, ep1]);
  });
});

describe('compareNftables', () => {
  const el = (ip: string) => `add element ip kube-proxy cluster-ips { ${ip} }`;
  const r1 = 'add rule ip kube-proxy masquerading mark and 0x4000 == 0 return';
  const r2 = 'add rule ip kube-proxy masquerading mark set mark xor 0x4000';

  test("elements are a set, a chain's rules a list; netlab's whole-table prelude and comments are deliberate", () => {
    const netlab = ['add table ip kube-proxy', 'delete table ip kube-proxy', '', '# default/a', el('10.96.0.2'), el('10.96.0.1'), r1, r2].join('\n');
    expect(compareNftables([el('10.96.0.1'), el('10.96.0.2'), r1, r2].join('\n'), netlab)).toEqual([]);
    expect(compareNftables([r1, r2].join('\n'), [r2, r1].join('\n'))[0]).toBe('chain masquerading: same rules, other order; first at rule 1:');
  });
});

describe('DELIBERATE_DIFFERENCES', () => {
  test('each names its reason, and sets upstream’s fake or drops netlab lines', () => {
    for (const d of DELIBERATE_DIFFERENCES) {
      expect(d.why.length, d.id).toBeGreaterThan(20);
      expect(Boolean(d.harness) !== Boolean(d.dropNetlabLine), d.id).toBe(true);
    }
    expect(harnessIptablesOptions()).toEqual({ randomFully: true, localhostNodePorts: false, nfacct: false });
  });
});
