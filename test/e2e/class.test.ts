// `netlab class` over three contexts: the main engine, a second engine (netlab-d2) and an ssh
// context (netlab-ssh), as scripts/engines.sh starts them. One class of 6 students running
// pod-to-pod's exercise 1 (bridge-down): up 2/2/2, graded at the start, solved, graded full,
// one student reset, checked through the ssh context, and taken down from every engine.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassGrade } from '../../src/checks/class-grade.js';
import { connectEngineAt } from '../../src/engine/connect.js';
import { MEMORY_PER_CONTAINER_BYTES, USABLE_MEMORY_SHARE } from '../../src/plan/class/capacity.js';
import { loadLab, resolveLabFile } from '../../src/labfile/load.js';
import { netlab, root, uniqueName } from '../helpers/e2e.js';

const CONTEXTS = ['default', 'netlab-d2', 'netlab-ssh'];
const contextFlags = CONTEXTS.flatMap((c) => ['--context', c]);
const cls = uniqueName('cls');
const students = ['s1', 's2', 's3', 's4', 's5', 's6'];
const dir = mkdtempSync(join(tmpdir(), 'netlab-class-'));
const roster = join(dir, 'roster.txt');
const labFile = resolveLabFile('pod-to-pod');
const { lab } = await loadLab(labFile);
const exercise = lab.exercises[0]!;

/** Every object of the class on each engine (the ssh context reaches the main engine again). */
async function classObjects(): Promise<{ context: string; containers: Record<string, string>[]; networks: Record<string, string>[]; volumes: number }[]> {
  const filters = { label: [`netlab.class=${cls}`] };
  return Promise.all(
    ['default', 'netlab-d2'].map(async (context) => {
      const e = await connectEngineAt(context);
      const [containers, networks, volumes] = await Promise.all([e.listContainers(filters), e.listNetworks(filters), e.listVolumes(filters)]);
      return { context, containers: containers.map((c) => c.Labels), networks: networks.map((n) => n.Labels ?? {}), volumes: volumes.length };
    }),
  );
}

async function grade(extra: string[] = []): Promise<{ exitCode: number; grade: ClassGrade }> {
  const r = await netlab(['class', 'grade', cls, '--json', ...extra]);
  expect(r.stderr).toBe('');
  return { exitCode: r.exitCode ?? -1, grade: JSON.parse(r.stdout) as ClassGrade };
}

const scores = (g: ClassGrade) => Object.fromEntries(g.students.map((s) => [s.student, s.score]));

beforeAll(() => {
  writeFileSync(roster, `# class ${cls}\n${students.join('\n')}\n`);
});

afterAll(async () => {
  await netlab(['class', 'down', cls, ...contextFlags]);
});

describe('netlab class over three contexts', () => {
  it('comes up 2/2/2, each student on an underlay of their own, labelled with class, student and exercise; a second up changes nothing', async () => {
    const up = await netlab(['class', 'up', 'pod-to-pod', '--roster', roster, '--name', cls, '--exercise', '1', ...contextFlags]);
    expect(up.exitCode, up.all).toBe(0);
    for (const s of students) expect(up.stdout).toMatch(new RegExp(`^${s} +\\S+ +10\\.\\d+\\.\\d+\\.0/24 +started \\(`, 'm'));

    const found = await classObjects();
    const labsBy = (labels: Record<string, string>[]) => {
      const byContext: Record<string, string[]> = {};
      for (const l of labels) {
        expect(l['netlab.lab']).toBe(`${cls}-${l['netlab.student']}`);
        expect(l['netlab.exercise']).toBe(exercise.id);
        const list = (byContext[l['netlab.context']!] ??= []);
        if (!list.includes(l['netlab.student']!)) list.push(l['netlab.student']!);
      }
      for (const list of Object.values(byContext)) list.sort();
      return byContext;
    };
    const main = found.find((f) => f.context === 'default')!;
    const d2 = found.find((f) => f.context === 'netlab-d2')!;
    // Round-robin in the order given: s1 s4 on default, s2 s5 on netlab-d2, s3 s6 over ssh (the main engine again).
    expect(labsBy(main.containers)).toEqual({ default: ['s1', 's4'], 'netlab-ssh': ['s3', 's6'] });
    expect(labsBy(d2.containers)).toEqual({ 'netlab-d2': ['s2', 's5'] });
    expect(main.containers).toHaveLength(4 * 9);
    expect(d2.containers).toHaveLength(2 * 9);
    // One network a student, six distinct underlays across both engines (one host, one routing table).
    const networks = [...main.networks, ...d2.networks];
    expect(networks.map((n) => n['netlab.student']).sort()).toEqual(students);

    const status = await netlab(['class', 'status', cls, '--json', ...contextFlags]);
    const rows = (JSON.parse(status.stdout) as { students: { student: string; context: string; underlay: string; running: number }[] }).students;
    expect(rows.map((r) => `${r.student}@${r.context}`)).toEqual([
      's1@default',
      's2@netlab-d2',
      's3@netlab-ssh',
      's4@default',
      's5@netlab-d2',
      's6@netlab-ssh',
    ]);
    expect(new Set(rows.map((r) => r.underlay)).size).toBe(6);
    expect(rows.every((r) => r.running === 9)).toBe(true);

    const ids = async () =>
      (await Promise.all(['default', 'netlab-d2'].map(async (c) => (await connectEngineAt(c)).listContainers({ label: [`netlab.class=${cls}`] }))))
        .flat()
        .map((c) => c.Id)
        .sort();
    const before = await ids();
    const again = await netlab(['class', 'up', 'pod-to-pod', '--roster', roster, '--name', cls, '--exercise', '1', ...contextFlags]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout.match(/ kept \(/g)).toHaveLength(6);
    expect(await ids()).toEqual(before);
  });

  it('grades everyone at the exercise starting grade right after up', async () => {
    const { exitCode, grade: g } = await grade();
    expect(exitCode).toBe(1);
    expect(g.class).toBe(cls);
    expect(g.lab).toBe('pod-to-pod');
    expect(g.exercise).toBe(exercise.id);
    expect(g.students.map((s) => [s.student, s.lab, s.score, s.maxScore, s.ok])).toEqual(
      students.map((s) => [s, `${cls}-${s}`, 0, exercise.checks.length, false]),
    );
    for (const s of g.students) expect(s.checks.map((c) => c.name).sort()).toEqual([...exercise.checks].sort());
  });

  it('solved by every student: 6/6 full marks in JSON, JUnit and the HTML page', async () => {
    const { grade: start } = await grade();
    await Promise.all(
      start.students.map(async (s) => {
        for (const command of exercise.solution) {
          const shell = command
            .replaceAll('{lab}', s.lab)
            .replaceAll('{dir}', dirname(labFile))
            .replace(/^netlab /, `node ${join(root, 'bin', 'netlab.js')} `);
          const r = await execa('bash', ['-c', shell], { reject: false, all: true, env: { CI: '1', DOCKER_CONTEXT: s.context } });
          expect(r.exitCode, `${s.context}: ${shell}\n${r.all}`).toBe(0);
        }
      }),
    );
    const html = join(dir, 'class.html');
    const junit = join(dir, 'junit');
    // A fixed bridge may take a moment to carry traffic: 5 s at most.
    let r = await grade(['--html', html, '--junit', junit]);
    for (const deadline = Date.now() + 5000; r.exitCode !== 0 && Date.now() < deadline; ) {
      await new Promise((ok) => setTimeout(ok, 500));
      r = await grade(['--html', html, '--junit', junit]);
    }
    expect(r.exitCode).toBe(0);
    expect(r.grade.students.map((s) => [s.student, s.score, s.maxScore, s.ok])).toEqual(
      students.map((s) => [s, exercise.checks.length, exercise.checks.length, true]),
    );
    expect(existsSync(html)).toBe(true);
    const page = readFileSync(html, 'utf8');
    for (const s of students) expect(page).toContain(s);
    expect(readdirSync(junit).sort()).toEqual(students.map((s) => `${cls}-${s}.xml`));
    expect(readFileSync(join(junit, `${cls}-s2.xml`), 'utf8')).toMatch(/failures="0"/);
  });

  it('reset puts one student back to the start of the exercise, on the same context and underlay; the others keep full marks', async () => {
    const status = async () =>
      (
        JSON.parse((await netlab(['class', 'status', cls, '--json', ...contextFlags])).stdout) as {
          students: { student: string; context: string; underlay: string }[];
        }
      ).students.find((s) => s.student === 's2');
    const was = await status();
    const r = await netlab(['class', 'reset', cls, 's2', ...contextFlags]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`${cls}-s2 is back to the start of exercise ${exercise.id} on netlab-d2`);
    expect(await status()).toEqual(was);
    const { exitCode, grade: g } = await grade();
    expect(exitCode).toBe(1);
    const full = exercise.checks.length;
    expect(scores(g)).toEqual({ s1: full, s2: 0, s3: full, s4: full, s5: full, s6: full });
  });

  it('a student who restarts the exercise themselves (netlab exercise --name) stays in the class, on their underlay', async () => {
    const rows = async () =>
      (
        JSON.parse((await netlab(['class', 'status', cls, '--json', ...contextFlags])).stdout) as {
          students: { student: string; context: string; underlay: string }[];
        }
      ).students;
    const was = await rows();
    const r = await netlab(['exercise', 'pod-to-pod', '1', '--name', `${cls}-s5`], { env: { DOCKER_CONTEXT: 'netlab-d2' } });
    expect(r.exitCode, r.all).toBe(0);
    expect(await rows()).toEqual(was);
    expect(scores((await grade()).grade).s5).toBe(0);
  });

  it('DOCKER_CONTEXT=netlab-ssh netlab check works for a student on that context', async () => {
    const r = await netlab(['check', `${cls}-s3`, '--json'], { env: { DOCKER_CONTEXT: 'netlab-ssh' } });
    expect(r.exitCode, r.all).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { ok: boolean }[] };
    expect(report.checks.length).toBe(lab.checks.length);
    expect(report.ok).toBe(true);
  });

  it('class down leaves nothing of the class on any engine', async () => {
    const r = await netlab(['class', 'down', cls, ...contextFlags]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('6 student lab(s) removed');
    for (const f of await classObjects())
      expect({ context: f.context, containers: f.containers.length, networks: f.networks.length, volumes: f.volumes }).toEqual({
        context: f.context,
        containers: 0,
        networks: 0,
        volumes: 0,
      });
    for (const context of ['default', 'netlab-d2']) {
      const e = await connectEngineAt(context);
      for (const s of students) expect(await e.listContainers({ label: [`netlab.lab=${cls}-${s}`] })).toEqual([]);
    }
  });
});

describe('class up refuses, before anything is created', () => {
  it('names the engine, the labs, the memory each and what is free, and creates nothing', async () => {
    const big = uniqueName('cap');
    const info = await (await connectEngineAt('default')).info();
    // One lab more than the engine's whole usable memory holds (pod-to-pod: 9 containers).
    const n = Math.ceil((info.memTotalBytes * USABLE_MEMORY_SHARE) / (9 * MEMORY_PER_CONTAINER_BYTES)) + 1;
    const file = join(dir, 'big.txt');
    writeFileSync(file, Array.from({ length: n }, (_, i) => `s${i}`).join('\n'));
    const r = await netlab(['class', 'up', 'pod-to-pod', '--roster', file, '--name', big, '--context', 'default', '--context', 'netlab-ssh']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `engine ${info.name} \\(context default, netlab-ssh\\): ${n} lab\\(s\\) of pod-to-pod need [\\d.]+ GiB \\(9 containers, 36 MiB each lab\\); [\\d.]+ GiB is free for labs there`,
      ),
    );
    expect(r.stderr).toContain('Nothing was created.');
    expect(await (await connectEngineAt('default')).listContainers({ label: [`netlab.class=${big}`] })).toEqual([]);
  });

  it('a bad roster is refused naming the file, the line and the fix, before any engine is asked', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'alice\n  Bob Smith\nalice\n');
    const r = await netlab(['class', 'up', 'pod-to-pod', '--roster', file, '--name', uniqueName('bad'), '--context', 'no-such-context']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:2:3: "Bob Smith" is not one name: one student a line`);
    expect(r.stderr).toContain(`${file}:3:1: student alice is listed twice (first on line 1)`);
    expect(r.stderr).toContain('nothing was created');
  });
});
