// Stable workloads on a real engine: a change to one object (scale, apply, delete) touches only
// what that object owns. Every other pod keeps its node, its IP and its containers (same IDs,
// never restarted), and the lab's checks still pass.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL_NODE, LABEL_POD_IP } from '../../src/core/labels.js';
import { checkJson, engine, failures, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-stable-'));
const labFile = join(dir, 'lab.yaml');

const deployment = (name: string, replicas: number) => `  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: ${name} }
    spec:
      replicas: ${replicas}
      selector: { matchLabels: { app: ${name} } }
      template:
        metadata: { labels: { app: ${name} } }
        spec:
          containers:
            - { name: app, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }
`;

const service = (name: string, port: number) => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ port: ${port}, targetPort: 8080 }]
`;

writeFileSync(
  labFile,
  `name: stable
topology:
  nodes:
    - { name: node1, podCIDR: 10.0.1.0/24 }
    - { name: node2, podCIDR: 10.0.2.0/24 }
workloads:
${deployment('web', 2)}${deployment('api', 2)}  - apiVersion: v1
    kind: Pod
    metadata: { name: client, labels: { app: client } }
    spec:
      nodeName: node1
      containers:
        - { name: app, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }
${[service('web', 80), service('api', 80)].map((s) => `  - ${s.trimEnd().split('\n').join('\n    ')}\n`).join('')}checks:
  - { name: client reaches web by name, from: client, to: "web:80", by: dns, contains: Hello from web, wait: 3 }
  - { name: client reaches web-0, from: client, to: "web-0:http", contains: Hello from web-0 }
  - { name: web-0 reaches the client, from: web-0, to: "client:http", contains: Hello from client }
`,
);

interface Seen {
  id: string;
  startedAt: string;
  /** The pod's IP and node, on its sandbox. */
  where?: string;
}

/** Every container of the lab by name: its ID, when it started, and (sandboxes) the pod's IP and node. */
async function snapshot(lab: string): Promise<Map<string, Seen>> {
  const e = await engine();
  const containers = await e.listContainers({ label: [`netlab.lab=${lab}`] });
  const seen = new Map<string, Seen>();
  for (const c of containers) {
    const info = await e.inspectContainer(c.Id);
    if (!info) continue;
    const ip = c.Labels[LABEL_POD_IP];
    seen.set(c.Names[0]!.replace(/^\//, ''), {
      id: c.Id,
      startedAt: info.State.StartedAt,
      ...(ip ? { where: `${c.Labels[LABEL_NODE]} ${ip}` } : {}),
    });
  }
  return seen;
}

/** Every container in `before` but those of the pods in `gone` is still there, the same. */
function expectKept(before: Map<string, Seen>, after: Map<string, Seen>, lab: string, gone: string[] = []): void {
  const owned = (name: string) => gone.some((pod) => name === `${lab}-${pod}` || name.startsWith(`${lab}-${pod}-`));
  const kept = [...before.keys()].filter((n) => !owned(n) && !n.endsWith('.lock'));
  expect(kept.length).toBeGreaterThan(10);
  for (const name of kept) expect(after.get(name), name).toEqual(before.get(name));
  for (const name of [...before.keys()].filter(owned)) expect(after.has(name), `${name} is removed`).toBe(false);
}

function added(before: Map<string, Seen>, after: Map<string, Seen>): string[] {
  return [...after.keys()].filter((n) => !before.has(n) && !n.endsWith('.lock')).sort();
}

async function expectChecksPass(lab: string): Promise<void> {
  const { exitCode, report } = await checkJson(lab);
  expect(failures(report)).toEqual([]);
  expect(exitCode).toBe(0);
}

async function curl(lab: string, url: string): Promise<string> {
  const r = await netlab(['exec', lab, 'client', '--', 'curl', '-s', '-m', '3', url]);
  return r.stdout;
}

describe('a change touches only what the changed object owns', () => {
  const name = uniqueName('stable');
  afterAll(async () => {
    await netlab(['down', name]);
    rmSync(dir, { recursive: true, force: true });
  });
  let state = new Map<string, Seen>();

  it('comes up with both Deployments spread round-robin, and its checks pass', async () => {
    const r = await netlab(['up', labFile, '--name', name]);
    expect(r.exitCode, r.all).toBe(0);
    state = await snapshot(name);
    const pods = Object.fromEntries([...state].filter(([, s]) => s.where).map(([n, s]) => [n.slice(name.length + 1), s.where]));
    expect(pods).toEqual({
      'web-0': 'node1 10.0.1.2',
      'web-1': 'node2 10.0.2.2',
      'api-0': 'node1 10.0.1.3',
      'api-1': 'node2 10.0.2.3',
      client: 'node1 10.0.1.4',
      'kube-system-coredns': 'node1 10.0.1.5',
    });
    await expectChecksPass(name);
  });

  it('scaling web up adds one pod where web has fewest pods, then the fewest pods, and moves nothing', async () => {
    const r = await netlab(['scale', name, 'deployment/web', '--replicas', '3']);
    expect(r.exitCode, r.all).toBe(0);
    const now = await snapshot(name);
    expectKept(state, now, name);
    expect(added(state, now)).toEqual([`${name}-web-2`, `${name}-web-2-app`]);
    // web has one pod on each node; node2 holds 2 pods, node1 4.
    expect(now.get(`${name}-web-2`)!.where).toBe('node2 10.0.2.4');
    expect(await curl(name, 'http://10.0.2.4:8080')).toContain('Hello from web-2');
    await expectChecksPass(name);
    state = now;
  });

  it('scaling web down removes its highest-numbered replicas only', async () => {
    const r = await netlab(['scale', name, 'deployment/web', '--replicas', '1']);
    expect(r.exitCode, r.all).toBe(0);
    const now = await snapshot(name);
    expectKept(state, now, name, ['web-1', 'web-2']);
    expect(added(state, now)).toEqual([]);
    await expectChecksPass(name);
    state = now;
  });

  it('applying a changed Service touches no container', async () => {
    const file = join(dir, 'api-service.yaml');
    writeFileSync(file, service('api', 8081));
    const r = await netlab(['apply', name, '-f', file]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await curl(name, 'http://api:8081')).toMatch(/Hello from api-[01]/);
    const now = await snapshot(name);
    expectKept(state, now, name);
    expect(added(state, now)).toEqual([]);
    await expectChecksPass(name);
  });

  it("deleting api's Deployment removes its pods only", async () => {
    const r = await netlab(['delete', name, 'deployment/api']);
    expect(r.exitCode, r.all).toBe(0);
    const now = await snapshot(name);
    expectKept(state, now, name, ['api-0', 'api-1']);
    expect(added(state, now)).toEqual([]);
    await expectChecksPass(name);
    state = now;
  });

  it('up of the running lab changes nothing; scaling back up reuses no address a pod holds', async () => {
    const again = await netlab(['up', labFile, '--name', name]);
    expect(again.exitCode, again.all).toBe(0);
    expectKept(state, await snapshot(name), name);
    const r = await netlab(['scale', name, 'deployment/web', '--replicas', '2']);
    expect(r.exitCode, r.all).toBe(0);
    const now = await snapshot(name);
    expectKept(state, now, name);
    // web has its one pod on node1: web-1 goes to node2, whose addresses are all free again.
    expect(now.get(`${name}-web-1`)!.where).toBe('node2 10.0.2.2');
    const ips = [...now.values()].flatMap((s) => (s.where ? [s.where.split(' ')[1]] : []));
    expect(new Set(ips).size).toBe(ips.length);
    await expectChecksPass(name);
    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
