import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingReads } from '../../../src/labfile/cache/file-reads.js';
import { cacheDir, cacheFile, KEPT_DAYS, keep, readKept } from '../../../src/labfile/cache/load-cache.js';
import { listLabs, loadLab } from '../../../src/labfile/load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'netlab-cache-'));
  dirs.push(d);
  return d;
}

/** A lab folder: lab.yaml naming a manifests file beside it. */
function labFolder(root: string): { lab: string; manifests: string } {
  const dir = join(root, 'lab');
  mkdirSync(dir);
  const lab = join(dir, 'lab.yaml');
  const manifests = join(dir, 'pods.yaml');
  writeFileSync(lab, 'name: cached\ntopology:\n  nodes:\n    - { name: node1, podCIDR: 10.0.1.0/24 }\nworkloads:\n  - file: pods.yaml\n');
  writeFileSync(
    manifests,
    'apiVersion: v1\nkind: Pod\nmetadata: { name: web, labels: { app: web } }\nspec:\n  containers:\n    - { name: app, image: netlab/app }\n',
  );
  return { lab, manifests };
}

async function loadKept(lab: string, file: string) {
  const hit = await readKept<Awaited<ReturnType<typeof loadLab>>>(file);
  if (hit) return { hit: true, loaded: hit };
  const { value, reads } = await recordingReads(() => loadLab(lab));
  await keep(file, reads, value);
  return { hit: false, loaded: value, reads };
}

describe('kept lab loads', () => {
  it('every shipped lab comes back from the cache exactly as it was loaded', async () => {
    for (const { file } of await listLabs()) {
      const loaded = await loadLab(file);
      expect(deserialize(serialize(loaded)), file).toStrictEqual(loaded);
    }
  });

  it('keeps nothing unbundled (no build id) or with NETLAB_NO_CACHE', () => {
    expect(cacheDir({}, undefined)).toBeUndefined();
    expect(cacheDir({ NETLAB_NO_CACHE: '1' }, 'b1')).toBeUndefined();
    expect(cacheDir({ XDG_CACHE_HOME: '/c' }, 'b1')).toBe('/c/netlab/labs');
  });

  it('a key per build, path, check file and working folder (not per copy: a name is set after)', () => {
    const base = { path: '/l/lab.yaml' };
    const keys = [
      cacheFile('/c', base, 'b1', '/w'),
      cacheFile('/c', base, 'b2', '/w'),
      cacheFile('/c', { ...base, checksFile: '/k.yaml' }, 'b1', '/w'),
      cacheFile('/c', base, 'b1', '/elsewhere'),
      cacheFile('/c', { path: '/m/lab.yaml' }, 'b1', '/w'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(cacheFile('/c', base, 'b1', '/w')).toBe(keys[0]);
  });

  it('is used while every file read is unchanged, and read again when one changed, even at the same size', async () => {
    const root = scratch();
    const { lab, manifests } = labFolder(root);
    const file = join(root, 'cache', 'k.v8');
    const first = await loadKept(lab, file);
    expect(first.hit).toBe(false);
    expect(first.reads?.map((r) => r.path).sort()).toEqual([lab, manifests].sort());
    const second = await loadKept(lab, file);
    expect(second).toMatchObject({ hit: true });
    expect(second.loaded).toStrictEqual(first.loaded);

    writeFileSync(manifests, readFileSync(manifests, 'utf8').replace('name: web', 'name: wab'));
    const third = await loadKept(lab, file);
    expect(third.hit).toBe(false);
    expect(third.loaded.lab.pods.map((p) => p.name)).toEqual(['wab']);
  });

  it('a manifests path that now leads elsewhere (a pipe) is a miss, and is never opened', async () => {
    const root = scratch();
    const { lab, manifests } = labFolder(root);
    const file = join(root, 'cache', 'k.v8');
    await loadKept(lab, file);
    // The same name, now a link to a FIFO: opening it would block for ever.
    const fifo = join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    unlinkSync(manifests);
    symlinkSync(fifo, manifests);
    expect(await readKept(file)).toBeUndefined();
  });

  it('removes loads not written for KEPT_DAYS when it writes one (once a day)', async () => {
    const root = scratch();
    const old = join(root, 'old.v8');
    const fresh = join(root, 'fresh.v8');
    writeFileSync(old, '');
    writeFileSync(fresh, '');
    const long = (Date.now() - (KEPT_DAYS + 1) * 24 * 3600 * 1000) / 1000;
    utimesSync(old, long, long);
    await keep(join(root, 'new.v8'), [], { x: 1 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(await readKept(join(root, 'new.v8'))).toEqual({ x: 1 });
  });

  it('a missing or unreadable cache file is a miss, and an unwritable folder no error', async () => {
    const root = scratch();
    expect(await readKept(join(root, 'none.v8'))).toBeUndefined();
    writeFileSync(join(root, 'junk.v8'), 'not v8');
    expect(await readKept(join(root, 'junk.v8'))).toBeUndefined();
    writeFileSync(join(root, 'file'), '');
    await expect(keep(join(root, 'file', 'sub', 'k.v8'), [], { x: 1 })).resolves.toBeUndefined();
  });
});
