// `netlab explain` on real labs (iptables and nftables), and diagnose() naming a broken route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';

interface Hop {
  hop: string;
  where: string;
  what: string;
  evidence: string[];
  counters?: { before: number; after: number; moved: boolean };
}

const iptLab = uniqueName('explain-ipt');
const nftLab = uniqueName('explain-nft');

async function explainJson(lab: string): Promise<{ ok: boolean; hops: Hop[] }> {
  const r = await netlab(['explain', lab, 'client', 'service-test:80', '--json']);
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

  it("diagnose names the router's missing route", async () => {
    const del = await netlab(['exec', iptLab, 'router', '--', 'ip', 'route', 'del', '10.0.2.0/24']);
    expect(del.exitCode, del.all).toBe(0);
    const text = await diagnoseFirstCheck(iptLab);
    expect(text).toMatch(/^router has no route to 10\.0\.2\.0\/24 \(its table: 10\.0\.1\.0\/24 via \S+/);
  });
});
