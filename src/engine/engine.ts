// The one place netlab talks to the Docker engine. `lab` and `checks` both go through it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { NetlabError } from '../core/errors.js';

export type { Docker };

/** Where an engine answered, and how it was found (shown by `netlab doctor`). */
export interface EngineEndpoint {
  /** A human description: "DOCKER_HOST", "docker context colima", "/var/run/docker.sock". */
  source: string;
  options: Docker.DockerOptions;
}

export class EngineUnavailableError extends NetlabError {
  constructor(tried: string[], cause?: unknown) {
    super(`No Docker engine answered (tried ${tried.join(', ')}).`, {
      hint:
        'Start a Docker engine (Linux: `sudo systemctl start docker`, or `sudo dockerd &`; macOS/Windows: start Docker Desktop), ' +
        'or point DOCKER_HOST at one (for example DOCKER_HOST=unix:///run/user/1000/docker.sock for rootless Docker).',
      exitCode: 3,
      cause,
    });
  }
}

function optionsFromHost(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length).replace(/\//g, '\\') };
  const url = new URL(host.replace(/^tcp:\/\//, 'http://'));
  const tls = process.env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
  const certDir = process.env.DOCKER_CERT_PATH;
  return {
    host: url.hostname,
    port: Number(url.port || (tls ? 2376 : 2375)),
    protocol: tls ? 'https' : 'http',
    ...(tls && certDir
      ? {
          ca: readFileSync(join(certDir, 'ca.pem')),
          cert: readFileSync(join(certDir, 'cert.pem')),
          key: readFileSync(join(certDir, 'key.pem')),
        }
      : {}),
  };
}

/** The endpoint of the current `docker context` (as the docker CLI resolves it), if one is set. */
function contextEndpoint(dockerConfigDir: string): EngineEndpoint | undefined {
  let name = process.env.DOCKER_CONTEXT;
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(join(dockerConfigDir, 'config.json'), 'utf8')) as { currentContext?: string })
        .currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(readFileSync(join(dockerConfigDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    const host = meta.Endpoints?.docker?.Host;
    return host ? { source: `docker context ${name}`, options: optionsFromHost(host) } : undefined;
  } catch {
    return undefined;
  }
}

/** Candidate endpoints in the order the Docker ecosystem (docker CLI, testcontainers) tries them. */
export function candidateEndpoints(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) return [{ source: `DOCKER_HOST=${env.DOCKER_HOST}`, options: optionsFromHost(env.DOCKER_HOST) }];
  const home = homedir();
  const configDir = env.DOCKER_CONFIG ?? join(home, '.docker');
  const found: EngineEndpoint[] = [];
  const ctx = contextEndpoint(configDir);
  if (ctx) found.push(ctx);
  if (process.platform === 'win32') {
    found.push({ source: 'npipe docker_engine', options: { socketPath: '//./pipe/docker_engine' } });
    return found;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined, // rootless
    uid !== undefined ? `/run/user/${uid}/docker.sock` : undefined, // rootless
    join(home, '.docker', 'run', 'docker.sock'), // Docker Desktop
    join(home, '.docker', 'desktop', 'docker.sock'), // Docker Desktop (Linux)
    join(home, '.colima', 'default', 'docker.sock'),
    join(home, '.orbstack', 'run', 'docker.sock'),
  ];
  for (const socket of new Set(sockets)) {
    if (socket && existsSync(socket)) found.push({ source: socket, options: { socketPath: socket } });
  }
  if (found.length === 0) found.push({ source: '/var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } });
  return found;
}

export interface Engine {
  docker: Docker;
  endpoint: EngineEndpoint;
}

let cached: Promise<Engine> | undefined;

/** Finds a Docker engine that answers a ping; memoised for the process. */
export function connectEngine(): Promise<Engine> {
  cached ??= (async () => {
    const tried: string[] = [];
    let lastError: unknown;
    for (const endpoint of candidateEndpoints()) {
      tried.push(endpoint.source);
      const docker = new Docker({ ...endpoint.options, timeout: 0 });
      try {
        await withTimeout(docker.ping(), 3000, 'ping');
        return { docker, endpoint };
      } catch (err) {
        lastError = err;
      }
    }
    throw new EngineUnavailableError(tried, lastError);
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a running container and collects its output. */
export async function execIn(
  docker: Docker,
  containerId: string,
  cmd: string[],
  options: { stdin?: string; env?: string[]; user?: string } = {},
): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    Env: options.env,
    User: options.user,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
  });
  const stream = (await exec.start({ hijack: true, stdin: options.stdin !== undefined })) as NodeJS.ReadWriteStream &
    Readable;
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  docker.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  if (options.stdin !== undefined) {
    stream.write(options.stdin);
    // Half-close so the command sees EOF on stdin while we keep reading its output.
    (stream as unknown as { end: () => void }).end();
  }
  await ended;
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.out).toString('utf8'),
    stderr: Buffer.concat(chunks.err).toString('utf8'),
  };
}

/** Runs `fn` over `items` with at most `limit` running at once; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

export function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 409;
}

/** A limit on concurrent work shared by independent pipelines: `limit(fn)` runs fn when a slot frees. */
export function limiter(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Awaits every promise (so nothing is left running), then throws the first failure, if any. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Groups calls that arrive while a batch is running into the next batch: `submit(x)` resolves
 * with x's result. One `docker exec` for many pods costs little more than for one.
 */
export function batcher<In, Out>(run: (items: In[]) => Promise<Out[]>): (item: In) => Promise<Out> {
  let queue: { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  let running = false;
  const flush = async () => {
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue;
    queue = [];
    try {
      const out = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      running = false;
      void flush();
    }
  };
  return (item) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      void flush();
    });
}
