// The image a lab's lock is made from (src/cluster/lock.ts): no layers and a command that never
// runs, loaded from a few bytes built here, so locking needs no build, no registry and none of
// netlab's other images. Its content is fixed (so is its ID): two first commands that load it at
// once load the same image.
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import type { Engine } from '../engine/engine.js';
import { followMessages } from './engine-build.js';

export const LOCK_IMAGE = 'netlab/lock:1';

/** A `docker save` archive holding only LOCK_IMAGE, for the engine's platform. */
export async function lockImageArchive(arch: string, os: string): Promise<Buffer> {
  const config = JSON.stringify({
    architecture: arch,
    os,
    created: '2025-01-01T00:00:00Z',
    config: { Cmd: ['netlab-lock'], Labels: { 'netlab.role': 'lock' } },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  });
  const configFile = `${createHash('sha256').update(config).digest('hex')}.json`;
  const tar = pack();
  tar.entry({ name: configFile, mode: 0o644, mtime: new Date(0) }, config);
  tar.entry({ name: 'manifest.json', mode: 0o644, mtime: new Date(0) }, JSON.stringify([{ Config: configFile, RepoTags: [LOCK_IMAGE], Layers: [] }]));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Loads LOCK_IMAGE into the engine (done once per engine, when a lock first finds it missing). */
export async function loadLockImage(engine: Engine): Promise<void> {
  const version = await engine.version();
  const stream = await engine.loadImages(await lockImageArchive(version.Arch || 'amd64', version.Os || 'linux'));
  await followMessages(stream, `Loading ${LOCK_IMAGE}`);
}
