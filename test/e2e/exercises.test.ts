// Every exercise: its checks FAIL on the starting state (so a pass proves the fix), and its
// solution, run as a student would, makes them pass. One lab at a time, each a fresh copy.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLab, resolveLabFile } from '../../src/labfile/load.js';
import { checkJson, labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';

// Every lab of the catalogue (labs/<name>/lab.yaml) that has exercises.
const labs = readdirSync(join(root, 'labs'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'labs', d.name, 'lab.yaml')))
  .map((d) => d.name)
  .sort();
const exercises = (
  await Promise.all(
    labs.map(async (lab) => {
      const file = resolveLabFile(lab);
      const { lab: spec } = await loadLab(file);
      return spec.exercises.map((e, i) => ({ lab, dir: dirname(file), number: i + 1, exercise: e }));
    }),
  )
).flat();

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

describe('exercises', () => {
  it('there are at least 16, each with instructions in English and Korean', () => {
    expect(exercises.length).toBeGreaterThanOrEqual(16);
    for (const { exercise } of exercises) {
      expect(exercise.instructions.en.length).toBeGreaterThan(40);
      expect(exercise.instructions.ko).toMatch(/[\uac00-\ud7a3]/);
      expect(exercise.hints.length).toBeGreaterThan(0);
      expect(exercise.solution.length).toBeGreaterThan(0);
    }
  });

  it.each(exercises.map((e) => [`${e.lab} #${e.number} ${e.exercise.id}`, e] as const))('%s: fails at the start, passes once solved', async (_, e) => {
    const name = uniqueName(`ex${e.number}`);
    made.push(name);
    const start = await netlab(['exercise', e.lab, String(e.number), '--name', name]);
    expect(start.exitCode, start.all).toBe(0);
    expect(start.stdout).toContain(e.exercise.title.en);

    // The grade of the starting state: exit 1, every exercise check failed, each with the hop that broke.
    const graded = await netlab(['grade', name, '--exercise', String(e.number), '--json']);
    expect(graded.exitCode, graded.all).toBe(1);
    const before = JSON.parse(graded.stdout) as { score: number; checks: { name: string; ok: boolean; detail: string; diagnosis?: string }[] };
    expect(before.checks.map((c) => c.name).sort()).toEqual([...e.exercise.checks].sort());
    expect(before.checks.filter((c) => c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    expect(before.score).toBe(0);
    for (const c of before.checks) expect(c.diagnosis, `${c.name}: no diagnosis (${c.detail})`).toBeTruthy();

    for (const command of e.exercise.solution) {
      const shell = command
        .replaceAll('{lab}', name)
        .replaceAll('{dir}', e.dir)
        .replace(/^netlab /, `node ${join(root, 'bin', 'netlab.js')} `);
      const r = await execa('bash', ['-c', shell], { reject: false, env: { CI: '1' }, all: true });
      expect(r.exitCode, `${shell}\n${r.all}`).toBe(0);
    }
    // A fixed lab may take a moment to settle (a bridge brought back up, a rule re-synced): 5 s at most.
    let after = await checkJson(name, ['--only', ...e.exercise.checks]);
    for (const deadline = Date.now() + 5000; after.exitCode !== 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      after = await checkJson(name, ['--only', ...e.exercise.checks]);
    }
    expect(after.report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    expect(after.exitCode).toBe(0);

    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
