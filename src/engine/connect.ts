// Finding the Docker engine as the docker CLI does: DOCKER_HOST, the current docker context,
// then the usual sockets (rootful, rootless, Docker Desktop, colima, OrbStack).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { withTimeout } from '../core/concurrency.js';
import { NetlabError } from '../core/errors.js';
import { Engine } from './engine.js';

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

/** Where an engine answered, and how it was found (shown by `netlab doctor`). */
export interface EngineEndpoint {
  /** A human description: "DOCKER_HOST", "docker context colima", "/var/run/docker.sock". */
  source: string;
  options: Docker.DockerOptions;
  /**
   * The engine runs on this machine (a local socket, or TCP to a loopback address): the ports it
   * publishes on 127.0.0.1 are this machine's, and a Linux engine's networks are routes in this
   * machine's table. Preflight then also asks the host (its routes, its listening ports).
   */
  local: boolean;
}

/** Whether these options reach an engine on this machine: a socket or named pipe, or a loopback address. */
export function isLocalEngine(options: Docker.DockerOptions): boolean {
  if (options.socketPath) return true;
  const host = (options.host ?? '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function endpoint(source: string, options: Docker.DockerOptions): EngineEndpoint {
  return { source, options, local: isLocalEngine(options) };
}

function optionsFromHost(host: string, env: NodeJS.ProcessEnv): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length).replace(/\//g, '\\') };
  const url = new URL(host.replace(/^tcp:\/\//, 'http://'));
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
  const certDir = env.DOCKER_CERT_PATH;
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
function contextEndpoint(dockerConfigDir: string, env: NodeJS.ProcessEnv): EngineEndpoint | undefined {
  let name = env.DOCKER_CONTEXT;
  if (name) return namedContextEndpoint(dockerConfigDir, name, env);
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(join(dockerConfigDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  return namedContextEndpoint(dockerConfigDir, name, env);
}

/** A named docker context's endpoint (`docker context create NAME --docker host=...`). */
function namedContextEndpoint(dockerConfigDir: string, name: string, env: NodeJS.ProcessEnv): EngineEndpoint | undefined {
  if (name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(readFileSync(join(dockerConfigDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    const host = meta.Endpoints?.docker?.Host;
    return host ? endpoint(`docker context ${name}`, optionsFromHost(host, env)) : undefined;
  } catch {
    return undefined;
  }
}

/** Candidate endpoints in the order the Docker ecosystem (docker CLI, testcontainers) tries them. */
export function candidateEndpoints(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) return [endpoint(`DOCKER_HOST=${env.DOCKER_HOST}`, optionsFromHost(env.DOCKER_HOST, env))];
  const home = homedir();
  const configDir = env.DOCKER_CONFIG ?? join(home, '.docker');
  const found: EngineEndpoint[] = [];
  const ctx = contextEndpoint(configDir, env);
  if (ctx) found.push(ctx);
  if (process.platform === 'win32') {
    found.push(endpoint('npipe docker_engine', { socketPath: '//./pipe/docker_engine' }));
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
    if (socket && existsSync(socket)) found.push(endpoint(socket, { socketPath: socket }));
  }
  if (found.length === 0) found.push(endpoint('/var/run/docker.sock', { socketPath: '/var/run/docker.sock' }));
  return found;
}

const cachedByContext = new Map<string, Promise<Engine>>();

/**
 * The engine of a docker context by name (`undefined` or "default": the engine the docker CLI
 * finds without one); memoised per context for the process.
 */
export function connectEngineAt(context: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  if (context === undefined || context === 'default') {
    const { DOCKER_CONTEXT: _unused, ...rest } = env;
    return context === undefined ? connectEngine(env) : connectEngine(rest);
  }
  let found = cachedByContext.get(context);
  if (!found) {
    found = connectEngineUncached({ ...env, DOCKER_CONTEXT: context, DOCKER_HOST: undefined });
    cachedByContext.set(context, found);
    found.catch(() => cachedByContext.delete(context));
  }
  return found;
}

let cached: Promise<Engine> | undefined;

/** Finds a Docker engine that answers a ping; memoised for the process. */
export function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  cached ??= connectEngineUncached(env);
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

function connectEngineUncached(env: NodeJS.ProcessEnv): Promise<Engine> {
  return (async () => {
    const tried: string[] = [];
    let lastError: unknown;
    for (const endpoint of candidateEndpoints(env)) {
      tried.push(endpoint.source);
      const engine = new Engine(new Docker({ ...endpoint.options, timeout: 0 }), endpoint);
      try {
        await withTimeout(engine.ping(), 3000, 'ping');
        return engine;
      } catch (err) {
        lastError = err;
      }
    }
    throw new EngineUnavailableError(tried, lastError);
  })();
}
