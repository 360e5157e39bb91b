// Loaded labs kept between commands. Reading and checking a lab file (YAML with positions, the
// schema, the cross-references) costs a fresh process 0.1-0.3 s, more than any Docker call a
// command like `check` or `scale` makes; the result depends only on the files read, the
// options and netlab itself. So a load is kept, per user, keyed by netlab's build, the lab's
// path, the check file and the working folder (every copy of a lab, `--name`, shares it: the
// name is set after), with the size and sha256 of every file it read (and where each path
// led): any of them changed, and the lab is read again.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { FileRead } from './file-reads.js';

/** Set by the bundled build (scripts/bundle.mjs): a hash of the compiled code. Unbundled runs keep no cache. */
declare const __NETLAB_BUILD__: string | undefined;
const BUILD = typeof __NETLAB_BUILD__ === 'string' ? __NETLAB_BUILD__ : undefined;

interface Entry<T> {
  files: { path: string; real: string; size: number; sha256: string }[];
  value: T;
}

export interface CacheKeyParts {
  path: string;
  checksFile?: string;
}

/** The folder of kept loads, or undefined when nothing is kept (unbundled, or NETLAB_NO_CACHE). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, build = BUILD): string | undefined {
  if (!build || env.NETLAB_NO_CACHE) return undefined;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'netlab', 'labs');
}

export function cacheFile(dir: string, parts: CacheKeyParts, build = BUILD ?? '', cwd = process.cwd()): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ build, cwd, path: parts.path, checksFile: parts.checksFile ?? null }))
    .digest('hex');
  return join(dir, `${key.slice(0, 32)}.v8`);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The kept value, if every file it was read from is as it was; undefined otherwise (or on any error). */
export async function readKept<T>(file: string): Promise<T | undefined> {
  let entry: Entry<T>;
  try {
    entry = deserialize(await readFile(file)) as Entry<T>;
  } catch {
    return undefined;
  }
  try {
    const same = await Promise.all(
      entry.files.map(async (f) => {
        // Where the path leads, and that it is a file of the same size, before a byte is read:
        // a link that now leads elsewhere (a device, a pipe) is never opened here.
        if ((await realpath(f.path)) !== f.real) return false;
        const info = await stat(f.real);
        if (!info.isFile() || info.size !== f.size) return false;
        return sha256(await readFile(f.real, 'utf8')) === f.sha256;
      }),
    );
    return same.every(Boolean) ? entry.value : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `value` with the files it was read from. Best effort: a cache that cannot be written is no error. */
export async function keep<T>(file: string, reads: readonly FileRead[], value: T): Promise<void> {
  const entry: Entry<T> = {
    files: reads.map((r) => ({ path: r.path, real: r.real, size: Buffer.byteLength(r.text), sha256: sha256(r.text) })),
    value,
  };
  try {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, serialize(entry));
    await rename(tmp, file);
    await prune(join(file, '..'));
  } catch {
    // read-only home, full disk: the next load reads the files again
  }
}

/** Loads not written for this long are removed (once a day at most): each build and each lab copy has its own. */
export const KEPT_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

async function prune(dir: string, now = Date.now()): Promise<void> {
  const marker = join(dir, '.pruned');
  const last = await stat(marker).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (now - last < DAY_MS) return;
  await writeFile(marker, '');
  await utimes(marker, now / 1000, now / 1000);
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.v8')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > KEPT_DAYS * DAY_MS) await rm(path, { force: true });
  }
}
