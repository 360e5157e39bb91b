// labs/load-balancer on the real engine, in iptables and nftables modes: every check passes;
// the address is announced by the elected node (the Cluster Service's by node1, the Local
// one's by node2, which has the pods); the pods see node1's address through the Cluster
// Service and the external client's own through the Local one; node2 has KUBE-SVL (local-)
// for the Local Service and node1 none; the exercise's fault loses the client's address and
// its solution brings it back; down leaves nothing.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJson, failures, labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

interface ServiceRow {
  name: string;
  'external-ip': string;
  'port(s)': string;
}

async function exec(lab: string, target: string, argv: string[]): Promise<string> {
  const r = await netlab(['exec', lab, target, '--', ...argv]);
  expect(r.exitCode, r.all).toBe(0);
  return r.stdout;
}

/** The /32 addresses a node holds on its underlay interface. */
async function announced(lab: string, node: string): Promise<string[]> {
  const out = await exec(lab, node, ['ip', '-4', '-o', 'addr', 'show']);
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)].map((m) => m[1]!);
}

async function address(lab: string, target: string): Promise<string> {
  const out = await exec(lab, target, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return /inet (\d+\.\d+\.\d+\.\d+)\/(?!32)/.exec(out)![1]!;
}

describe.each(['iptables', 'nftables'] as const)('load-balancer in %s mode', (mode) => {
  const name = uniqueName(`lb-${mode.slice(0, 3)}`);

  it('comes up, every check passes, and get services shows each EXTERNAL-IP', async () => {
    made.push(name);
    const up = await netlab(['up', 'load-balancer', '--name', name, '--proxy-mode', mode]);
    expect(up.exitCode, up.all).toBe(0);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);

    const get = await netlab(['get', name, 'services', '-A', '--json']);
    expect(get.exitCode, get.all).toBe(0);
    const rows = JSON.parse(get.stdout) as ServiceRow[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('service-test-cluster')?.['port(s)']).toBe('80:30500/TCP');
    expect(byName.get('kube-dns')?.['external-ip']).toBe('<none>');
    const clusterIP = byName.get('service-test-cluster')!['external-ip'];
    const localIP = byName.get('service-test-local')!['external-ip'];
    expect(clusterIP).toMatch(/^\d+\.\d+\.\d+\.2(4\d|5[0-4])$/);
    expect(localIP).toMatch(/^\d+\.\d+\.\d+\.2(4\d|5[0-4])$/);

    // MetalLB layer 2: one node holds each address; Local only where the pods are.
    expect(await announced(name, 'node1')).toEqual([clusterIP]);
    expect(await announced(name, 'node2')).toEqual([localIP]);
  });

  it('the pods see node1 through the Cluster Service and the client itself through the Local one', async () => {
    const external = await address(name, 'external');
    const node1 = await address(name, 'node1');
    const { report } = await checkJson(name);
    const detail = (check: string) => report.checks.find((c) => c.name === check)!.detail;
    expect(detail('the Cluster load balancer hides the client behind node1')).toContain(`client ${node1}:`);
    expect(detail("the Local load balancer keeps the client's address")).toContain(`client ${external}:`);
    expect(detail("node2 serves the Local nodePort with the client's address")).toContain(`client ${external}:`);
  });

  it("has the Local policy's chain on node2 only, with node2's endpoints", async () => {
    if (mode === 'iptables') {
      const node2 = await exec(name, 'node2', ['iptables-save', '-t', 'nat']);
      expect(node2).toMatch(/^-A KUBE-SVL-[A-Z2-7]{16} .*"default\/service-test-local -> 10\.0\.2\.\d+:8080"/m);
      expect(node2).toMatch(/^-A KUBE-EXT-[A-Z2-7]{16} -j KUBE-SVL-/m);
      const node1 = await exec(name, 'node1', ['iptables-save']);
      expect(node1).not.toContain('KUBE-SVL-');
      expect(node1).toContain('"default/service-test-local has no local endpoints"');
    } else {
      const node2 = await exec(name, 'node2', ['nft', 'list', 'table', 'ip', 'kube-proxy']);
      expect(node2).toMatch(/chain local-[A-Z2-7]{8}-default\/service-test-local\/tcp\//);
      const node1 = await exec(name, 'node1', ['nft', 'list', 'table', 'ip', 'kube-proxy']);
      expect(node1).not.toContain('chain local-');
      expect(node1).toMatch(/tcp \. 30600 comment "default\/service-test-local" : drop/);
    }
  });

  it('the exercise: a Cluster policy loses the client, the lab manifests bring it back, and down leaves nothing', async () => {
    const check = "the Local load balancer keeps the client's address";
    const fault = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: service-test-local }',
      'spec:',
      '  type: LoadBalancer',
      '  selector: { app: service_test_pod }',
      '  ports: [{ protocol: TCP, port: 80, targetPort: http, nodePort: 30600 }]',
      '',
    ].join('\n');
    const file = join(await mkdtemp(join(tmpdir(), 'netlab-lb-')), 'cluster-policy.yaml');
    await writeFile(file, fault);
    const applied = await netlab(['apply', name, '-f', file]);
    expect(applied.exitCode, applied.all).toBe(0);
    const broken = await checkJson(name, ['--only', check]);
    expect(broken.exitCode).toBe(1);
    expect(broken.report.checks[0]!.detail).toMatch(/lacks "client \d+\.\d+\.\d+\.\d+:"/);

    const fixed = await netlab(['apply', name, '-f', join(root, 'labs', 'load-balancer', 'manifests.yaml')]);
    expect(fixed.exitCode, fixed.all).toBe(0);
    const again = await checkJson(name, ['--only', check]);
    expect(failures(again.report)).toEqual([]);

    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
