import { describe, expect, it } from 'vitest';
import { explainPath, formatExplanation, nftCounterSteps, probeStep } from '../../../../src/checks/diagnose/explain.js';
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
  it('steps: insert the marked counter rules, then remove exactly those by the handles listed after the request', () => {
    const node = { pid: 42, container: 'c0ffee0000000000' };
    const chains = ['service-EAFHE2E3-default/service-test/tcp/', 'endpoint-3WTJTVM4-default/service-test/tcp/__10.0.1.2/8080'];
    const s = nftCounterSteps(node, chains);
    expect(s.add).toEqual([
      { argv: ['nft', 'insert', 'rule', 'ip', 'kube-proxy', chains[0], 'counter', 'comment', '"netlab-explain"'], netns: node },
      { argv: ['nft', 'insert', 'rule', 'ip', 'kube-proxy', chains[1], 'counter', 'comment', '"netlab-explain"'], netns: node },
    ]);
    // Only the marked rules of those chains (handle 80 is in a chain not asked for).
    expect(s.remove(new Map([['nft.after', NFT_AFTER]]))).toEqual([
      { argv: ['nft', 'delete', 'rule', 'ip', 'kube-proxy', chains[0], 'handle', '78'], netns: node },
      { argv: ['nft', 'delete', 'rule', 'ip', 'kube-proxy', chains[1], 'handle', '79'], netns: node },
    ]);
    // Nothing listed after the request (a sync replaced the table, or the read failed): nothing to delete.
    expect(s.remove(new Map([['nft.after', 'Error: No such file or directory']]))).toEqual([]);
    expect(s.remove(new Map())).toEqual([]);
  });
});

describe("explain's one request", () => {
  const source = { pid: 7, container: 'c0ffee0000000000' };
  const result = (stdout: string, stderr = '', exitCode = 0) => ({ stdout, stderr, exitCode, ms: 1 });

  it('tcp: curl in the source, its -w line last (after its error, as 2>&1 printed them)', () => {
    const p = probeStep(source, 'tcp', '10.3.241.152', 80);
    expect(p.step).toEqual({
      argv: ['curl', '-sS', '--connect-timeout', '1', '--max-time', '2', '-w', '\\nHTTP %{http_code} SPORT %{local_port}', 'http://10.3.241.152:80/'],
      netns: source,
    });
    expect(p.text(result('Hello from server-1 (10.0.2.2:8080)\n\nHTTP 200 SPORT 49146'))).toBe(PROBE_OK);
    expect(p.text(result('\nHTTP 000 SPORT 0', 'curl: (28) Connection timed out after 1001 milliseconds\n', 28))).toBe(
      'curl: (28) Connection timed out after 1001 milliseconds\n\nHTTP 000 SPORT 0',
    );
  });

  it('udp: nc from a fixed source port, the payload on stdin', () => {
    const p = probeStep(source, 'udp', '10.3.240.10', 53);
    expect(p.step).toEqual({ argv: ['nc', '-u', '-p', '40999', '-W', '1', '-w', '1', '--', '10.3.240.10', '53'], netns: source, stdin: 'netlab-explain\n' });
    expect(p.text(result('answer'))).toBe('answer\nSPORT 40999');
    expect(p.text(result(''))).toBe('SPORT 40999');
  });

  it('icmp (or no port): one ping', () => {
    expect(probeStep(source, 'icmp', '10.0.2.2').step).toEqual({ argv: ['ping', '-n', '-c', '1', '-W', '1', '--', '10.0.2.2'], netns: source });
    expect(probeStep(source, 'tcp', '10.0.2.2').step.argv[0]).toBe('ping');
  });

  it('a hostile address stays one argument', () => {
    const hostile = '10.0.0.1; touch /tmp/x $(id) `id`';
    expect(probeStep(source, 'icmp', hostile).step.argv.at(-1)).toBe(hostile);
    expect(probeStep(source, 'udp', hostile, 53).step.argv.at(-2)).toBe(hostile);
    expect(probeStep(source, 'tcp', hostile, 80).step.argv.at(-1)).toBe(`http://${hostile}:80/`);
  });
});
