// Lab file -> validated Lab: read, parse with positions, read each section, check
// cross-references; every problem found is reported at once, each at its line.
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LAB_FILE_NAME } from './catalog.js';
import { LabFileError, NetlabError, type LabFileProblem } from '../core/errors.js';
import type { Lab } from './model.js';
import { displayPath, YamlFile } from './read/positions.js';
import { Problems, sortProblems } from './read/problems.js';
import { readChecksFile, readLab } from './read/read-lab.js';
import { dnsLabelProblem, LAB_NAME_MAX } from './schema/schema.js';
import { validateLab } from './validate/validate.js';
import { recordingReads, recordRead } from './cache/file-reads.js';
import { cacheDir, cacheFile, keep, readKept } from './cache/load-cache.js';

export { listLabs, resolveLabFile, type LabListing } from './catalog.js';

/** A check file, named by its path and the sha256 of the text whose checks were taken. */
export interface CheckFileId {
  path: string;
  sha256: string;
}

export interface LoadedLab {
  lab: Lab;
  /** With `checksFile`: the file whose checks replaced the lab's own. */
  checkFile?: CheckFileId;
  /** Things accepted but worth knowing (Kubernetes fields netlab ignores). */
  warnings: LabFileProblem[];
}

export interface LoadOptions {
  /** Use this name instead of the file's (for copies of one lab: `--name alice`). */
  name?: string;
  /** Files given in memory by absolute path (the lab file itself, or manifests it names). */
  files?: ReadonlyMap<string, string>;
  /** A check file whose checks replace the lab's own (an instructor's, that the student cannot edit). */
  checksFile?: string;
}

/**
 * Loads and validates a lab file. Throws LabFileError listing every problem
 * (file:line:column, message, hint), or NetlabError if the file cannot be read.
 */
export async function loadLab(file: string, options: LoadOptions = {}): Promise<LoadedLab> {
  if (options.name !== undefined) {
    const problem = dnsLabelProblem(options.name, 'lab name', LAB_NAME_MAX, 'alice');
    if (problem) throw new NetlabError(problem.message, { hint: problem.hint, exitCode: 2 });
  }
  const loaded = await loadKept(resolve(file), options);
  if (options.name !== undefined) loaded.lab.name = options.name;
  return loaded;
}

/** The lab as its files say (its own name), kept between commands when it can be (./cache): every copy of a lab (`--name`) shares one. */
async function loadKept(path: string, options: LoadOptions): Promise<LoadedLab> {
  const dir = options.files ? undefined : cacheDir();
  if (!dir) return loadFiles(path, options);
  const kept = cacheFile(dir, { path, ...(options.checksFile !== undefined ? { checksFile: resolve(options.checksFile) } : {}) });
  const hit = await readKept<LoadedLab>(kept);
  if (hit) return hit;
  const { value, reads } = await recordingReads(() => loadFiles(path, options));
  await keep(kept, reads, value);
  return value;
}

async function loadFiles(path: string, options: LoadOptions): Promise<LoadedLab> {
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
