import { describe, expect, it } from 'vitest';
import { explainPath, formatExplanation, nftCounterScripts, probeScript } from '../../../../src/checks/diagnose/explain.js';
import { CONNTRACK_AFTER, NAT_AFTER, NFT_AFTER, PROBE_OK, serviceFacts } from '../../../helpers/diagnose-fixtures.js';

describe('explainPath (iptables, captured before/after)', () => {
  const sections = new Map([
    ['probe', PROBE_OK],
    ['nat.after', NAT_AFTER],
    ['conntrack.after', CONNTRACK_AFTER],
  ]);
  const e = explainPath(serviceFacts(), sections, { from: 'client', to: 'service-test:80' });

  it('follows the seed: pod, veth, cbr0, KUBE-SERVICES, KUBE-SVC, KUBE-SEP, conntrack, routes, pod, answer', () => {
    expect(e.ok).toBe(true);
    expect(e.hops.map((h) => `${h.where} ${h.hop}`)).toEqual([
      'client pod',
      'node1 veth',
      'node1 bridge',
      'node1 KUBE-SERVICES',
      'node1 KUBE-SVC-GBTMB5ZTD56ECL5F',
      'node1 KUBE-SEP-SWDHQQVZNE4DIAR4',
      'node1 KUBE-SEP-CCUNI5TAEJBRFII7',
      'node1 conntrack',
      'node1 route',
      'router route',
      'node2 route',
      'node2 bridge',
      'node2 veth',
      'server-1 pod',
      'client answer',
    ]);
  });
  it('marks the endpoint whose counter moved', () => {
    const sep = e.hops.find((h) => h.hop === 'KUBE-SEP-CCUNI5TAEJBRFII7')!;
    expect(sep.counters).toEqual({ before: 0, after: 1, moved: true });
    expect(sep.what).toContain('chosen');
    expect(e.hops.find((h) => h.hop === 'KUBE-SEP-SWDHQQVZNE4DIAR4')!.counters?.moved).toBe(false);
    expect(e.hops.find((h) => h.hop === 'conntrack')!.what).toBe(
      'original 10.0.1.3:49146 → 10.3.241.152:80, reply 10.0.2.2:8080 → 10.0.1.3:49146: DNATed to 10.0.2.2:8080, un-DNATed on the way back',
    );
    expect(formatExplanation(e)).toContain('[packets 0 → 1, moved]');
  });
  it('a failed request carries the diagnosis', () => {
    const broken = explainPath(
      serviceFacts({ router: '10.0.1.0/24 via 10.250.1.11 dev eth0' }),
      new Map([['probe', 'curl: (28) Connection timed out after 1001 milliseconds\nHTTP 000 SPORT 0']]),
      { from: 'client', to: 'service-test:80' },
    );
    expect(broken.ok).toBe(false);
    expect(broken.diagnosis).toMatch(/^router has no route to 10\.0\.2\.0\/24/);
  });
});

describe('explainPath (nftables, temporary counters)', () => {
  it('shows the map element, the service chain and the chosen endpoint chain', () => {
    const f = { ...serviceFacts(), mode: 'nftables' as const, nat: undefined, nft: NFT_AFTER.replace(/packets 1 bytes 60/g, 'packets 0 bytes 0') };
    f.service = {
      ...f.service!,
      chain: 'service-EAFHE2E3-default/service-test/tcp/',
      endpoints: [
        { ip: '10.0.1.2', port: 8080, node: 'node1', pod: 'server-0', chain: 'endpoint-3WTJTVM4-default/service-test/tcp/__10.0.1.2/8080' },
        { ip: '10.0.2.2', port: 8080, node: 'node2', pod: 'server-1', chain: 'endpoint-TQ2NHXDT-default/service-test/tcp/__10.0.2.2/8080' },
      ],
    };
    const e = explainPath(
      f,
      new Map([
        ['probe', 'Hello from server-0 (10.0.1.2:8080)\n\nHTTP 200 SPORT 1234'],
        ['nft.after', NFT_AFTER],
      ]),
      { from: 'client', to: 'service-test:80' },
    );
    expect(e.hops[3]).toMatchObject({ hop: 'service-ips', where: 'node1' });
    expect(e.hops.find((h) => h.hop.startsWith('endpoint-3WTJTVM4'))!.counters).toEqual({ before: 0, after: 1, moved: true });
    expect(e.hops.find((h) => h.hop.startsWith('endpoint-3WTJTVM4'))!.evidence).toEqual([
      'ip saddr 10.0.1.2 jump mark-for-masquerade',
      'meta l4proto tcp dnat to 10.0.1.2:8080',
    ]);
    expect(e.hops.filter((h) => h.hop === 'route').map((h) => h.where)).toEqual(['node1']);
    expect(e.hops.at(-2)).toMatchObject({ hop: 'pod', where: 'server-0' });
  });
  it('scripts: insert and remove exactly the marked counter rules', () => {
    const s = nftCounterScripts(42, ['service-X-default/a/tcp/']);
    expect(s.add).toBe(
      `nsenter --net=/proc/42/ns/net nft insert rule ip kube-proxy 'service-X-default/a/tcp/' counter comment '"netlab-explain"' >/dev/null 2>&1`,
    );
    expect(s.remove).toContain('comment "netlab-explain" # handle');
    expect(probeScript(7, 'tcp', '10.3.241.152', 80)).toContain('SPORT %{local_port}');
  });
});
