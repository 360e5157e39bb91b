// YAML that attacks the reader rather than the lab (found by the fuzz test): alias bombs,
// nesting deep enough to exhaust the parser's stack, NUL characters, keys that are
// collections. Each is a LabFileError at the line and column where it was written, in the
// lab file, a manifests file and a check file alike; never a crash, never a warning on stderr.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabFileError } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import { MAX_MANIFESTS_BYTES } from '../../../src/labfile/read/manifests.js';
import { displayPath, MAX_NESTING } from '../../../src/labfile/read/positions.js';
import { aliasBomb, deepNesting } from '../../helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const labFile = join(dir, 'lab.yaml');
const manifests = join(dir, 'manifests.yaml');
const LAB = 'name: hostile\nworkloads:\n  - file: manifests.yaml\nchecks:\n  - { name: a, from: web, to: "web:8080" }\n';
const POD = 'apiVersion: v1\nkind: Pod\nmetadata: { name: web }\nspec:\n  containers: [{ name: app, image: netlab/app, ports: [{ containerPort: 8080 }] }]\n';

/** Loads the lab (texts by file name, the rest as above); the problems, as `file:line:column: message`. */
async function problems(texts: { lab?: string; manifests?: string; checks?: string }): Promise<string[]> {
  const files = new Map([
    [labFile, texts.lab ?? LAB],
    [manifests, texts.manifests ?? POD],
  ]);
  let checksFile: string | undefined;
  if (texts.checks !== undefined) {
    checksFile = join(dir, 'checks.yaml');
    writeFileSync(checksFile, texts.checks);
  }
  try {
    await loadLab(labFile, { files, ...(checksFile ? { checksFile } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(LabFileError);
    return (err as LabFileError).problems.map((p) => `${p.at.file}:${p.at.line}:${p.at.column}: ${p.message}`);
  }
  return [];
}

const lab = displayPath(labFile);
const man = displayPath(manifests);
const checks = () => displayPath(join(dir, 'checks.yaml'));

describe('hostile YAML', () => {
  it('the lab loads as written (the base of every case below)', async () => {
    expect(await problems({})).toEqual([]);
  });

  it('a tag that makes something other than a mapping (!!binary bytes, a !!set, an !!omap) is refused where it is, never read as one', async () => {
    const said = (tag: string) => `the tag ${tag} makes a value netlab does not read (bytes, a date, a set or ordered pairs)`;
    expect(await problems({ lab: '!!binary aGVsbG8=\n' })).toEqual([`${lab}:1:10: ${said('!!binary')}`]);
    for (const [tagged, tag] of [
      ['!!set { a, b }', '!!set'],
      ['!!omap [ { a: 1 } ]', '!!omap'],
      ['!!binary aGVsbG8=', '!!binary'],
      ['!!timestamp 2001-12-14', '!!timestamp'],
    ]) {
      const found = await problems({ manifests: POD.replace('metadata: { name: web }', `metadata: ${tagged}`) });
      expect(
        found.map((p) => p.replace(/:3:\d+: /, ':3:C: ')),
        tagged,
      ).toEqual([`${manifests}:3:C: ${said(tag!)}`]);
    }
  });

  it('an alias bomb is refused at its first alias: in a lab file, a manifests file and a check file', async () => {
    const bomb = aliasBomb(9);
    const column = bomb.indexOf('*a0') + 1;
    expect(await problems({ lab: `${LAB}description: ${bomb}\n` })).toEqual([
      `${lab}:6:${column + 'description: '.length}: aliases (*name) here expand to more than 1000 values`,
    ]);
    expect(await problems({ manifests: `${POD}---\nx: ${bomb}\n` })).toEqual([`${man}:7:${column + 3}: aliases (*name) here expand to more than 1000 values`]);
    // A check file's bomb was a ReferenceError out of the loader.
    expect(await problems({ checks: `checks: []\nx: ${bomb}\n` })).toEqual([
      `${checks()}:2:${column + 3}: aliases (*name) here expand to more than 1000 values`,
    ]);
  });

  it('nesting deeper than MAX_NESTING is refused where it goes too deep, however deep it goes', async () => {
    for (const depth of [MAX_NESTING + 1, 1000, 100_000]) {
      // Flow sequences and mappings: the bracket that opens level MAX_NESTING + 1.
      expect(await problems({ lab: `${LAB}description: ${deepNesting(depth, 'seq')}\n` })).toEqual([
        `${lab}:6:${'description: '.length + MAX_NESTING + 1}: YAML nested more than ${MAX_NESTING} levels deep`,
      ]);
      expect(await problems({ manifests: `x: ${deepNesting(depth, 'map')}\n` })).toEqual([
        `${man}:1:${3 + MAX_NESTING * 4 + 1}: YAML nested more than ${MAX_NESTING} levels deep`,
      ]);
      // Block sequences on one line (a stack overflow inside the parser, not caught by it, crashed the loader).
      expect(await problems({ checks: `checks:\n  ${deepNesting(depth, 'dash')}\n` })).toEqual([
        `${checks()}:2:${3 + MAX_NESTING * 2}: YAML nested more than ${MAX_NESTING} levels deep`,
      ]);
    }
  });

  it('nesting by indentation alone is refused too', async () => {
    const lines = Array.from({ length: MAX_NESTING + 2 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    const found = await problems({ lab: `${LAB}description:\n${lines} 1\n` });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${lab.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML nested more than ${MAX_NESTING} levels deep$`));
  });

  it('a NUL character in any text is refused where it is written (it cannot reach a command, a name or an env value)', async () => {
    expect(await problems({ manifests: POD.replace('image: netlab/app', 'image: netlab/app, env: [{ name: A, value: "a\\0b" }]') })).toEqual([
      `${man}:5:72: text holds a NUL character (\\0), which no command, name or value can carry`,
    ]);
    expect(await problems({ checks: 'checks:\n  - { name: "n\\x00", from: web, to: "web:8080", contains: "\\u0000" }\n' })).toEqual([
      `${checks()}:2:13: text holds a NUL character (\\0), which no command, name or value can carry`,
      `${checks()}:2:59: text holds a NUL character (\\0), which no command, name or value can carry`,
    ]);
  });

  it('a collection as a key is an unknown field, with no warning printed by the YAML library', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on('warning', listen);
    try {
      const found = await problems({ lab: `${LAB}? [a, b]\n: 1\n` });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`${lab}:6:3: unknown field`);
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings).toEqual([]);
  });

  it("a manifests file outside the lab's folder is refused, by its path or through a link (a student's lab file reads no grader's file)", async () => {
    const at = (name: string) => ({ lab: LAB.replace('file: manifests.yaml', `file: ${name}`) });
    const outside = (name: string) => `${lab}:3:11: manifests file ${name} is outside the lab's folder (${dir})`;
    expect(await problems(at('/etc/passwd'))).toEqual([outside('/etc/passwd')]);
    expect(await problems(at('../../etc/passwd'))).toEqual([outside('../../etc/passwd')]);
    expect(await problems(at('/dev/zero'))).toEqual([outside('/dev/zero')]);
    symlinkSync('/etc/passwd', join(dir, 'passwd.yaml'));
    expect(await problems(at('passwd.yaml'))).toEqual([outside('passwd.yaml')]);
  });

  it('a manifests file that is a pipe, a folder or huge is refused before it is read (a pipe never answers)', async () => {
    const at = (name: string) => ({ lab: LAB.replace('file: manifests.yaml', `file: ${name}`) });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    expect(await problems(at('pipe.yaml'))).toEqual([`${lab}:3:11: pipe.yaml is not a file (a device, a pipe or a socket), so not a manifests file`]);
    mkdirSync(join(dir, 'folder'));
    expect(await problems(at('folder'))).toEqual([`${lab}:3:11: folder is a folder, not a manifests file`]);
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(MAX_MANIFESTS_BYTES)}\n`);
    expect(await problems(at(big))).toEqual([
      `${lab}:3:11: ${big} is too big for a manifests file (${MAX_MANIFESTS_BYTES + 3} bytes; at most ${MAX_MANIFESTS_BYTES / 1024} KiB)`,
    ]);
  });

  it('control characters and bidi overrides a message quotes are shown as escapes (a file cannot rewrite the terminal)', async () => {
    const checksText = 'checks:\n  - { name: a, from: web, to: "web:8080", "x\\rdone\\u001b[2K\\u202e": 1 }\n';
    expect(await problems({ checks: checksText })).toEqual([`${checks()}:2:43: unknown field \`x\rdone\u001b[2K\u202e\` in checks[0]`]);
    try {
      await loadLab(labFile, {
        files: new Map([
          [labFile, LAB],
          [manifests, POD],
        ]),
        checksFile: join(dir, 'checks.yaml'),
      });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('unknown field `x\\u000ddone\\u001b[2K\\u202e` in checks[0]');
      expect((err as Error).message).not.toMatch(/[\r\u001b\u202e]/);
    }
  });
});
