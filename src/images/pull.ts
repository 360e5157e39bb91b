// Pulling a lab's images (the ones pods name that netlab does not build) onto the engine, with
// the user's registry credentials, each as a task whose progress counts its layers.
import type { Readable } from 'node:stream';
import { type EventSink, task } from '../core/events.js';
import type { ImageRef } from '../core/image-ref.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';
import { registryAuth } from '../engine/registry-auth.js';

/** One message of the engine's pull stream. */
export interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** The layer states of a pull, as the engine reports them per layer id. */
const LAYER_STATUSES = new Set([
  'Pulling fs layer',
  'Waiting',
  'Downloading',
  'Verifying Checksum',
  'Download complete',
  'Extracting',
  'Pull complete',
  'Already exists',
]);
const LAYER_DONE = new Set(['Pull complete', 'Already exists']);

/** Counts a pull's layers from its messages: how many there are, how many are in place, how many were fetched. */
export class PullProgress {
  private readonly layers = new Map<string, string>();
  private upToDate = false;

  /** Takes one message; true when it changed what `text` says. */
  take(message: PullMessage): boolean {
    const status = message.status ?? '';
    if (status.startsWith('Status: Image is up to date')) this.upToDate = true;
    if (!message.id || !LAYER_STATUSES.has(status)) return false;
    const before = this.layers.get(message.id);
    // A layer found on the engine stays so; one fetched ends as `Pull complete`.
    if (before === 'Already exists' || before === 'Pull complete') return false;
    this.layers.set(message.id, status);
    return before === undefined || LAYER_DONE.has(status);
  }

  get total(): number {
    return this.layers.size;
  }

  get done(): number {
    return [...this.layers.values()].filter((s) => LAYER_DONE.has(s)).length;
  }

  /** Layers fetched from the registry (not already on the engine). */
  get fetched(): number {
    return [...this.layers.values()].filter((s) => s === 'Pull complete').length;
  }

  /** `pulling 127.0.0.1:5000/course/web:1: 3/5 layers` */
  text(ref: string): string {
    return `pulling ${ref}: ${this.done}/${this.total} layers`;
  }

  /** What the pull did, once it is over. */
  summary(): string {
    if (this.upToDate) return 'up to date';
    // The engine names no layer when it holds every one of them already.
    if (this.total === 0) return 'pulled';
    const reused = this.total - this.fetched;
    if (this.fetched === 0) return `pulled (its ${reused} layer${reused === 1 ? ' was' : 's were'} on the engine already)`;
    return `pulled ${this.fetched} layer${this.fetched === 1 ? '' : 's'}${reused ? ` (${reused} already on the engine)` : ''}`;
  }
}

/** Reads a pull stream to its end; rejects with the engine's reason when the pull failed. */
export function followPull(stream: Readable, onMessage: (m: PullMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let error: string | undefined;
    const take = (line: string) => {
      if (!line.trim()) return;
      let message: PullMessage;
      try {
        message = JSON.parse(line) as PullMessage;
      } catch {
        return;
      }
      if (message.error || message.errorDetail?.message) error ??= message.errorDetail?.message ?? message.error;
      else onMessage(message);
    };
    stream.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(take);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      take(rest);
      if (error === undefined) resolve();
      else reject(new Error(error));
    });
  });
}

/**
 * The engine's reason: a pull refused before its stream starts comes as the client's
 * `(HTTP code 404) unexpected - <reason>`, which says nothing more than the reason.
 */
export function pullReason(err: unknown): string {
  return engineMessage(err)
    .replace(/^\(HTTP code \d+\) [^-]*- /, '')
    .trim();
}

/** Why a pull failed, in the engine's words. */
export class PullFailure extends Error {}

/**
 * Pulls `ref` (as `pullAs`: the tag kubelet pulls, or the digest) as a task of its own; throws a
 * PullFailure with the engine's reason when the pull fails.
 */
export async function pullImage(engine: Engine, ref: ImageRef, pullAs: string, emit: EventSink): Promise<void> {
  const id = `pull:${pullAs}`;
  const progress = new PullProgress();
  await task(
    emit,
    id,
    `image ${pullAs}`,
    async () => {
      emit({ type: 'task-progress', id, text: `pulling ${pullAs}` });
      try {
        const auth = await registryAuth(ref.domain);
        const stream = await engine.pullImage(ref.name, ref.digest ?? ref.tag ?? 'latest', auth);
        await followPull(stream, (m) => {
          if (progress.take(m)) emit({ type: 'task-progress', id, text: progress.text(pullAs) });
        });
      } catch (err) {
        throw new PullFailure(pullReason(err));
      }
      return progress.summary();
    },
    (summary) => summary,
    'images',
  );
}
