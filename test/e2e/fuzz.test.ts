// Fuzzing on the real engine (issue 8): a lab whose every free-text field carries shell
// payloads that try to create a canary file (titles, annotations, env values, a command's
// arguments, check names and messages, `contains`, names for PTR lookups, exercise texts),
// brought up with `netlab up --name`, then checked and graded with an instructor's check file
// full of them (`check --checks`, `grade --checks`) and with check files the fuzzer writes:
// the canary exists neither on the host nor in any container of the lab (toolbox included),
// read through /proc/<pid>/root/tmp. Then lab files and check files the loader refuses,
// mutated by the fuzzer: each is refused by the CLI with file:line:column, and leaves nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadLab } from '../../src/labfile/load.js';
import { canariesIn, canaryPath, checksArb, mutationArb, mutateText, shellPayloads } from '../helpers/fuzz.js';
import { engine, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-fuzz-e2e-'));
const canary = canaryPath();
const payloads = shellPayloads(canary);
/** The payload for the i-th field (each field gets another, round the list). */
const p = (i: number) => payloads[i % payloads.length]!;
const lab = uniqueName('fuzz');
const made = new Set<string>();
const tally = { payloads: payloads.length, checksRun: 0, containersScanned: 0, refused: 0, canaries: 0 };

/** A lab with a payload in every field that takes free text: names must be DNS labels, so they carry none. */
function payloadLab(): unknown {
  return {
    name: 'fuzz',
    title: p(0),
    description: p(1),
    topology: { routing: 'direct', nodes: [{ name: 'node1', podCIDR: '10.0.1.0/24' }] },
    workloads: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', annotations: { note: p(2) } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' }, annotations: { note: p(3) } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'netlab/app',
                  env: payloads.slice(0, 8).map((v, i) => ({ name: `PAYLOAD_${i}`, value: v })),
                  ports: [{ name: 'http', containerPort: 8080 }],
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'client', labels: { app: 'client' } },
        spec: {
          containers: [
            { name: 'app', image: 'netlab/app', env: [{ name: 'X', value: p(4) }], ports: [{ containerPort: 8080 }] },
            // A command whose arguments are payloads: as argv they are data ($1, $2... of a script
            // that ignores them); joined into a shell command line anywhere, they would run.
            { name: 'args', image: 'netlab/app', command: ['sh', '-c', 'exec sleep infinity'], args: payloads, env: [{ name: 'Y', value: p(5) }] },
          ],
        },
      },
    ],
    checks: payloadChecks(10),
    exercises: [
      {
        id: 'broken',
        title: { en: p(5), ko: p(6) },
        instructions: { en: p(7), ko: p(8) },
        hints: [{ en: p(9), ko: p(10) }],
        faults: [{ delete: 'service/web' }],
        checks: [`web by name ${p(10)}`],
        solution: [p(11)],
      },
    ],
  };
}

/** Checks whose every string that reaches a probe, a report or a grade is a payload. */
function payloadChecks(from: number): unknown[] {
  return [
    { name: `web by name ${p(from)}`, from: 'client', to: 'service/web:http', by: 'dns', contains: 'Hello', wait: 10, pass: p(from + 2), fail: p(from + 3) },
    { name: `ptr ${p(from + 4)}`, from: 'client', probe: 'dns', record: 'PTR', to: `${p(from + 4)}.in-addr.arpa`, hint: p(from + 5) },
    { name: `ptr of an address ${p(from + 6)}`, from: 'client', probe: 'dns', record: 'PTR', to: '10.0.1.2', needs: [`web by name ${p(from)}`] },
    { name: `a name ${p(from + 7)}`, from: 'client', probe: 'dns', to: 'web.default.svc.cluster.local', level: 'warning' },
    { name: `http ${p(from + 8)}`, from: 'client', to: 'web:80', contains: p(from + 9), points: 3, hint: p(from + 1) },
    { name: `ping ${p(from + 10)}`, from: 'node1', to: 'client', probe: 'ping', fail: p(from + 11) },
  ];
}

/** Where the canary (or `path`) is: on the host, or in the root of a running container of the lab, toolbox included. */
async function canaryFound(name: string, path = canary): Promise<{ found: string[]; scanned: string[] }> {
  const found = canariesIn(path).map((f) => `host ${f}`);
  const e = await engine();
  const containers = await e.listContainers({ label: [`netlab.lab=${name}`] });
  const scanned: string[] = [];
  for (const c of containers) {
    const pid = await e.pidOf(c.Id);
    if (!pid) continue;
    const where = `${c.Names[0]} (${c.Labels['netlab.role']})`;
    scanned.push(where);
    for (const f of canariesIn(path, `/proc/${pid}/root`)) found.push(`${where} ${f.replace(`/proc/${pid}/root`, '')}`);
  }
  return { found, scanned };
}

beforeAll(() => {
  for (const f of canariesIn(canary)) rmSync(f, { force: true });
});

afterAll(async () => {
  console.log(
    `fuzz e2e: ${tally.payloads} payloads, ${tally.checksRun} checks run, ${tally.containersScanned} containers scanned, ${tally.refused} refused inputs, ${tally.canaries} canaries`,
  );
  for (const name of made) await netlab(['down', name]);
  for (const name of made) expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  rmSync(dir, { recursive: true, force: true });
  for (const f of canariesIn(canary)) rmSync(f, { force: true });
});

const LOCATED = /\.yaml:\d+:\d+: /;
/** CLI runs at once (each mostly waits for node to start and the engine to answer). */
const AT_ONCE = 3;

/** `fn` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('fuzzing on the real engine', () => {
  const labFile = join(dir, 'lab.yaml');
  const checksFile = join(dir, 'checks.yaml');

  it('payloads in every field that reaches a probe, the toolbox, a container or a report run nowhere', async () => {
    writeFileSync(labFile, stringify(payloadLab()));
    writeFileSync(checksFile, stringify({ checks: payloadChecks(0) }));
    // Both are accepted (else this would prove nothing).
    await loadLab(labFile);
    await loadLab(labFile, { checksFile });

    made.add(lab);
    const up = await netlab(['up', labFile, '--name', lab]);
    expect(up.exitCode, up.all).toBe(0);

    const check = await netlab(['check', lab, '--json']);
    expect([0, 1, 3], check.all).toContain(check.exitCode);
    const own = JSON.parse(check.stdout) as { checks: { name: string; detail: string }[] };
    // Names come back as written: data, never split or expanded.
    expect(own.checks.map((c) => c.name)).toEqual((payloadChecks(10) as { name: string }[]).map((c) => c.name));

    const instructor = await netlab(['check', lab, '--checks', checksFile, '--json']);
    expect([0, 1, 3], instructor.all).toContain(instructor.exitCode);
    expect((JSON.parse(instructor.stdout) as { checks: unknown[] }).checks).toHaveLength(6);
    // The checks ran for real: the Service answers by name, through the pod's resolver.
    const byName = (JSON.parse(instructor.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks[0]!;
    expect(byName, JSON.stringify(byName)).toMatchObject({ ok: true, detail: expect.stringMatching(/HTTP 200/) });

    const grade = await netlab(['grade', lab, '--checks', checksFile, '--json']);
    expect([0, 1, 3], grade.all).toContain(grade.exitCode);
    expect(JSON.parse(grade.stdout)).toMatchObject({ lab });

    tally.checksRun += own.checks.length + 6 + 6;
    const { found, scanned } = await canaryFound(lab);
    tally.containersScanned = scanned.length;
    tally.canaries += found.length;
    expect(
      scanned.some((s) => s.includes('(toolbox)')),
      scanned.join(', '),
    ).toBe(true);
    expect(scanned.length).toBeGreaterThanOrEqual(5);
    expect(found, `canary ${canary} created`).toEqual([]);

    // The scan sees what it looks for: a file made in a pod's /tmp is found there, and only there.
    const e = await engine();
    const [app] = await e.listContainers({ label: [`netlab.lab=${lab}`, 'netlab.role=container'] });
    const probe = `${canaryPath()}-selfcheck`;
    expect((await e.exec(app!.Id, ['touch', probe])).exitCode).toBe(0);
    expect((await canaryFound(lab, probe)).found).toEqual([`${app!.Names[0]} (container) ${probe}`]);
    await e.exec(app!.Id, ['rm', '-f', probe]);
  });

  it('check files the fuzzer writes that the loader accepts run, and their payloads run nowhere', async () => {
    const accepted: string[] = [];
    // Checks written field by field (a fixed seed: the same files every run), as the unit fuzz writes them.
    for (const checks of fc.sample(checksArb(canary), { numRuns: 100, seed: 8 })) {
      if (accepted.length >= 3) break;
      const file = join(dir, `written-${accepted.length}.yaml`);
      writeFileSync(file, stringify({ checks }));
      try {
        await loadLab(labFile, { checksFile: file });
        accepted.push(file);
      } catch {}
    }
    expect(accepted).toHaveLength(3);
    await pool(accepted, AT_ONCE, async (file) => {
      const r = await netlab(['check', lab, '--checks', file, '--json']);
      expect([0, 1, 3], r.all).toContain(r.exitCode);
      tally.checksRun += (JSON.parse(r.stdout) as { checks: unknown[] }).checks.length;
    });
    const { found } = await canaryFound(lab);
    tally.canaries += found.length;
    expect(found, `canary ${canary} created`).toEqual([]);
  });

  it('check files the loader refuses are refused by check and grade with file:line:column, and change nothing', async () => {
    const before = await labObjects(lab);
    const texts = [
      `checks:\n  - { name: a, from: client, to: "web:80" }\nbomb: {a0: &a0 [x, x, x, x, x, x, x, x, x, x], a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0], a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1], a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]}\n`,
      `checks:\n  ${'- '.repeat(5000)}x\n`,
      `checks:\n  - { name: "a\\0", from: client, to: "web:80" }\n`,
      `checks:\n  - { name: a, from: "${p(0).replace(/"/g, '')}", to: "web:80" }\n`,
    ];
    const runs = texts.flatMap((text, i) => {
      const file = join(dir, `bad-checks-${i}.yaml`);
      writeFileSync(file, text);
      return ['check', 'grade'].map((command) => [command, lab, '--checks', file]);
    });
    await pool(runs, AT_ONCE, async (args) => {
      const r = await netlab(args);
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr, r.all).toMatch(LOCATED);
      tally.refused++;
    });
    expect(await labObjects(lab)).toEqual(before);
    expect((await canaryFound(lab)).found).toEqual([]);
  });

  it('mutated lab files the loader refuses are refused by up with file:line:column, and create nothing', async () => {
    const seed = stringify(payloadLab());
    const refused: string[] = [];
    // Mutations of the payload lab (a fixed seed: the same cases every run) that the loader refuses.
    for (const mutation of fc.sample(mutationArb(canary), { numRuns: 200, seed: 8 })) {
      if (refused.length >= 6) break;
      const text = mutateText(seed, mutation);
      const file = join(dir, `refused-${refused.length}`, 'lab.yaml');
      mkdirSync(join(dir, `refused-${refused.length}`), { recursive: true });
      writeFileSync(file, text);
      try {
        await loadLab(file);
      } catch {
        refused.push(file);
      }
    }
    expect(refused).toHaveLength(6);
    await pool(refused, AT_ONCE, async (file) => {
      const name = uniqueName('fuzzbad');
      const r = await netlab(['up', file, '--name', name]);
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr, r.all).toMatch(LOCATED);
      expect(r.stderr, r.all).toMatch(/nothing was created/);
      expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
      tally.refused++;
    });
    expect(canariesIn(canary)).toEqual([]);
  });
});
