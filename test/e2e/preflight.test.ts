// Preflight on the real engine: `up` checks subnets, nodePorts and images before it creates,
// removes or replaces anything. A lab over docker0, or publishing a port another lab holds,
// creates nothing; a failed `up` of a running lab leaves it running as it was. And a course's lab
// file, by path, grades exercises.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHolds } from '../../src/cluster/preflight.js';
import { resolveLabFile } from '../../src/labfile/load.js';
import { checkJson, engine, failures, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-preflight-'));
const made = new Set<string>();

afterAll(async () => {
  for (const name of made) await netlab(['down', name]);
  rmSync(dir, { recursive: true, force: true });
});

/** pod-to-pod (one node, three pods, inline manifests) under another name, optionally on an underlay. */
function podToPod(file: string, name: string, underlay?: string): string {
  const text = readFileSync(resolveLabFile('pod-to-pod'), 'utf8')
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/^topology:\n/m, underlay ? `topology:\n  underlay: ${underlay}\n` : 'topology:\n');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** docker0: the engine's default `bridge` network, as the engine reports it. */
async function docker0(): Promise<{ subnet: string; bridge?: string }> {
  const networks = await (await engine()).listNetworks({ name: ['bridge'] });
  const bridge = networks.find((n) => n.Name === 'bridge');
  const subnet = bridge?.IPAM?.Config?.find((c) => c.Subnet?.includes('.'))?.Subnet;
  if (!bridge || !subnet) throw new Error('this engine has no default bridge network with an IPv4 subnet');
  return { subnet, bridge: bridge.Options?.['com.docker.network.bridge.name'] };
}

/** A /24 (or smaller) inside docker0's subnet: an underlay that overlaps it. */
function inside(subnet: string): string {
  const [base, prefix] = subnet.split('/');
  return `${base}/${Math.min(28, Math.max(24, Number(prefix)))}`;
}

/** A /24 in 172.29.0.0/16 that no network on the engine uses. */
async function freeUnderlay(): Promise<string> {
  const used = new Set((await (await engine()).listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet)));
  for (let tries = 0; tries < 200; tries++) {
    const candidate = `172.29.${10 + Math.floor(Math.random() * 240)}.0/24`;
    if (!used.has(candidate)) return candidate;
  }
  throw new Error('no free /24 in 172.29.0.0/16');
}

/** Every container of a lab: id, name, state. */
async function containersOf(lab: string): Promise<string[]> {
  const list = await (await engine()).listContainers({ label: [`netlab.lab=${lab}`] });
  return list.map((c) => `${c.Id} ${c.Names[0]} ${c.State}`).sort();
}

describe('preflight', () => {
  it('an underlay over docker0 creates nothing, and names the line and the network', async () => {
    const name = uniqueName('pfdock');
    made.add(name);
    const { subnet, bridge } = await docker0();
    const underlay = inside(subnet);
    const file = podToPod(join(dir, 'dock', 'lab.yaml'), name, underlay);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    const r = await netlab(['up', file]);
    expect(r.exitCode, r.all).toBe(2);
    // Line 9 is `underlay:`, its value at column 13.
    expect(r.stderr).toMatch(new RegExp(`lab\\.yaml:9:13: underlay ${underlay.replace(/\./g, '\\.')} overlaps Docker network bridge`));
    if (bridge) expect(r.stderr).toContain(`Docker network bridge (${bridge}) ${subnet}`);
    expect(r.stderr).toContain('Nothing was created.');
    expect(r.stderr).toMatch(/hint: pick another subnet for topology\.underlay .*let netlab choose/);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('two labs publishing one nodePort: the second names the first one’s container and creates nothing', async () => {
    let port = 0;
    for (let tries = 0; tries < 20 && !port; tries++) {
      const candidate = 30000 + Math.floor(Math.random() * 2700);
      if (!(await hostHolds(candidate, 'tcp'))) port = candidate;
    }
    const file = join(dir, 'published.yaml');
    writeFileSync(
      file,
      `name: published
topology:
  nodes: [{ name: node1 }]
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: { name: web, labels: { app: web } }
    spec:
      containers:
        - { name: app, image: netlab/app, ports: [{ containerPort: 8080 }] }
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
    spec:
      type: NodePort
      selector: { app: web }
      ports:
        - { port: 80, targetPort: 8080, nodePort: ${port} }
`,
    );
    const first = uniqueName('pfpub1');
    const second = uniqueName('pfpub2');
    made.add(first).add(second);

    const up = await netlab(['up', file, '--name', first, '--publish']);
    expect(up.exitCode, up.all).toBe(0);
    // Published as asked: the first lab's node holds the port.
    expect((await netlab(['up', file, '--name', first, '--publish'])).stdout).toContain('nothing changed');

    const r = await netlab(['up', file, '--name', second, '--publish']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `published\\.yaml:18:11: Service web port 80/TCP \\(nodePort ${port}\\) cannot be published: container ${first}-node1 of lab ${first} holds 127\\.0\\.0\\.1:${port}`,
      ),
    );
    expect(r.stderr).toContain(`netlab down ${first}`);
    expect(r.stderr).toContain('Nothing was created.');
    expect(await labObjects(second)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    expect((await netlab(['down', first])).exitCode).toBe(0);
    if ((await engine()).endpoint.local) {
      // A process on this host (this test) holds it now.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port }, resolve));
      try {
        const held = await netlab(['up', file, '--name', second, '--publish']);
        expect(held.exitCode, held.all).toBe(2);
        expect(held.stderr).toContain(`a process on this host holds 127.0.0.1:${port}`);
        expect(await labObjects(second)).toEqual({ containers: 0, networks: 0, volumes: 0 });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('a failed up of a running lab leaves it running as it was; a free new underlay replaces its network', async () => {
    const name = uniqueName('pfrun');
    made.add(name);
    const good = podToPod(join(dir, 'run', 'lab.yaml'), name);
    const up = await netlab(['up', good]);
    expect(up.exitCode, up.all).toBe(0);
    const before = await containersOf(name);
    expect(before.length).toBeGreaterThan(0);
    const networkBefore = (await (await engine()).listNetworks({ label: [`netlab.lab=${name}`] })).map((n) => n.Id);

    // The same lab, asked onto a subnet inside docker0's.
    const { subnet } = await docker0();
    const bad = podToPod(join(dir, 'run-bad', 'lab.yaml'), name, inside(subnet));
    const r = await netlab(['up', bad]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/lab\.yaml:9:13: underlay .* overlaps Docker network bridge/);
    expect(r.stderr).toContain(`Nothing was changed: lab ${name} runs as it was.`);

    expect(await containersOf(name)).toEqual(before);
    expect((await (await engine()).listNetworks({ label: [`netlab.lab=${name}`] })).map((n) => n.Id)).toEqual(networkBefore);
    const checked = await checkJson(name);
    expect(failures(checked.report)).toEqual([]);
    expect(checked.exitCode).toBe(0);

    // A free subnet is taken: the network is replaced (the engine tried it first), and the lab works on it.
    const underlay = await freeUnderlay();
    const moved = await netlab(['up', podToPod(join(dir, 'run-moved', 'lab.yaml'), name, underlay)]);
    expect(moved.exitCode, moved.all).toBe(0);
    const networks = await (await engine()).listNetworks({ label: [`netlab.lab=${name}`] });
    expect(networks.map((n) => [n.Name, n.IPAM?.Config?.[0]?.Subnet])).toEqual([[`netlab-${name}`, underlay]]);
    const again = await checkJson(name);
    expect(failures(again.report)).toEqual([]);

    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it("--exercise with a course's lab file by path: on the lab it names, and on a copy under another name (--checks)", async () => {
    const name = uniqueName('pfcourse');
    const copy = uniqueName('pfstudent');
    made.add(name).add(copy);
    const course = join(dir, 'course', 'lab1');
    const file = podToPod(join(course, 'lab.yaml'), name);

    // The exercise, started from the path: the lab it names comes up broken.
    const start = await netlab(['exercise', course, '1']);
    expect(start.exitCode, start.all).toBe(0);
    const graded = await netlab(['grade', file, '--exercise', '1', '--json']);
    expect(graded.exitCode, graded.all).toBe(1);
    const grade = JSON.parse(graded.stdout) as { lab: string; exercise?: string; checks: { name: string; ok: boolean }[] };
    expect(grade.lab).toBe(name);
    expect(grade.exercise).toBe('bridge-down');
    expect(grade.checks.map((c) => c.name).sort()).toEqual(['pod-a pings pod-c', 'pod-a reaches pod-b', 'pod-b reaches pod-c']);
    expect(grade.checks.filter((c) => c.ok)).toEqual([]);
    // `check` takes --exercise too, with the folder as the path.
    const checked = await checkJson(course, ['--exercise', 'bridge-down']);
    expect(checked.exitCode).toBe(1);
    expect(checked.report.checks.map((c) => c.name).sort()).toEqual(['pod-a pings pod-c', 'pod-a reaches pod-b', 'pod-b reaches pod-c']);

    // A student's copy under another name, graded with the course file's checks and exercises.
    const up = await netlab(['up', 'pod-to-pod', '--name', copy]);
    expect(up.exitCode, up.all).toBe(0);
    const student = await netlab(['grade', copy, '--checks', course, '--exercise', 'bridge-down', '--json']);
    expect(student.exitCode, student.all).toBe(0);
    const studentGrade = JSON.parse(student.stdout) as { lab: string; exercise?: string; checks: { ok: boolean }[] };
    expect(studentGrade.lab).toBe(copy);
    expect(studentGrade.exercise).toBe('bridge-down');
    expect(studentGrade.checks).toHaveLength(3);

    for (const lab of [name, copy]) {
      expect((await netlab(['down', lab])).exitCode).toBe(0);
      expect(await labObjects(lab)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    }
  });
});
