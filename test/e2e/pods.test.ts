// Pods as Kubernetes runs them, on the real engine: Namespace manifests, objects in a missing
// namespace refused at their line, containers that exit (READY 1/2, Error, CrashLoopBackOff,
// Completed, RESTARTS growing), and command/args/env/workingDir reaching the process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engine, netlab, uniqueName, waitFor } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

interface PodRow {
  namespace: string;
  name: string;
  ready: string;
  status: string;
  restarts: string;
  age: string;
  ip: string;
  node: string;
}

async function pods(lab: string, ...flags: string[]): Promise<PodRow[]> {
  const r = await netlab(['get', lab, 'pods', '--json', ...flags]);
  expect(r.exitCode, r.all).toBe(0);
  return JSON.parse(r.stdout) as PodRow[];
}

const podIn = async (lab: string, name: string) => (await pods(lab, '-A')).find((p) => p.name === name);

const LAB = (name: string) => `name: ${name}
workloads:
  - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
  - apiVersion: v1
    kind: Pod
    metadata: { name: web, namespace: shop }
    spec:
      restartPolicy: Never
      containers:
        - { name: app, image: netlab/app }
        - { name: side, image: netlab/app, command: [/bin/sh, -c, "exit 3"] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: crash }
    spec:
      containers:
        - { name: app, image: netlab/app }
        - { name: side, image: netlab/app, command: [/bin/sh, -c, "exit 1"] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: job }
    spec:
      restartPolicy: Never
      containers:
        - { name: once, image: netlab/app, command: [/bin/sh, -c, "echo done"] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: envpod, labels: { tier: front } }
    spec:
      containers:
        - name: app
          image: netlab/app
          workingDir: /var/tmp
          command: [/bin/sh, -c]
          args: ['echo "$(GREETING) $(MY_IP) $(TIER) $$HOME" > /tmp/out; pwd >> /tmp/out; exec sleep 3600']
          env:
            - { name: NAME, value: world }
            - { name: GREETING, value: "hello-$(NAME)" }
            - { name: MY_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }
            - { name: TIER, valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } }
        - { name: alt, image: netlab/app, args: ["--http", "9090"] }
`;

describe('pods as Kubernetes runs them', () => {
  const name = uniqueName('pods');
  const dir = mkdtempSync(join(tmpdir(), 'netlab-pods-'));

  it('refuses an object in a namespace that nothing creates, at its line, before anything runs', async () => {
    const file = join(dir, 'missing.yaml');
    writeFileSync(
      file,
      `name: ${name}\nworkloads:\n  - apiVersion: v1\n    kind: Pod\n    metadata: { name: web, namespace: shop }\n    spec: { containers: [{ name: app, image: netlab/app }] }\n`,
    );
    const r = await netlab(['up', file]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain('missing.yaml:5:39');
    expect(r.all).toContain('Pod web: namespaces "shop" not found');
    expect(r.all).toContain('kind: Namespace, metadata: {name: shop}');
    expect(await (await engine()).listContainers({ label: [`netlab.lab=${name}`] })).toEqual([]);
  });

  it('a sidecar that exits: 1/2 Error (Never), 1/2 CrashLoopBackOff with RESTARTS growing (Always), 0/1 Completed', async () => {
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, LAB(name));
    made.push(name);
    const up = await netlab(['up', file]);
    expect(up.exitCode, up.all).toBe(0);

    await waitFor(async () => (await podIn(name, 'web'))?.status === 'Error', 30_000);
    expect(await podIn(name, 'web')).toMatchObject({ namespace: 'shop', ready: '1/2', status: 'Error', restarts: '0' });
    await waitFor(async () => (await podIn(name, 'job'))?.status === 'Completed', 30_000);
    expect(await podIn(name, 'job')).toMatchObject({ ready: '0/1', restarts: '0' });

    // Docker backs off between restarts as kubelet does; RESTARTS counts them.
    const restarts = async () => Number.parseInt((await podIn(name, 'crash'))?.restarts ?? '0', 10);
    await waitFor(async () => (await restarts()) >= 2, 60_000);
    const first = await restarts();
    await waitFor(async () => (await restarts()) > first, 60_000);
    await waitFor(async () => (await podIn(name, 'crash'))?.status === 'CrashLoopBackOff', 60_000);
    expect((await podIn(name, 'crash'))?.ready).toBe('1/2');
    expect((await podIn(name, 'crash'))?.restarts).toMatch(/^\d+ \(\d+[smh]\S* ago\)$/);

    // Never leaves them as they ended.
    expect(await podIn(name, 'web')).toMatchObject({ status: 'Error', restarts: '0' });

    const table = await netlab(['get', name, 'pods']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE$/);
    expect(table.stdout).toMatch(/\njob\s+0\/1\s+Completed\s+0\s+\d+[smh]\S*\s+10\.0\.1\.\d+\s+node1/);
    expect(table.stdout).not.toContain('web');
    const all = await netlab(['get', name, 'pods', '-A']);
    expect(all.stdout).toMatch(/\nshop\s+web\s+1\/2\s+Error\s+0\s/);
    const status = await netlab(['status', name]);
    expect(status.stdout).toMatch(/pod\s+shop\/web\s+\S+\s+on node1: app, side\s+1\/2 Error/);
  });

  it('command/args/env/workingDir reach the process as kubelet passes them', async () => {
    const ip = (await podIn(name, 'envpod'))!.ip;
    const out = await netlab(['exec', name, 'envpod', '--', 'cat', '/tmp/out']);
    expect(out.exitCode, out.all).toBe(0);
    expect(out.stdout).toBe(`hello-world ${ip} front /root\n/var/tmp`);
    // args alone keep the image's ENTRYPOINT: netlab-app listens on 9090.
    const alt = await netlab(['exec', name, 'envpod', '-c', 'app', '--', 'curl', '-s', '-m', '5', 'http://localhost:9090']);
    expect(alt.stdout).toContain('envpod');
  });

  it('exec takes ns/pod, -n ns pod and pod -c container', async () => {
    const byPath = await netlab(['exec', name, 'shop/web', '--', 'hostname']);
    expect(byPath.stdout.trim(), byPath.all).toBe('web');
    const byFlag = await netlab(['exec', name, '-n', 'shop', 'web', '-c', 'app', '--', 'hostname']);
    expect(byFlag.stdout.trim(), byFlag.all).toBe('web');
    const wrong = await netlab(['exec', name, 'envpod', '-c', 'nope', '--', 'true']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.all).toContain('container nope is not valid for pod envpod');
    const ended = await netlab(['exec', name, 'job', '--', 'true']);
    expect(ended.exitCode).not.toBe(0);
    expect(ended.all).toContain(`${name}-job-once has ended (exit code 0); its pod's restartPolicy does not start it again.`);
    const help = await netlab(['exec', '--help']);
    expect(help.stdout).toContain('-n shop api');
  });

  it('a Namespace is listed, applied, and deleted with everything in it', async () => {
    const ns = await netlab(['get', name, 'namespaces']);
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(ns.stdout).toMatch(/\nshop\s+Active\s+\S+$/m);
    expect(ns.stdout).toMatch(/\nkube-node-lease\s+Active/);

    const extra = join(dir, 'extra.yaml');
    writeFileSync(
      extra,
      `apiVersion: v1\nkind: Pod\nmetadata: { name: more, namespace: shop }\nspec: { containers: [{ name: app, image: netlab/app }] }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: lost, namespace: nowhere }\nspec: { containers: [{ name: app, image: netlab/app }] }\n`,
    );
    const refused = await netlab(['apply', name, '-f', extra]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('extra.yaml:8:36');
    expect(refused.all).toContain('Pod lost: namespaces "nowhere" not found');

    writeFileSync(extra, `apiVersion: v1\nkind: Pod\nmetadata: { name: more, namespace: shop }\nspec: { containers: [{ name: app, image: netlab/app }] }\n`);
    const applied = await netlab(['apply', name, '-f', extra]);
    expect(applied.exitCode, applied.all).toBe(0);
    expect((await pods(name, '-n', 'shop')).map((p) => p.name).sort()).toEqual(['more', 'web']);
    // The `up` under apply started no container that kubelet would leave ended (restartPolicy Never).
    expect(await podIn(name, 'web')).toMatchObject({ ready: '1/2', status: 'Error', restarts: '0' });

    const del = await netlab(['delete', name, 'namespace/shop']);
    expect(del.exitCode, del.all).toBe(0);
    expect(del.all).toContain('deleted namespace/shop and its 2 object(s)');
    expect((await netlab(['get', name, 'namespaces'])).stdout).not.toContain('shop');
    expect((await pods(name, '-A')).map((p) => p.name).sort()).toEqual(['crash', 'envpod', 'job']);
    const left = await (await engine()).listContainers({ label: [`netlab.lab=${name}`, 'netlab.namespace=shop'] });
    expect(left).toEqual([]);
    const gone = await netlab(['get', name, 'pods', '-n', 'shop']);
    expect(gone.stderr).toContain('No resources found in shop namespace.');
  });
});
