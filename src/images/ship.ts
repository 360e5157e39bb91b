// Images built here, shipped there: when the target engine lacks netlab images and is not this
// machine's own engine, the missing ones are taken from this machine's engine (built there first
// if it lacks them too) and moved as `docker save` streamed into `docker load`, with the bytes
// moved as progress. The content-hash tags (tags.ts) make an image shipped the same image.
import { PassThrough, Transform } from 'node:stream';
import { NetlabError } from '../core/errors.js';
import { type EventSink, task } from '../core/events.js';
import type { Engine } from '../engine/engine.js';
import type { ImageName } from './catalogue.js';
import { followMessages } from './engine-build.js';
import { netlabImagesByTag } from './inventory.js';

/**
 * Whether images built on `source` can be shipped to `target`: another engine (not the same one
 * reached two ways: the same socket, else the same `docker info` identity) of the same architecture.
 */
export async function canShip(source: Engine, target: Engine): Promise<boolean> {
  if (source === target) return false;
  const socket = (e: Engine) => (e.endpoint.transport === 'unix' ? e.endpoint.options.socketPath : undefined);
  if (socket(source) && socket(source) === socket(target)) return false;
  const [s, t] = await Promise.all([source.info(), target.info()]);
  return s.id !== t.id && s.arch === t.arch;
}

const MB = 1024 * 1024;

/** Counts the bytes passing through, reporting every few MB. */
function byteCounter(report: (bytes: number) => void, everyBytes = 16 * MB): Transform {
  let total = 0;
  let reported = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total - reported >= everyBytes) {
        reported = total;
        report(total);
      }
      callback(null, chunk);
    },
    flush(callback) {
      report(total);
      callback();
    },
  });
}

const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Moves the images `names` (by their refs) from `source` to `target`, as one save streamed into
 * one load; a task whose progress is the bytes moved and whose detail names what was shipped.
 * Throws when the target does not hold every ref afterwards.
 */
export async function shipImages(source: Engine, target: Engine, names: readonly ImageName[], refs: Record<ImageName, string>, emit: EventSink): Promise<void> {
  const wanted = names.map((name) => refs[name]);
  const id = 'image:ship';
  let moved = 0;
  await task(
    emit,
    id,
    `ship ${wanted.join(', ')} to ${target.endpoint.source}`,
    async () => {
      const saved = await source.saveImages(wanted);
      const counted = saved.pipe(
        byteCounter((bytes) => {
          moved = bytes;
          emit({ type: 'task-progress', id, text: `${megabytes(bytes)} moved` });
        }),
      );
      saved.on('error', (err) => counted.destroy(err));
      const body = counted.pipe(new PassThrough());
      counted.on('error', (err) => body.destroy(err));
      const loaded = await followMessages(await target.loadImages(body), `Loading the images into ${target.endpoint.source}`);
      const now = await netlabImagesByTag(target);
      const absent = wanted.filter((ref) => !now.has(ref));
      if (absent.length) {
        throw new NetlabError(`Shipping the images to ${target.endpoint.source} left ${absent.join(', ')} missing there.`, {
          hint: `The engine said: ${loaded.slice(-5).join('; ') || 'nothing'}. Try netlab images build on that engine (netlab --context NAME images build).`,
        });
      }
    },
    () => `shipped ${wanted.join(', ')} (${megabytes(moved)})`,
    'images',
  );
}
