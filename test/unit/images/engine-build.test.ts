import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContext, followMessages } from '../../../src/images/engine-build.js';
import { NetlabError } from '../../../src/core/errors.js';

/** An engine progress stream delivered in awkward chunks (a line split across two). */
function messages(...objects: object[]): Readable {
  const text = objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
  const cut = Math.floor(text.length / 2);
  return Readable.from([Buffer.from(text.slice(0, cut)), Buffer.from(text.slice(cut))]);
}

describe('followMessages', () => {
  it('passes on the text lines of stream and status messages', async () => {
    const seen: string[] = [];
    const lines = await followMessages(
      messages({ stream: 'Step 1/2 : FROM x\n' }, { stream: ' ---> abc\n' }, { aux: { ID: 'sha256:1' } }, { status: 'Loaded image: netlab/a:1' }),
      'Building',
      (l) => seen.push(l),
    );
    expect(lines).toEqual(['Step 1/2 : FROM x', ' ---> abc', 'Loaded image: netlab/a:1']);
    expect(seen).toEqual(lines);
  });

  it('rejects with the engine error, and the last lines as the hint', async () => {
    const err = await followMessages(
      messages({ stream: 'Step 1/3 : FROM netlab/base:x\n' }, { error: 'pull access denied', errorDetail: { message: 'pull access denied' } }),
      'Building netlab/app:1',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).message).toBe('Building netlab/app:1 failed: pull access denied');
    expect((err as NetlabError).hint).toContain('Step 1/3 : FROM netlab/base:x');
  });
});

describe('buildContext', () => {
  it('packs the files with their names and modes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netlab-ctx-'));
    try {
      await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
      await writeFile(join(dir, 'bin'), 'binary');
      const tar = await buildContext([
        { name: 'Dockerfile', source: join(dir, 'Dockerfile') },
        { name: 'pause', source: join(dir, 'bin'), mode: 0o755 },
      ]);
      const entries: { name: string; mode?: number; text: string }[] = [];
      const ex = extract();
      Readable.from([tar]).pipe(ex);
      for await (const entry of ex) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        entries.push({ name: entry.header.name, mode: entry.header.mode, text: Buffer.concat(chunks).toString() });
      }
      expect(entries).toEqual([
        { name: 'Dockerfile', mode: 0o644, text: 'FROM scratch\n' },
        { name: 'pause', mode: 0o755, text: 'binary' },
      ]);
      // The same files give the same bytes (a fixed mtime), so the builder's cache can hit.
      expect(
        (await buildContext([{ name: 'Dockerfile', source: join(dir, 'Dockerfile') }])).equals(
          await buildContext([{ name: 'Dockerfile', source: join(dir, 'Dockerfile') }]),
        ),
      ).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
