// The labs netlab ships (labs/<name>/lab.yaml), and turning what a user typed
// (a lab name, a lab folder or a lab file) into a lab file path.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { NetlabError } from '../core/errors.js';
import { labsDir } from '../core/paths.js';
import { didYouMean } from '../core/suggest.js';

export const LAB_FILE_NAME = 'lab.yaml';

export interface LabListing {
  /** The lab's folder name: what `netlab up <name>` takes. */
  name: string;
  title?: string;
  /** Absolute path of its lab.yaml. */
  file: string;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Folder names under `labsDirectory` that hold a lab.yaml, sorted. */
function labNames(labsDirectory: string): string[] {
  try {
    return readdirSync(labsDirectory, { withFileTypes: true })
      .filter((d) => d.isDirectory() && isFile(join(labsDirectory, d.name, LAB_FILE_NAME)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * `multi-node` -> `<labsDir>/multi-node/lab.yaml`; a path to a .yaml file, or to a
 * folder holding lab.yaml, is taken as it is. A path that exists wins over a lab name.
 */
export function resolveLabFile(nameOrPath: string, labsDirectory: string = labsDir): string {
  const path = resolve(nameOrPath);
  if (isFile(path)) {
    if (!/\.ya?ml$/i.test(path))
      throw new NetlabError(`${nameOrPath} is not a YAML file`, { hint: 'name a lab (see `netlab list`), a lab folder, or a lab .yaml file', exitCode: 2 });
    return path;
  }
  if (isDirectory(path)) {
    const file = join(path, LAB_FILE_NAME);
    if (isFile(file)) return file;
    if (nameOrPath.includes('/') || nameOrPath.startsWith('.') || !existsSync(join(labsDirectory, nameOrPath, LAB_FILE_NAME)))
      throw new NetlabError(`folder ${nameOrPath} has no ${LAB_FILE_NAME}`, {
        hint: `a lab folder holds its lab file as ${LAB_FILE_NAME}; or name the .yaml file itself`,
        exitCode: 2,
      });
  }
  const looksLikeName = /^[a-z0-9][-a-z0-9]*$/.test(nameOrPath);
  if (looksLikeName) {
    const file = join(labsDirectory, nameOrPath, LAB_FILE_NAME);
    if (isFile(file)) return file;
  }
  const names = labNames(labsDirectory);
  const mean = didYouMean(looksLikeName ? nameOrPath : basename(nameOrPath), names);
  throw new NetlabError(looksLikeName ? `no lab named ${nameOrPath}` : `no lab file at ${nameOrPath}`, {
    hint: `${mean ? `${mean} ` : ''}${names.length ? `available labs: ${names.join(', ')}` : `no labs found in ${labsDirectory}`}`,
    exitCode: 2,
  });
}

/** The labs in `labsDirectory`, sorted by name; folders whose lab.yaml cannot be read are skipped. */
export async function listLabs(labsDirectory: string = labsDir): Promise<LabListing[]> {
  const out: LabListing[] = [];
  for (const name of labNames(labsDirectory)) {
    const file = join(labsDirectory, name, LAB_FILE_NAME);
    try {
      const value: unknown = parse(await readFile(file, 'utf8'));
      if (typeof value !== 'object' || value === null || typeof (value as { name?: unknown }).name !== 'string') continue;
      const title = (value as { title?: unknown }).title;
      out.push(typeof title === 'string' ? { name, title, file } : { name, file });
    } catch {}
  }
  return out;
}
