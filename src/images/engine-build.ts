// The engine side of image builds: a tar build context for the classic builder
// (no BuildKit, no pulls: every FROM names an image already in the engine), the
// import of the base root file system, and reading the engine's JSON progress stream.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { Engine } from '../engine/engine.js';
import { NetlabError } from '../core/errors.js';
import type { LineSink } from './host-build.js';

export interface ContextFile {
  /** Path inside the build context. */
  name: string;
  /** Where to read it from. */
  source: string;
  mode?: number;
}

/** Packs files into an (uncompressed) tar build context held in memory; contexts here are a few MB. */
export async function buildContext(files: readonly ContextFile[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<Buffer>((resolve, reject) => {
    tar.on('data', (c: unknown) => chunks.push(c as Buffer));
    tar.on('end', () => resolve(Buffer.concat(chunks)));
    tar.on('error', reject);
  });
  // A fixed mtime keeps the context (and the builder's cache keys) the same for the same files.
  const mtime = new Date(0);
  for (const file of files) {
    const content = await readFile(file.source);
    await new Promise<void>((resolve, reject) =>
      tar.entry({ name: file.name, mode: file.mode ?? 0o644, mtime }, content, (err) => (err ? reject(err) : resolve())),
    );
  }
  tar.finalize();
  return collected;
}

interface ProgressMessage {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Reads an engine progress stream (newline-separated JSON, as build, import and
 * load answer), passing its text lines to `onLine`. Resolves with every text line;
 * rejects when the engine reports an error, with the last lines in the hint.
 */
export function followMessages(stream: Readable, what: string, onLine?: LineSink): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let rest = '';
    let error: string | undefined;
    const take = (raw: string) => {
      if (!raw.trim()) return;
      let message: ProgressMessage;
      try {
        message = JSON.parse(raw) as ProgressMessage;
      } catch {
        message = { stream: raw };
      }
      if (message.error || message.errorDetail?.message) {
        error ??= message.error ?? message.errorDetail?.message;
        return;
      }
      const text = message.stream ?? (message.status ? [message.status, message.progress].filter(Boolean).join(' ') : '');
      for (const line of text.split('\n')) {
        const trimmed = line.trimEnd();
        if (!trimmed) continue;
        lines.push(trimmed);
        onLine?.(trimmed);
      }
    };
    stream.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      parts.forEach(take);
    });
    stream.on('error', (err) => reject(new NetlabError(`${what} failed: ${err.message}`, { cause: err })));
    stream.on('end', () => {
      take(rest);
      if (error === undefined) {
        resolve(lines);
        return;
      }
      const tail = lines.slice(-12);
      reject(
        new NetlabError(`${what} failed: ${error.trim()}`, {
          hint: tail.length ? `last lines of the build output:\n${tail.join('\n')}` : undefined,
        }),
      );
    });
  });
}

export interface DockerBuildOptions {
  /** Every tag to give the image (its content ref and :latest). */
  tags: readonly string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Give the build steps the engine's default network (else none). */
  network?: boolean;
}

/** Builds a Dockerfile image with the classic builder from an in-memory context. */
export async function dockerBuild(engine: Engine, context: Buffer, options: DockerBuildOptions, what: string, onLine?: LineSink): Promise<void> {
  let stream: Readable;
  try {
    stream = await engine.buildImage(context, options);
  } catch (err) {
    throw new NetlabError(`${what} failed: ${(err as Error).message}`, { cause: err });
  }
  await followMessages(stream, what, onLine);
}

/** `docker import` through the engine API: a root file system tar becomes `repo:tag`. */
export async function importRootfs(engine: Engine, tarFile: string, ref: string, changes: readonly string[], onLine?: LineSink): Promise<void> {
  let stream: Readable;
  try {
    stream = await engine.importImage(tarFile, ref, changes, 'netlab base image (docker/base/build.sh)');
  } catch (err) {
    throw new NetlabError(`Importing ${ref} failed: ${(err as Error).message}`, { cause: err });
  }
  await followMessages(stream, `Importing ${ref}`, onLine);
}
