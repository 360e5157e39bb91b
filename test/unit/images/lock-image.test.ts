import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { LOCK_IMAGE, lockImageArchive } from '../../../src/images/lock-image.js';

async function entries(tar: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        files.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return files;
}

describe('the lock image', () => {
  it('is a docker-save archive of one image without layers, named by its config', async () => {
    const files = await entries(await lockImageArchive('arm64', 'linux'));
    const manifest = JSON.parse(files.get('manifest.json')!) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.RepoTags).toEqual([LOCK_IMAGE]);
    expect(manifest[0]!.Layers).toEqual([]);
    const config = files.get(manifest[0]!.Config)!;
    expect(manifest[0]!.Config).toBe(`${createHash('sha256').update(config).digest('hex')}.json`);
    expect(JSON.parse(config)).toMatchObject({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  });

  it('is the same bytes every time (two loads at once load one image)', async () => {
    expect((await lockImageArchive('amd64', 'linux')).equals(await lockImageArchive('amd64', 'linux'))).toBe(true);
  });
});
