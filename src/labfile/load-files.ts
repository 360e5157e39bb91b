// A lab read from its files: parsed with positions, each section read, cross-references checked;
// every problem found is reported at once, each at its line. Loaded only when the kept load
// (./cache) cannot answer, so that a kept lab costs no schema building.
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LAB_FILE_NAME } from './catalog.js';
import { LabFileError, NetlabError } from '../core/errors.js';
import type { CheckFileId, LoadedLab, LoadOptions } from './load.js';
import { displayPath, YamlFile } from './read/positions.js';
import { Problems, sortProblems } from './read/problems.js';
import { readChecksFile, readLab } from './read/read-lab.js';
import { validateLab } from './validate/validate.js';
import { recordRead } from './cache/file-reads.js';

export async function loadFiles(path: string, options: LoadOptions): Promise<LoadedLab> {
  const text = options.files?.get(path) ?? (await readText(path, 'lab file', 'name a lab from `netlab list`, or the path of a lab.yaml'));

  const { yaml, problems: syntax } = YamlFile.parse(path, text, false);
  if (syntax.length) throw new LabFileError(sortProblems(syntax, yaml.display));

  const problems = new Problems();
  const draft = await readLab(yaml, dirname(path), problems, options.files);
  let checkFile: CheckFileId | undefined;
  if (draft && options.checksFile !== undefined) {
    const checksPath = checkFilePath(options.checksFile);
    const checksText = await readText(checksPath, 'check file', 'give the path of a YAML file with a `checks:` list');
    checkFile = { path: checksPath, sha256: createHash('sha256').update(checksText).digest('hex') };
    const parsed = YamlFile.parse(checksPath, checksText, false);
    if (parsed.problems.length) throw new LabFileError(sortProblems(parsed.problems, parsed.yaml.display));
    await readChecksFile(parsed.yaml, dirname(checksPath), draft, problems);
  }
  const lab = draft ? validateLab(draft, problems, path, dirname(path)) : undefined;
  if (!problems.ok || !lab) {
    // No errors but no lab cannot happen (a missing name is an error); keep the type honest.
    throw new LabFileError(
      sortProblems(problems.errors.length ? problems.errors : [{ at: yaml.start(), message: 'the lab file could not be read' }], yaml.display),
    );
  }
  return { lab, warnings: sortProblems(problems.warnings, yaml.display), ...(checkFile ? { checkFile } : {}) };
}

/** A check file by its path, or a lab folder's lab.yaml (a course's lab, its checks and exercises). */
function checkFilePath(file: string): string {
  const path = resolve(file);
  try {
    if (statSync(path).isDirectory()) return join(path, LAB_FILE_NAME);
  } catch {}
  return path;
}

async function readText(path: string, what: string, hint: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    recordRead({ path, real: await realpath(path), text });
    return text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NetlabError(
      code === 'ENOENT' ? `${what} ${displayPath(path)} does not exist` : `cannot read ${what} ${displayPath(path)}: ${(err as Error).message}`,
      { hint: code === 'ENOENT' ? hint : undefined, exitCode: 2, cause: err },
    );
  }
}
