// `netlab images save/load`: carry the built images to a machine that cannot build
// them (no root, no mirror, a workshop without Wi-Fi) as one `docker save` tar.
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import { NetlabError } from '../core/errors.js';
import { IMAGE_NAMES, latestRefOf, type ImageName } from './catalogue.js';
import { followMessages } from './engine-build.js';
import { netlabImagesByTag } from './inventory.js';
import { imageRefs } from './tags.js';

/** Writes every current netlab image (by its content ref) to `file`; returns the refs saved. */
export async function saveImages(engine: Engine, file: string): Promise<string[]> {
  const [refs, present] = await Promise.all([imageRefs(), netlabImagesByTag(engine)]);
  const all = IMAGE_NAMES.map((name) => refs[name]);
  const missing = all.filter((ref) => !present.has(ref));
  if (missing.length) {
    throw new NetlabError(`Cannot save the netlab images: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not built.`, {
      hint: 'Build them first: `sudo netlab images build`.',
    });
  }
  // Written beside the target and renamed at the end, so a failed save leaves no half file.
  const partial = `${file}.partial`;
  try {
    const stream = await engine.saveImages(all);
    await pipeline(stream, createWriteStream(partial));
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw new NetlabError(`Saving the netlab images to ${file} failed: ${(err as Error).message}`, { cause: err });
  }
  return all;
}

/**
 * Loads a tar written by `saveImages` (or `docker save`) into the engine; returns the
 * refs it held. Images that are the current build of their name also become :latest.
 */
export async function loadImages(engine: Engine, file: string): Promise<string[]> {
  try {
    await stat(file);
  } catch (err) {
    throw new NetlabError(`Cannot load images: ${file} cannot be read (${(err as Error).message}).`, {
      hint: 'Pass the file written by `netlab images save`.',
      cause: err,
    });
  }
  let stream: Readable;
  try {
    stream = await engine.loadImages(file);
  } catch (err) {
    throw new NetlabError(`Loading ${file} failed: ${(err as Error).message}`, { cause: err });
  }
  const lines = await followMessages(stream, `Loading ${file}`);
  const loaded = lines.flatMap((line) => /^Loaded image: (\S+)/.exec(line)?.[1] ?? []);
  const refs = await imageRefs();
  const current = IMAGE_NAMES.filter((name: ImageName) => loaded.includes(refs[name]));
  await Promise.all(current.map((name) => engine.tagImage(refs[name], latestRefOf(name))));
  return loaded;
}
