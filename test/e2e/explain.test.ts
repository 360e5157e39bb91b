// `netlab explain` on real labs (iptables and nftables), and diagnose() naming a broken route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';
import { SERVER_NODEPORT } from '../helpers/manifests.js';

interface Hop {
  hop: string;
  where: string;
  what: string;
  evidence: string[];
  counters?: { before: number; after: number; moved: boolean };
}

const iptLab = uniqueName('explain-ipt');
const nftLab = uniqueName('explain-nft');

async function explainJson(lab: string, from = 'client', to = 'service-test:80'): Promise<{ ok: boolean; hops: Hop[] }> {
  const r = await netlab(['explain', lab, from, to, '--json']);
  try {
    return JSON.parse(r.stdout) as { ok: boolean; hops: Hop[] };
  } catch {
    throw new Error(`explain --json printed no JSON (exit ${r.exitCode}):\n${r.all}`);
  }
}

/** diagnose() from dist/, on the lab's first check (client → service-test:80), reported as failed. */
async function diagnoseFirstCheck(lab: string): Promise<string> {
  const script = `
    const { connectEngine } = await import(${JSON.stringify(join(root, 'dist/engine/connect.js'))});
    const { RunningLab } = await import(${JSON.stringify(join(root, 'dist/cluster/running-lab.js'))});
    const { diagnose } = await import(${JSON.stringify(join(root, 'dist/checks/diagnose/diagnose.js'))});
    const running = await RunningLab.open(await connectEngine(), ${JSON.stringify(lab)});
    const check = running.lab.checks[0];
    process.stdout.write(String(await diagnose(running, check, { name: check.name, from: check.from, to: check.to, expect: check.expect, ok: false, ms: 0, detail: '' })));
  `;
  const r = await execa('node', ['--input-type=module', '-e', script], { cwd: root, reject: false });
  return r.stdout || r.stderr;
}

describe('netlab explain', () => {
  beforeAll(async () => {
    const [a, b] = await Promise.all([
      netlab(['up', 'pod-to-service', '--name', iptLab]),
      netlab(['up', 'pod-to-service', '--name', nftLab, '--proxy-mode', 'nftables']),
    ]);
    expect(a.exitCode, a.all).toBe(0);
    expect(b.exitCode, b.all).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'netlab-explain-'));
    await writeFile(join(dir, 'nodeport.yaml'), SERVER_NODEPORT);
    for (const lab of [iptLab, nftLab]) {
      const applied = await netlab(['apply', lab, '-f', join(dir, 'nodeport.yaml')]);
      expect(applied.exitCode, applied.all).toBe(0);
    }
    await rm(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await Promise.all([netlab(['down', iptLab]), netlab(['down', nftLab])]);
    expect(await labObjects(iptLab)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(await labObjects(nftLab)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('iptables: KUBE-SVC, the KUBE-SEP whose counter moved, conntrack, the pod that answered', async () => {
    const e = await explainJson(iptLab);
    expect(e.ok).toBe(true);
    expect(e.hops.some((h) => h.hop.startsWith('KUBE-SVC-'))).toBe(true);
    const moved = e.hops.filter((h) => h.hop.startsWith('KUBE-SEP-') && h.counters?.moved);
    expect(moved).toHaveLength(1);
    const chosen = /DNAT to (\d+\.\d+\.\d+\.\d+):8080 \(pod (\S+)/.exec(moved[0]!.what)!;
    expect(e.hops.find((h) => h.hop === 'conntrack')!.what).toContain(`DNATed to ${chosen[1]}:8080`);
    expect(e.hops.at(-2)).toMatchObject({ hop: 'pod', where: chosen[2] });
    expect(e.hops.at(-1)!.what).toContain(`Hello from ${chosen[2]}`);
  });

  it('nftables: the service chain and the endpoint chain, counted by temporary counters', async () => {
    const e = await explainJson(nftLab);
    expect(e.ok).toBe(true);
    expect(e.hops.some((h) => h.hop === 'service-ips')).toBe(true);
    expect(e.hops.some((h) => h.hop.startsWith('service-') && h.hop.includes('default/service-test'))).toBe(true);
    const moved = e.hops.filter((h) => h.hop.startsWith('endpoint-') && h.counters?.moved);
    expect(moved).toHaveLength(1);
    expect(e.hops.find((h) => h.hop === 'conntrack')!.evidence[0]).toContain('dst=10.3.241.152');
    expect(e.hops.at(-2)!.hop).toBe('pod');
    // The temporary counter rules are gone again.
    const r = await netlab(['exec', nftLab, 'node1', '--', 'nft', 'list', 'table', 'ip', 'kube-proxy']);
    expect(r.stdout).not.toContain('netlab-explain');
  });

  it("a node's own request enters kube-proxy's rules by nat OUTPUT (iptables) and nat-output (nftables)", async () => {
    const ipt = await explainJson(iptLab, 'node1', 'service-test:80');
    expect(ipt.ok).toBe(true);
    expect(ipt.hops.find((h) => h.hop === 'KUBE-SERVICES')!.what).toMatch(/^nat OUTPUT → KUBE-SERVICES: 10\.3\.241\.152:80\/tcp matches/);
    expect(ipt.hops.filter((h) => h.hop.startsWith('KUBE-SEP-') && h.counters?.moved)).toHaveLength(1);
    const nft = await explainJson(nftLab, 'node1', 'service-test:80');
    expect(nft.ok).toBe(true);
    expect(nft.hops.find((h) => h.hop === 'service-ips')!.what).toMatch(
      /^nat-output \(hook output\) → services: map service-ips sends 10\.3\.241\.152 \. tcp \. 80/,
    );
  });

  it('iptables, external → a nodePort: KUBE-NODEPORTS → KUBE-EXT → KUBE-MARK-MASQ → KUBE-SVC → KUBE-SEP, masqueraded, across nodes', async () => {
    // The endpoint is chosen at random: ask until one on the other node answered (both are, by chance, within a few tries).
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const e = await explainJson(iptLab, 'external', 'node1:30600');
      expect(e.ok, JSON.stringify(e.hops, null, 1)).toBe(true);
      const order = e.hops.map((h) => h.hop.replace(/-[A-Z2-7]{16}$/, ''));
      expect(order.slice(0, 7)).toEqual(['underlay', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT', 'KUBE-MARK-MASQ', 'KUBE-SVC', 'KUBE-SEP']);
      expect(e.hops.slice(1, 9).every((h) => h.where === 'node1')).toBe(true);
      expect(e.hops.find((h) => h.hop === 'KUBE-NODEPORTS')!.counters?.moved).toBe(true);
      const moved = e.hops.filter((h) => h.hop.startsWith('KUBE-SEP-') && h.counters?.moved);
      expect(moved).toHaveLength(1);
      const [, ip, pod, node] = /DNAT to (\S+):8080 \(pod (\S+) on (\S+)\)/.exec(moved[0]!.what)!;
      const conntrack = e.hops.find((h) => h.hop === 'conntrack')!;
      expect(conntrack.what).toContain(`DNATed to ${ip}:8080`);
      const masq = e.hops.find((h) => h.hop === 'masquerade')!;
      expect(masq.where).toBe('node1');
      expect(masq.what).toMatch(/^nat POSTROUTING → KUBE-POSTROUTING: the marked connection leaves with source 10\.\S+/);
      const routes = e.hops.filter((h) => h.hop === 'route').map((h) => h.where);
      expect(routes).toEqual(node === 'node1' ? ['node1'] : ['node1', 'router', 'node2']);
      expect(e.hops.at(-2)).toMatchObject({ hop: 'pod', where: pod });
      seen.add(node!);
    }
    expect([...seen].sort()).toEqual(['node1', 'node2']);
  });

  it('nftables, external → a nodePort: nodeport-ips / service-nodeports → external → service → endpoint, masqueraded', async () => {
    const e = await explainJson(nftLab, 'external', 'node2:30600');
    expect(e.ok, JSON.stringify(e.hops, null, 1)).toBe(true);
    const order = e.hops.map((h) => h.hop.replace(/-[A-Z2-7]{8}-.*$/, ''));
    expect(order.slice(0, 6)).toEqual(['underlay', 'service-nodeports', 'external', 'mark-for-masquerade', 'service', 'endpoint']);
    expect(e.hops[1]!.what).toMatch(
      /^nat-prerouting \(hook prerouting\) → services: \S+ is in the set nodeport-ips; map service-nodeports sends tcp \. 30600 to goto external-/,
    );
    expect(e.hops[2]!.counters?.moved).toBe(true);
    expect(e.hops.filter((h) => h.hop.startsWith('endpoint-') && h.counters?.moved)).toHaveLength(1);
    expect(e.hops.find((h) => h.hop === 'masquerade')!.what).toMatch(
      /^nat-postrouting \(hook postrouting\) → masquerading: the marked connection leaves with source/,
    );
    const r = await netlab(['exec', nftLab, 'node2', '--', 'nft', 'list', 'table', 'ip', 'kube-proxy']);
    expect(r.stdout).not.toContain('netlab-explain');
  });

  it("explain takes a Service's DNS name as the target", async () => {
    const e = await explainJson(iptLab, 'client', 'service-test.default.svc.cluster.local:80');
    expect(e.ok).toBe(true);
    expect(e.hops.find((h) => h.hop === 'KUBE-SERVICES')!.what).toContain('10.3.241.152:80/tcp matches');
  });

  it("diagnose names the router's missing route", async () => {
    const del = await netlab(['exec', iptLab, 'router', '--', 'ip', 'route', 'del', '10.0.2.0/24']);
    expect(del.exitCode, del.all).toBe(0);
    const text = await diagnoseFirstCheck(iptLab);
    expect(text).toMatch(/^router has no route to 10\.0\.2\.0\/24 \(its table: 10\.0\.1\.0\/24 via \S+/);
  });
});
