import { describe, expect, it } from 'vitest';
import { explainPath, formatExplanation, nftCounterSteps, probeStep } from '../../../../src/checks/diagnose/explain.js';
import type { PathFacts } from '../../../../src/checks/diagnose/path.js';
import {
  CONNTRACK_AFTER,
  NAT_AFTER,
  NFT_AFTER,
  NODEPORT_CONNTRACK,
  NODEPORT_NAT_AFTER,
  NODEPORT_NAT_BEFORE,
  NODEPORT_NFT_AFTER,
  NODEPORT_PROBE,
  PROBE_OK,
  serviceFacts,
} from '../../../helpers/diagnose-fixtures.js';

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

describe("explainPath: a node's own request (nat OUTPUT)", () => {
  const fromNode = (f: PathFacts): PathFacts => ({
    ...f,
    source: { kind: 'node', name: 'node1', ip: '10.250.1.11', node: 'node1' },
    entry: { ...f.entry!, hook: 'output' },
  });
  it('iptables: KUBE-SERVICES is entered from nat OUTPUT, not PREROUTING', () => {
    const e = explainPath(
      fromNode(serviceFacts()),
      new Map([
        ['probe', PROBE_OK],
        ['nat.after', NAT_AFTER],
      ]),
      { from: 'node1', to: 'service-test:80' },
    );
    expect(e.hops[0]).toMatchObject({ hop: 'KUBE-SERVICES', where: 'node1' });
    expect(e.hops[0]!.what).toBe('nat OUTPUT → KUBE-SERVICES: 10.3.241.152:80/tcp matches, jump to KUBE-SVC-GBTMB5ZTD56ECL5F');
  });
  it('nftables: the nat-output chain (hook output) jumps to services', () => {
    const f = { ...fromNode(serviceFacts()), mode: 'nftables' as const, nat: undefined, nft: NFT_AFTER };
    const e = explainPath(
      f,
      new Map([
        ['probe', PROBE_OK],
        ['nft.after', NFT_AFTER],
      ]),
      { from: 'node1', to: 'service-test:80' },
    );
    expect(e.hops[0]!.what).toBe(
      'nat-output (hook output) → services: map service-ips sends 10.3.241.152 . tcp . 80 to goto service-EAFHE2E3-default/service-test/tcp/',
    );
  });
  it('a pod still enters by nat PREROUTING', () => {
    const e = explainPath(
      serviceFacts(),
      new Map([
        ['probe', PROBE_OK],
        ['nat.after', NAT_AFTER],
      ]),
      { from: 'client', to: 'service-test:80' },
    );
    expect(e.hops.find((h) => h.hop === 'KUBE-SERVICES')!.what).toMatch(/^nat PREROUTING → KUBE-SERVICES/);
  });
});

describe('explainPath: external → a nodePort (recorded rules of node1)', () => {
  /** The external client sends to node1:30600 (default/web-np, Cluster policy, endpoints on both nodes). */
  function nodePortFacts(mode: 'iptables' | 'nftables'): PathFacts {
    const f = serviceFacts();
    const ipt = mode === 'iptables';
    return {
      ...f,
      mode,
      source: { kind: 'external', name: 'external', ip: '10.250.1.3' },
      target: { text: 'node1:30600', ip: '10.250.1.11', port: 30600, proto: 'tcp', node: 'node1' },
      service: {
        ...f.service!,
        name: 'web-np',
        clusterIP: '10.3.245.7',
        nodePort: 30600,
        chain: ipt ? 'KUBE-SVC-XGQ5ZE3NGFVJA4PN' : 'service-ZX3DLV4N-default/web-np/tcp/',
        endpoints: [
          {
            ip: '10.0.1.2',
            port: 8080,
            node: 'node1',
            pod: 'server-0',
            chain: ipt ? 'KUBE-SEP-BQOWZ3VJ5B3RGVQC' : 'endpoint-AAAAAAAA-default/web-np/tcp/__10.0.1.2/8080',
          },
          {
            ip: '10.0.2.2',
            port: 8080,
            node: 'node2',
            pod: 'server-1',
            chain: ipt ? 'KUBE-SEP-XLJ4BZKPBM4M5H6J' : 'endpoint-BBBBBBBB-default/web-np/tcp/__10.0.2.2/8080',
          },
        ],
      },
      entry: { kind: 'node-port', node: 'node1', hook: 'prerouting', ip: '10.250.1.11', port: 30600 },
      nat: ipt ? NODEPORT_NAT_BEFORE : undefined,
      nft: ipt ? undefined : NODEPORT_NFT_AFTER.replace(/packets 1 bytes 60/g, 'packets 0 bytes 0'),
    };
  }

  it('iptables: KUBE-NODEPORTS → KUBE-EXT → KUBE-MARK-MASQ → KUBE-SVC → the chosen KUBE-SEP, masqueraded as it leaves node1 for node2', () => {
    const e = explainPath(
      nodePortFacts('iptables'),
      new Map([
        ['probe', NODEPORT_PROBE],
        ['nat.after', NODEPORT_NAT_AFTER],
        ['conntrack.after', NODEPORT_CONNTRACK],
      ]),
      { from: 'external', to: 'node1:30600' },
    );
    expect(e.ok).toBe(true);
    expect(e.hops.map((h) => `${h.where} ${h.hop}`)).toEqual([
      'external underlay',
      'node1 KUBE-SERVICES',
      'node1 KUBE-NODEPORTS',
      'node1 KUBE-EXT-XGQ5ZE3NGFVJA4PN',
      'node1 KUBE-MARK-MASQ',
      'node1 KUBE-SVC-XGQ5ZE3NGFVJA4PN',
      'node1 KUBE-SEP-BQOWZ3VJ5B3RGVQC',
      'node1 KUBE-SEP-XLJ4BZKPBM4M5H6J',
      'node1 conntrack',
      'node1 route',
      'node1 masquerade',
      'router route',
      'node2 route',
      'node2 bridge',
      'node2 veth',
      'server-1 pod',
      'external answer',
    ]);
    const hop = (name: string) => e.hops.find((h) => h.hop === name)!;
    expect(hop('KUBE-SERVICES').what).toBe(
      "nat PREROUTING → KUBE-SERVICES: 10.250.1.11:30600/tcp is no cluster IP; the chain's last rule sends the node's own addresses (addrtype LOCAL) to KUBE-NODEPORTS",
    );
    expect(hop('KUBE-NODEPORTS')).toMatchObject({
      what: 'nodePort 30600/tcp of default/web-np: jump to KUBE-EXT-XGQ5ZE3NGFVJA4PN',
      counters: { before: 0, after: 1, moved: true },
    });
    expect(hop('KUBE-EXT-XGQ5ZE3NGFVJA4PN').what).toBe('external traffic to default/web-np: KUBE-MARK-MASQ, then jump to KUBE-SVC-XGQ5ZE3NGFVJA4PN');
    expect(hop('KUBE-SEP-XLJ4BZKPBM4M5H6J').what).toBe('DNAT to 10.0.2.2:8080 (pod server-1 on node2): chosen for this connection');
    expect(hop('conntrack').what).toBe(
      'original 10.250.1.3:51334 → 10.250.1.11:30600, reply 10.0.2.2:8080 → 10.250.1.11:51334: DNATed to 10.0.2.2:8080, source NATed to 10.250.1.11, un-NATed on the way back',
    );
    expect(hop('masquerade').what).toBe(
      'nat POSTROUTING → KUBE-POSTROUTING: the marked connection leaves with source 10.250.1.11 (was 10.250.1.3), so the answer comes back through node1',
    );
    expect(hop('masquerade').evidence).toContain(
      '[1:60] -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    );
  });

  it('nftables: nodeport-ips and service-nodeports → external-… → service-… → the chosen endpoint-…, masqueraded', () => {
    const e = explainPath(
      nodePortFacts('nftables'),
      new Map([
        ['probe', NODEPORT_PROBE],
        ['nft.after', NODEPORT_NFT_AFTER],
        ['conntrack.after', NODEPORT_CONNTRACK],
      ]),
      { from: 'external', to: 'node1:30600' },
    );
    expect(e.hops.slice(0, 8).map((h) => h.hop)).toEqual([
      'underlay',
      'service-nodeports',
      'external-ZX3DLV4N-default/web-np/tcp/',
      'mark-for-masquerade',
      'service-ZX3DLV4N-default/web-np/tcp/',
      'endpoint-AAAAAAAA-default/web-np/tcp/__10.0.1.2/8080',
      'endpoint-BBBBBBBB-default/web-np/tcp/__10.0.2.2/8080',
      'conntrack',
    ]);
    expect(e.hops[1]!.what).toBe(
      'nat-prerouting (hook prerouting) → services: 10.250.1.11 is in the set nodeport-ips; map service-nodeports sends tcp . 30600 to goto external-ZX3DLV4N-default/web-np/tcp/',
    );
    expect(e.hops[2]!.counters).toEqual({ before: 0, after: 1, moved: true });
    expect(e.hops[6]!.counters?.moved).toBe(true);
    expect(e.hops.find((h) => h.hop === 'masquerade')!.what).toMatch(
      /^nat-postrouting \(hook postrouting\) → masquerading: the marked connection leaves with source 10\.250\.1\.11/,
    );
    expect(e.hops.find((h) => h.hop === 'masquerade')!.evidence).toEqual([
      'mark and 0x4000 == 0x0 return',
      'mark set mark xor 0x4000',
      'masquerade fully-random',
    ]);
  });

  it('a Local policy slots in: the KUBE-EXT chain jumps to KUBE-SVL, followed as loaded', () => {
    const local = NODEPORT_NAT_AFTER.replace(
      '-A KUBE-EXT-XGQ5ZE3NGFVJA4PN -j KUBE-SVC-XGQ5ZE3NGFVJA4PN',
      '-A KUBE-EXT-XGQ5ZE3NGFVJA4PN -j KUBE-SVL-XGQ5ZE3NGFVJA4PN',
    ).replace(
      /-A KUBE-SVC-XGQ5ZE3NGFVJA4PN -m comment --comment "default\/web-np -> 10\.0\.1\.2:8080"[^\n]*/,
      '-A KUBE-SVL-XGQ5ZE3NGFVJA4PN -m comment --comment "default/web-np -> 10.0.1.2:8080" -j KUBE-SEP-BQOWZ3VJ5B3RGVQC',
    );
    const e = explainPath(
      nodePortFacts('iptables'),
      new Map([
        ['probe', NODEPORT_PROBE],
        ['nat.after', local],
      ]),
      { from: 'external', to: 'node1:30600' },
    );
    expect(e.hops.map((h) => h.hop)).toContain('KUBE-SVL-XGQ5ZE3NGFVJA4PN');
    expect(e.hops.find((h) => h.hop === 'KUBE-SVL-XGQ5ZE3NGFVJA4PN')!.evidence).toEqual([
      '[0:0] -A KUBE-SVL-XGQ5ZE3NGFVJA4PN -m comment --comment "default/web-np -> 10.0.1.2:8080" -j KUBE-SEP-BQOWZ3VJ5B3RGVQC',
    ]);
  });
});
