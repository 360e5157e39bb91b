// The CLI's promises on a real engine: bad input creates nothing, an interrupted or crashed `up`
// is resumable and removable, and the inspection commands tell the truth.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CheckJson, checkJson, engine, failures, labObjects, netlab, netlabSpawn, uniqueName, waitFor } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

describe('bad lab files', () => {
  it('name the file, line and fix, exit non-zero and create nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-bad-'));
    const name = uniqueName('bad');
    const file = join(dir, 'lab.yaml');
    writeFileSync(
      file,
      [
        `name: ${name}`,
        'topology:',
        '  nodes:',
        '    - name: node1',
        '      podCIDR: 10.0.1.5/24',
        'workloads:',
        '  - apiVersion: v1',
        '    kind: Pod',
        '    metadata: { name: web }',
        '    spec:',
        '      nodeName: node1',
        '      containers:',
        '        - { name: app, image: netlab/app, ports: [{ containerPort: 8080 }] }',
        '        - { name: side, image: netlab/app, ports: [{ containerPort: 8080 }] }',
        '',
      ].join('\n'),
    );
    const r = await netlab(['up', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`lab.yaml:5:16:`);
    expect(r.stderr).toMatch(/10\.0\.1\.0\/24/); // the hint says what to write instead
    expect(r.stderr).toMatch(/lab\.yaml:14:\d+: port 8080\/TCP is already used by container app/);
    expect(r.stderr).toMatch(/hint: containers of a pod share one network namespace/);
    expect(r.stderr).toMatch(/nothing was created/);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('an unknown lab name lists the labs there are', async () => {
    const r = await netlab(['up', 'no-such-lab']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/multi-node/);
  });

  it('an image the engine lacks (imagePullPolicy: Never) is named with its line before anything is created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-image-'));
    const name = uniqueName('noimg');
    const file = join(dir, 'lab.yaml');
    writeFileSync(
      file,
      `name: ${name}\nworkloads:\n  - apiVersion: v1\n    kind: Pod\n    metadata: { name: web }\n    spec:\n      containers:\n        - { name: app, image: netlab-test/not-here:1, imagePullPolicy: Never }\n`,
    );
    const r = await netlab(['up', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/lab\.yaml:8:\d+ \(pod web, container app\): container image "netlab-test\/not-here:1" is not present with pull policy of Never/);
    expect(r.stderr).toContain('Nothing was created.');
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('an empty --name is refused, not taken as the shared lab', async () => {
    const before = await labObjects('pod-to-service');
    const r = await netlab(['up', 'pod-to-service', '--name', '']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('lab name "" is not a valid name');
    expect(await labObjects('pod-to-service')).toEqual(before);
  });
});

describe('interrupted and crashed bring-up', () => {
  it('Ctrl-C during up leaves a lab that the next up completes', async () => {
    const name = uniqueName('int');
    made.push(name);
    const child = netlabSpawn(['up', 'multi-node', '--name', name]);
    // Interrupt once the first containers exist, i.e. truly half-way.
    await waitFor(async () => (await labObjects(name)).containers >= 2, 30_000);
    child.kill('SIGINT');
    const r = await child;
    expect([0, 130]).toContain(r.exitCode);
    if (r.exitCode === 130) expect(r.all).toMatch(/netlab up .* again/);
    const again = await netlab(['up', name]);
    expect(again.exitCode, again.all).toBe(0);
    const { report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
  });

  it('down removes everything after up was killed half-way', async () => {
    const name = uniqueName('kill');
    made.push(name);
    const child = netlabSpawn(['up', 'multi-node', '--name', name]);
    await waitFor(async () => (await labObjects(name)).containers >= 3, 30_000);
    child.kill('SIGKILL');
    await child;
    expect((await labObjects(name)).containers).toBeGreaterThan(0);
    const r = await netlab(['down', name]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

describe('looking at a lab', () => {
  const name = uniqueName('look');

  it('status, exec, list and check --json describe the running lab', async () => {
    made.push(name);
    expect((await netlab(['up', 'multi-node', '--name', name])).exitCode).toBe(0);

    const status = await netlab(['status', name]);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/node\s+node1\s+\S+\.11\s+pods 10\.0\.1\.0\/24, cbr0 10\.0\.1\.1\s+running/);
    expect(status.stdout).toMatch(/pod\s+server-1\s+10\.0\.2\.2\s+on node2: app\s+1\/1 Running/);

    const all = await netlab(['status']);
    expect(all.stdout).toContain(name);

    const route = await netlab(['exec', name, 'router', '--', 'ip', 'route']);
    expect(route.exitCode).toBe(0);
    expect(route.stdout).toMatch(/10\.0\.2\.0\/24 via \S+\.12/);
    const inPod = await netlab(['exec', name, 'server-1', '--', 'sh', '-c', 'echo $POD_NAME; exit 3']);
    expect(inPod.stdout.trim()).toBe('server-1');
    expect(inPod.exitCode).toBe(3);
    // -i passes stdin through, its end is the command's EOF; without -i the command gets none, as kubectl exec.
    const input = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n');
    const piped = await netlab(['exec', name, 'server-1', '-i', '--', 'sh', '-c', 'wc -l; exit 4'], { input });
    expect(piped.stdout.trim()).toBe('19999');
    expect(piped.exitCode).toBe(4);
    const unpiped = await netlab(['exec', name, 'server-1', '--', 'wc', '-c'], { input });
    expect(unpiped.stdout.trim()).toBe('0');
    expect(unpiped.exitCode).toBe(0);

    const toolbox = await netlab(['exec', name, 'toolbox', '--', 'id']);
    expect(toolbox.exitCode).toBe(2);
    expect(toolbox.stderr).toContain("The toolbox is netlab's own container");
    expect(toolbox.stdout).not.toContain('uid=');

    const { exitCode, report } = await checkJson(name);
    expect(exitCode).toBe(0);
    expect(report.lab).toBe(name);
    expect(report.ok).toBe(true);
    for (const c of report.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['detail', 'expect', 'from', 'ms', 'name', 'ok', 'to']));

    const plain = await netlab(['check', name]);
    expect(plain.stdout).toMatch(/^PASS .*via router/m);
    expect(plain.stdout).toMatch(/7 passed, 0 failed/);
  });

  it('every container has memory, CPU and process limits; a pod sees its own', async () => {
    const e = await engine();
    const containers = await e.listContainers({ label: [`netlab.lab=${name}`] });
    expect(containers.length).toBeGreaterThan(8);
    for (const c of containers) {
      const host = (await e.inspectContainer(c.Id))!.HostConfig;
      expect([c.Names[0], host.Memory! > 0, host.NanoCpus! > 0, (host.PidsLimit ?? 0) > 0]).toEqual([c.Names[0], true, true, true]);
    }
    const max = await netlab(['exec', name, 'server-1', '--', 'cat', '/sys/fs/cgroup/pids/pids.max']);
    expect(max.stdout.trim()).toBe('256');
  });

  it("--checks FILE runs and grades only an instructor's checks, and names the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-instructor-'));
    const file = join(dir, 'checks.yaml');
    writeFileSync(
      file,
      'checks:\n  - { name: across nodes, from: client, to: "server-1:http", points: 3 }\n  - { name: no such port, from: client, to: "server-1:9", probe: tcp }\n',
    );
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const checked = await netlab(['check', name, '--checks', file, '--json']);
    const report = JSON.parse(checked.stdout) as CheckJson & { checkFile: { path: string; sha256: string } };
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['across nodes', true],
      ['no such port', false],
    ]);
    expect(report.checkFile).toEqual({ path: file, sha256 });
    expect(checked.exitCode).toBe(1);
    const graded = await netlab(['grade', name, '--checks', file]);
    expect(graded.exitCode).toBe(1);
    expect(graded.stdout).toContain('score 3/4');
    expect(graded.stdout).toContain(`checks from ${file} (sha256 ${sha256})`);
  });

  it('--debug and NETLAB_DEBUG=1 trace every engine call and toolbox request on stderr, with durations', async () => {
    const traced = await netlab(['check', name, '--debug']);
    expect(traced.exitCode, traced.stderr).toBe(0);
    expect(traced.stdout).toMatch(/7 passed, 0 failed/);
    expect(traced.stderr).toMatch(/^netlab \+\d+\.\d{3}s docker ping \d+ms$/m);
    expect(traced.stderr).toMatch(/^netlab \+\d+\.\d{3}s docker containers list \{"label":\["netlab\.lab=[^"]+"\]\} \d+ms \d+ found$/m);
    expect(traced.stderr).toMatch(/^netlab \+\d+\.\d{3}s toolbox \d+ probe\(s\) \d+ms \| \{"parallel":\d+,"steps":\[.+$/m);
    expect(traced.stderr).toMatch(
      new RegExp(`^netlab \\+\\d+\\.\\d{3}s docker exec ${name}\\.toolbox \\(stdin \\d+ bytes\\) \\d+ms exit 0 \\| /usr/local/bin/netlab-agent$`, 'm'),
    );
    expect(traced.stderr).not.toMatch(/\| sh -[cs]\b/);
    const byEnv = await netlab(['status', name], { env: { NETLAB_DEBUG: '1' } });
    expect(byEnv.stderr).toMatch(/ docker containers list .* \d+ms \d+ found$/m);
    const quiet = await netlab(['status', name]);
    expect(quiet.stderr).toBe('');
  });

  it('doctor finds the engine, the kernel features and the images', async () => {
    const r = await netlab(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { ok: boolean; findings: { name: string; ok: boolean }[] };
    const names = report.findings.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['engine', 'images', 'nf_tables', 'iptables', 'cni-plugins', 'bridge-netfilter']));
    expect(report.findings.filter((f) => !f.ok)).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});
