// Lab file -> validated Lab: from the kept load when its files are unchanged (./cache), else
// read from the files (./load-files.ts).
import { resolve } from 'node:path';
import { NetlabError, type LabFileProblem } from '../core/errors.js';
import type { Lab } from './model.js';
import { dnsLabelProblem, LAB_NAME_MAX } from './schema/dns-label.js';
import { recordingReads } from './cache/file-reads.js';
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
  // The readers and schemas are loaded only when the files must be read.
  const loadFiles = async () => (await import('./load-files.js')).loadFiles(path, options);
  const dir = options.files ? undefined : cacheDir();
  if (!dir) return loadFiles();
  const kept = cacheFile(dir, { path, ...(options.checksFile !== undefined ? { checksFile: resolve(options.checksFile) } : {}) });
  const hit = await readKept<LoadedLab>(kept);
  if (hit) return hit;
  const { value, reads } = await recordingReads(loadFiles);
  await keep(kept, reads, value);
  return value;
}
