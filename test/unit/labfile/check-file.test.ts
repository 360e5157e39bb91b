import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../../src/core/errors.js';
import { loadLab, resolveLabFile } from '../../../src/labfile/load.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-check-file-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const multiNode = resolveLabFile('multi-node');

describe("an instructor's check file", () => {
  it("replaces the lab's own checks (and its exercises, which name them)", async () => {
    const checks = file(
      'checks.yaml',
      'checks:\n  - { name: across, from: client, to: "server-1:http", points: 4 }\n  - { name: via, from: client, to: server-1, probe: traceroute, via: router, needs: [across] }\n',
    );
    const { lab, checkFile } = await loadLab(multiNode, { checksFile: checks });
    // Named by the sha256 of the very text whose checks were taken.
    expect(checkFile).toEqual({ path: checks, sha256: createHash('sha256').update(readFileSync(checks)).digest('hex') });
    expect(lab.checks.map((c) => [c.name, c.points ?? 1])).toEqual([
      ['across', 4],
      ['via', 1],
    ]);
    expect(lab.exercises).toEqual([]);
  });

  it('a whole lab file also works: its checks are taken', async () => {
    const { lab } = await loadLab(multiNode, { checksFile: multiNode });
    expect(lab.checks.length).toBe(7);
  });

  it("a course's lab file brings its exercises with its checks; a lab folder names its lab.yaml", async () => {
    const podToService = resolveLabFile('pod-to-service');
    const { lab: own } = await loadLab(podToService);
    const course = mkdtempSync(join(tmpdir(), 'netlab-course-'));
    // The course's copy: the lab's checks, one exercise of its own, whose fault's manifests sit beside it.
    writeFileSync(
      join(course, 'broken.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: { name: service-test }\nspec: { selector: { app: nothing }, ports: [{ port: 80, targetPort: 8080 }] }\n',
    );
    const text = readFileSync(podToService, 'utf8').replace(/\nexercises:[\s\S]*$/, '\n');
    writeFileSync(
      join(course, 'lab.yaml'),
      `${text}exercises:\n  - id: course-one\n    title: { en: One, ko: 하나 }\n    instructions: { en: Fix it, ko: 고쳐라 }\n    hints: [{ en: Look, ko: 봐라 }]\n` +
        `    faults: [{ apply: { file: broken.yaml } }]\n    checks: [${JSON.stringify(own.checks[0]!.name)}]\n    solution: ["netlab apply {lab} -f {dir}/service.yaml"]\n`,
    );
    for (const checksFile of [course, join(course, 'lab.yaml')]) {
      const { lab, checkFile } = await loadLab(podToService, { checksFile });
      expect(checkFile?.path).toBe(join(course, 'lab.yaml'));
      expect(lab.exercises.map((e) => [e.id, e.checks, e.faults[0]?.kind])).toEqual([['course-one', [own.checks[0]!.name], 'apply']]);
    }
    // The lab's own folder as the check file: its own exercises.
    const { lab } = await loadLab(podToService, { checksFile: dirname(podToService) });
    expect(lab.exercises.map((e) => e.id)).toEqual(own.exercises.map((e) => e.id));
  });

  it("names the check file's own lines when a check is wrong", async () => {
    const checks = file('bad.yaml', 'checks:\n  - { name: ok, from: client, to: "server-1:http" }\n  - { name: typo, from: clinet, to: server-1 }\n');
    const err = await loadLab(multiNode, { checksFile: checks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFileError);
    const problems = (err as LabFileError).problems;
    expect(problems.map((p) => `${p.at.file.endsWith('bad.yaml') ? 'bad.yaml' : p.at.file}:${p.at.line}`)).toEqual(['bad.yaml:3']);
    expect(problems[0]!.hint).toContain('client');
  });

  it('without a checks: list it says what to write', async () => {
    const err = await loadLab(multiNode, { checksFile: file('none.yaml', 'name: x\n') }).catch((e: unknown) => e);
    expect((err as LabFileError).problems[0]!.message).toContain('a check file holds a `checks:` list');
    const missing = await loadLab(multiNode, { checksFile: join(dir, 'nope.yaml') }).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('check file');
    expect((missing as Error).message).toContain('does not exist');
  });
});
