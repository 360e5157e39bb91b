// `netlab grade` on real labs: 20 copies of pod-to-service side by side on one engine, each
// graded with a full score and isolated from the others, then all gone; and every output
// format on a correct lab.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { engine, labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';

/** The CLI with extra environment (GITHUB_OUTPUT). */
function netlabEnv(args: string[], env: Record<string, string>) {
  return execa('node', [join(root, 'bin', 'netlab.js'), ...args], { reject: false, timeout: 180_000, env: { CI: '1', NO_COLOR: '1', ...env }, all: true });
}

/** NETLAB_GRADE_COPIES: fewer copies while working on this file. */
const COPIES = Number(process.env.NETLAB_GRADE_COPIES ?? 20);
/** Ups and downs at once: the CI machine has 2 cores. */
const AT_ONCE = 4;

const names = Array.from({ length: COPIES }, (_, i) => uniqueName(`grade${i}`));
const up = new Set<string>();
const started = performance.now();
const timings: Record<string, number> = {};
const dir = mkdtempSync(join(tmpdir(), 'netlab-grade-'));

/** `fn` over `items`, `n` at a time; every one runs to its end before the first failure is thrown. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await fn(item);
        } catch (err) {
          errors.push(err);
        }
      }
    }),
  );
  if (errors.length) throw errors[0];
}

interface GradeJson {
  lab: string;
  score: number;
  maxScore: number;
  passed: number;
  failed: number;
  warnings: number;
  blocked: number;
  checks: { name: string; ok: boolean; detail: string; attempts?: number; level?: string; points?: number }[];
}

async function gradeJson(lab: string, extra: string[] = []): Promise<{ exitCode: number; grade: GradeJson }> {
  const r = await netlab(['grade', lab, '--json', ...extra]);
  try {
    return { exitCode: r.exitCode ?? -1, grade: JSON.parse(r.stdout) as GradeJson };
  } catch {
    throw new Error(`grade --json printed no JSON (exit ${r.exitCode}):\n${r.all}`);
  }
}

async function underlaySubnet(lab: string): Promise<string | undefined> {
  const networks = await (await engine()).listNetworks({ label: [`netlab.lab=${lab}`] });
  expect(networks).toHaveLength(1);
  return networks[0]!.IPAM?.Config?.[0]?.Subnet;
}

afterAll(async () => {
  // Whatever a failed test left behind: only our own labs.
  await pool([...up], AT_ONCE, async (name) => {
    await netlab(['down', name]);
  });
  rmSync(dir, { recursive: true, force: true });
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `grade e2e: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')}; file total ${total} s`,
  );
}, 240_000);

describe(`${COPIES} copies of pod-to-service side by side`, () => {
  it(`come up ${AT_ONCE} at a time`, async () => {
    const t = performance.now();
    await pool(names, AT_ONCE, async (name) => {
      up.add(name);
      const r = await netlab(['up', 'pod-to-service', '--name', name, '--json']);
      expect(r.exitCode, `up ${name}:\n${r.all}`).toBe(0);
    });
    timings[`${COPIES} ups`] = performance.now() - t;
  }, 480_000);

  it('are isolated: each its own underlay subnet', async () => {
    const subnets = await Promise.all(names.map(underlaySubnet));
    expect(subnets.every((s) => !!s)).toBe(true);
    expect(new Set(subnets).size).toBe(COPIES);
  });

  it('each grades with exit 0 and a full score', async () => {
    const t = performance.now();
    // One grade at a time, as a grader runs them: four at once on 2 cores (each probe batch
    // is dozens of curls with 1-2 s deadlines) made one of 400 spread requests time out now and then.
    await pool(names, 1, async (name) => {
      const { exitCode, grade } = await gradeJson(name);
      const failed = grade.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      expect(failed, name).toEqual([]);
      expect(exitCode).toBe(0);
      expect(grade.lab).toBe(name);
      expect(grade.checks.length).toBeGreaterThan(0);
      expect(grade.score).toBe(grade.maxScore);
      expect(grade).toMatchObject({ passed: grade.checks.length, failed: 0, warnings: 0, blocked: 0 });
      for (const c of grade.checks) expect(c).toMatchObject({ level: 'error', points: 1, attempts: 1 });
    });
    timings[`${COPIES} grades`] = performance.now() - t;
  }, 240_000);

  it('grade prints every format on a correct lab, exit 0', async () => {
    const lab = names[0]!;
    const junit = join(dir, 'junit.xml');

    const gradescope = join(dir, 'results.json');
    const text = await netlab(['grade', lab, '--junit', junit, '--gradescope', gradescope]);
    expect(text.exitCode, text.all).toBe(0);
    const results = JSON.parse(readFileSync(gradescope, 'utf8')) as { score: number; tests: { status: string; score: number; max_score: number }[] };
    expect(results.tests.length).toBe(text.stdout.trimEnd().split('\n').length - 1);
    expect(results.tests.every((t) => t.status === 'passed' && t.score === t.max_score)).toBe(true);
    expect(results.score).toBe(results.tests.reduce((n, t) => n + t.score, 0));
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^score (\d+)\/\1 /);
    expect(lines.slice(0, -1).every((l) => l.startsWith('PASS'))).toBe(true);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(xml).toContain('failures="0"');
    expect(xml).toContain(`<testsuite name="${lab}" tests="${lines.length - 1}"`);
    expect(xml.match(/<testcase /g)).toHaveLength(lines.length - 1);

    const tap = await netlab(['grade', lab, '--tap']);
    expect(tap.exitCode, tap.all).toBe(0);
    expect(tap.stdout).toMatch(/^TAP version 14\n1\.\.(\d+)\n/);
    const n = Number(/^1\.\.(\d+)$/m.exec(tap.stdout)![1]);
    expect(tap.stdout.match(/^ok \d+ - /gm)).toHaveLength(n);
    expect(tap.stdout).not.toContain('not ok');

    // No GITHUB_OUTPUT: the base64 on stdout.
    const classroom = await netlabEnv(['grade', lab, '--classroom'], { GITHUB_OUTPUT: '' });
    expect(classroom.exitCode, classroom.all).toBe(0);
    const decoded = JSON.parse(Buffer.from(classroom.stdout.trim(), 'base64').toString('utf8'));
    expect(decoded).toMatchObject({ version: 1, status: 'pass', max_score: n });
    expect(decoded.tests).toHaveLength(n);
    expect(decoded.tests.every((t: { status: string; score: number }) => t.status === 'pass' && t.score === 1)).toBe(true);

    // In a GitHub Actions step: `result=<base64>` appended to $GITHUB_OUTPUT.
    const output = join(dir, 'github-output');
    writeFileSync(output, 'earlier=1\n');
    const inAction = await netlabEnv(['grade', lab, '--classroom'], { GITHUB_OUTPUT: output });
    expect(inAction.exitCode, inAction.all).toBe(0);
    const [earlier, line] = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(earlier).toBe('earlier=1');
    expect(line).toMatch(/^result=[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(line!.slice('result='.length), 'base64').toString('utf8'))).toMatchObject({ status: 'pass', max_score: n });

    // One exercise's checks (its faults are not applied by `up`, so they hold).
    const ex = await gradeJson(lab, ['--exercise', '1']);
    expect(ex.exitCode).toBe(0);
    expect(ex.grade).toMatchObject({ exercise: 'wrong-selector', passed: ex.grade.checks.length });
    expect(ex.grade.checks.length).toBeGreaterThan(0);
    expect(ex.grade.checks.length).toBeLessThan(n);

    // An exercise that the lab does not have: an error listing those it has.
    const bad = await netlab(['grade', lab, '--exercise', 'no-such-exercise']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('no exercise "no-such-exercise"');
    expect(bad.stderr).toMatch(/hint: Its exercises: 1 wrong-selector, 2 /);
  });

  it('all come down with nothing left', async () => {
    const t = performance.now();
    await pool(names, AT_ONCE, async (name) => {
      const r = await netlab(['down', name]);
      expect(r.exitCode, r.all).toBe(0);
      up.delete(name);
    });
    timings[`${COPIES} downs`] = performance.now() - t;
    for (const name of names) {
      expect(await labObjects(name), name).toEqual({ containers: 0, networks: 0, volumes: 0 });
      expect(await (await engine()).listContainers({ label: [`netlab.lab=${name}`] })).toEqual([]);
    }
  }, 240_000);
});

describe('needs, wait, levels and points on a real lab', () => {
  const name = uniqueName('gradeneeds');
  it('a failed check blocks what needs it, wait retries, a warning does not fail alone; exit 1', async () => {
    // pod-to-service plus checks that fail on purpose (nothing listens on the client's 9999).
    const labDir = join(dir, 'lab');
    cpSync(join(root, 'labs', 'pod-to-service'), labDir, { recursive: true });
    const file = join(labDir, 'lab.yaml');
    const yaml = readFileSync(file, 'utf8').replace(/\nexercises:[\s\S]*$/, '\n');
    writeFileSync(
      file,
      `${yaml}
  - name: client answers on 9999
    from: server-0
    probe: tcp
    to: client:9999
    wait: 3
    points: 3
    fail: nothing listens on 9999
    hint: start something on 9999
  - name: through 9999 by name
    from: server-1
    probe: tcp
    to: client:9999
    needs: [client answers on 9999]
  - name: a warning that fails
    from: server-1
    probe: tcp
    to: client:9998
    level: warning
  - name: after the cluster IP works
    from: server-1
    to: service-test:80
    needs: [client reaches the service's cluster IP]
    pass: the service answers
`,
    );
    up.add(name);
    const u = await netlab(['up', file, '--name', name, '--json']);
    expect(u.exitCode, u.all).toBe(0);
    const { exitCode, grade } = await gradeJson(name);
    expect(exitCode).toBe(1);
    const by = Object.fromEntries(grade.checks.map((c) => [c.name, c as Record<string, unknown>]));
    expect(by['client answers on 9999']).toMatchObject({ ok: false, points: 3, message: 'nothing listens on 9999', hint: 'start something on 9999' });
    // Tried at 0 s, then every 0.5 s while within 3 s (a slow first try on a loaded machine still leaves room).
    expect(by['client answers on 9999']!.attempts).toBeGreaterThanOrEqual(2);
    expect(by['through 9999 by name']).toMatchObject({
      ok: false,
      blockedBy: 'client answers on 9999',
      detail: 'blocked by "client answers on 9999"',
      attempts: 0,
    });
    expect(by['a warning that fails']).toMatchObject({ ok: false, level: 'warning', attempts: 1 });
    expect(by['after the cluster IP works']).toMatchObject({ ok: true, message: 'the service answers' });
    expect(grade).toMatchObject({ failed: 1, warnings: 1, blocked: 1, maxScore: grade.checks.length + 2, score: grade.checks.length - 3 });

    const tap = await netlab(['grade', name, '--tap']);
    expect(tap.exitCode).toBe(1);
    expect(tap.stdout).toMatch(/^not ok \d+ - through 9999 by name\n {2}---\n {2}message: "blocked by \\"client answers on 9999\\""$/m);
    expect(tap.stdout).toMatch(/^not ok \d+ - a warning that fails # TODO warning-level check$/m);

    const d = await netlab(['down', name]);
    expect(d.exitCode, d.all).toBe(0);
    up.delete(name);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
