// Finding the Docker engine as the docker CLI does (its cli/command resolution): a context named
// by --context (netlab's global option sets DOCKER_CONTEXT), then DOCKER_HOST, then
// DOCKER_CONTEXT, then config.json's currentContext; without any, the usual sockets (rootful,
// rootless, Docker Desktop, colima, OrbStack). unix://, npipe://, tcp:// (with TLS) and ssh://
// (the user's own ssh running `docker system dial-stdio`, src/engine/ssh.ts) are reached.
import { existsSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { withTimeout } from '../core/concurrency.js';
import { NetlabError } from '../core/errors.js';
import { currentContext, DEFAULT_CONTEXT, type DockerContext, dockerConfigDir, readContext, type TlsMaterial, tlsFromEnv } from './context-store.js';

export { selectContext } from './context-store.js';
import { Engine } from './engine.js';
import { parseSshUrl, SshAgent } from './ssh.js';

export class EngineUnavailableError extends NetlabError {
  constructor(tried: string[], cause?: unknown, hint?: string) {
    super(`No Docker engine answered (tried ${tried.join(', ')}).`, {
      hint:
        hint ??
        'Start a Docker engine (Linux: `sudo systemctl start docker`, or `sudo dockerd &`; macOS/Windows: start Docker Desktop), ' +
          'or point DOCKER_HOST at one (for example DOCKER_HOST=unix:///run/user/1000/docker.sock for rootless Docker).',
      exitCode: 3,
      cause,
    });
  }
}

/** A context named by --context, DOCKER_CONTEXT or config.json that the store does not have: never a silent fall back to the sockets. */
export class ContextNotFoundError extends NetlabError {
  constructor(name: string, namedBy: string, configDir: string) {
    super(`The docker context "${name}" (named by ${namedBy}) does not exist in ${configDir}.`, {
      hint: 'See the contexts there: docker context ls. Create it with docker context create NAME --docker host=ssh://user@host (or tcp://, unix://).',
      exitCode: 2,
    });
  }
}

/** How netlab talks to the engine. */
export type EngineTransport = 'unix' | 'npipe' | 'tcp' | 'ssh';

/** Where an engine answered, and how it was found (shown by `netlab doctor`). */
export interface EngineEndpoint {
  /** A human description: "DOCKER_HOST=tcp://…", "docker context colima (ssh://…)", "/var/run/docker.sock". */
  source: string;
  options: Docker.DockerOptions;
  /**
   * The engine runs on this machine (a local socket, or TCP to a loopback address): the ports it
   * publishes on 127.0.0.1 are this machine's, and a Linux engine's networks are routes in this
   * machine's table. Preflight then also asks the host (its routes, its listening ports). An ssh
   * engine never is: the far side may be another machine, whatever its address.
   */
  local: boolean;
  transport: EngineTransport;
  /** The docker context it was found through, if any. */
  context?: string;
}

/** Whether these options reach an engine on this machine: a socket or named pipe, or a loopback address. */
export function isLocalEngine(options: Docker.DockerOptions): boolean {
  if (options.socketPath) return true;
  const host = (options.host ?? '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function socketEndpoint(source: string, socketPath: string, transport: 'unix' | 'npipe' = 'unix', context?: string): EngineEndpoint {
  return { source, options: { socketPath }, local: true, transport, ...(context ? { context } : {}) };
}

function badHost(host: string, namedBy: string): NetlabError {
  return new NetlabError(`${namedBy} ${host} is not an engine address netlab can reach.`, {
    hint: 'Use unix:///path/to/docker.sock, tcp://host:port (TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH or a context), ssh://[user@]host[:port] or npipe://.',
    exitCode: 2,
  });
}

/** The endpoint of a docker host address, as the docker CLI parses it (no scheme: tcp). */
export function endpointOfHost(host: string, tls: TlsMaterial | undefined, source: string, context?: string): EngineEndpoint {
  const scheme = /^([a-z]+):\/\//.exec(host)?.[1];
  const namedBy = context ? `The docker context "${context}"'s host` : 'DOCKER_HOST';
  if (scheme === 'unix') {
    const path = host.slice('unix://'.length);
    if (!path) throw badHost(host, namedBy);
    return socketEndpoint(source, path, 'unix', context);
  }
  if (scheme === 'npipe') return socketEndpoint(source, host.slice('npipe://'.length).replace(/\//g, '\\'), 'npipe', context);
  if (scheme === 'ssh') {
    const target = parseSshUrl(host);
    // A placeholder host: every byte goes through the agent's ssh processes.
    const options = { host: 'docker.example.com', port: 80, protocol: 'http', agent: new SshAgent(target) } as Docker.DockerOptions;
    return { source, options, local: false, transport: 'ssh', ...(context ? { context } : {}) };
  }
  if (scheme !== undefined && scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') throw badHost(host, namedBy);
  let url: URL;
  try {
    url = new URL(`http://${scheme ? host.slice(scheme.length + 3) : host}`);
  } catch {
    throw badHost(host, namedBy);
  }
  if (!url.hostname) throw badHost(host, namedBy);
  const useTls = tls !== undefined || scheme === 'https';
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const options: Docker.DockerOptions = {
    host: hostname,
    port: Number(url.port || (useTls ? 2376 : 2375)),
    protocol: useTls ? 'https' : 'http',
  };
  if (useTls) {
    const material = tls ?? { skipVerify: false };
    // The engine client passes `agent` on to each request (its declarations leave it out).
    Object.assign(options, {
      ...(material.ca ? { ca: material.ca } : {}),
      ...(material.cert ? { cert: material.cert } : {}),
      ...(material.key ? { key: material.key } : {}),
      // The agent carries what the engine client has no option for (not verifying), and keeps connections.
      agent: new HttpsAgent({ keepAlive: true, ca: material.ca, cert: material.cert, key: material.key, rejectUnauthorized: !material.skipVerify }),
    });
  }
  return { source, options, local: isLocalEngine(options), transport: 'tcp', ...(context ? { context } : {}) };
}

function contextEndpoint(ctx: DockerContext): EngineEndpoint {
  return endpointOfHost(ctx.host, ctx.host.startsWith('ssh://') ? undefined : ctx.tls, `docker context ${ctx.name} (${ctx.host})`, ctx.name);
}

/** The usual sockets of this machine, those that exist (the first when none does). */
function socketEndpoints(env: NodeJS.ProcessEnv): EngineEndpoint[] {
  if (process.platform === 'win32') return [socketEndpoint('npipe docker_engine', '//./pipe/docker_engine', 'npipe')];
  const home = homedir();
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
  const found: EngineEndpoint[] = [];
  for (const socket of new Set(sockets)) {
    if (socket && existsSync(socket)) found.push(socketEndpoint(socket, socket));
  }
  return found.length ? found : [socketEndpoint('/var/run/docker.sock', '/var/run/docker.sock')];
}

/**
 * The endpoints to try, in the docker CLI's order: DOCKER_HOST (the default context's host),
 * then the context DOCKER_CONTEXT or config.json names (which must exist), else this machine's
 * sockets. netlab's --context sets DOCKER_CONTEXT and clears DOCKER_HOST, as the CLI's flag wins.
 */
export function candidateEndpoints(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) return [endpointOfHost(env.DOCKER_HOST, tlsFromEnv(env), `DOCKER_HOST=${env.DOCKER_HOST}`)];
  const configDir = dockerConfigDir(env);
  const fromEnv = env.DOCKER_CONTEXT || undefined;
  const name = fromEnv ?? currentContext(configDir);
  if (name && name !== DEFAULT_CONTEXT) {
    const ctx = readContext(configDir, name);
    if (!ctx)
      throw new ContextNotFoundError(
        name,
        fromEnv ? (env.NETLAB_CONTEXT_FLAG === '1' ? '--context' : 'DOCKER_CONTEXT') : 'config.json currentContext',
        configDir,
      );
    return [contextEndpoint(ctx)];
  }
  return socketEndpoints(env);
}

const cachedByContext = new Map<string, Promise<Engine>>();

/**
 * The engine of a docker context by name (`undefined`: the engine this process uses; "default":
 * the engine the docker CLI finds without a context); memoised per context for the process.
 */
export function connectEngineAt(context: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  if (context === undefined) return connectEngine(env);
  let found = cachedByContext.get(context);
  if (!found) {
    // "default" is DOCKER_HOST or the sockets, as for the docker CLI; any other name is that context's host.
    const contextEnv = context === DEFAULT_CONTEXT ? { ...env, DOCKER_CONTEXT: DEFAULT_CONTEXT } : { ...env, DOCKER_CONTEXT: context, DOCKER_HOST: undefined };
    found = connectEngineUncached({ ...contextEnv, NETLAB_CONTEXT_FLAG: '1' });
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

let localBuild: Promise<Engine | undefined> | undefined;

/**
 * The engine images are built on: this machine's own (its usual sockets, ignoring DOCKER_HOST and
 * any context), when one answers; undefined when none does.
 */
export function localBuildEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine | undefined> {
  localBuild ??= (async () => {
    for (const endpoint of socketEndpoints(env)) {
      const engine = new Engine(new Docker({ ...endpoint.options, timeout: 0 }), endpoint);
      try {
        // Longer than a first try: on a busy machine a local engine answers late, and building there beats building remotely.
        await withTimeout(engine.ping(), 10_000, 'ping');
        return engine;
      } catch {}
    }
    return undefined;
  })();
  return localBuild;
}

/** An ssh engine's first answer takes a login (ssh's own ConnectTimeout is 30 s). */
const PING_MS: Record<EngineTransport, number> = { unix: 3000, npipe: 3000, tcp: 10_000, ssh: 35_000 };

function connectEngineUncached(env: NodeJS.ProcessEnv): Promise<Engine> {
  return (async () => {
    const endpoints = candidateEndpoints(env);
    const tried: string[] = [];
    let lastError: unknown;
    for (const endpoint of endpoints) {
      tried.push(endpoint.source);
      const engine = new Engine(new Docker({ ...endpoint.options, timeout: 0 }), endpoint);
      try {
        await withTimeout(engine.ping(), PING_MS[endpoint.transport], 'ping');
        return engine;
      } catch (err) {
        lastError = err;
        // An ssh still waiting (a passphrase prompt, a slow host) is not left behind.
        (endpoint.options as { agent?: { destroy?: () => void } }).agent?.destroy?.();
      }
    }
    const only = endpoints.length === 1 ? endpoints[0]! : undefined;
    // ssh's own failure (auth, host key, no docker there) says more than "no engine answered".
    if (only?.transport === 'ssh' && lastError instanceof NetlabError) throw lastError;
    if (only && (only.context || env.DOCKER_HOST)) {
      throw new EngineUnavailableError(
        tried,
        lastError,
        `The engine at ${only.source} did not answer${lastError instanceof Error ? ` (${lastError.message})` : ''}: is it running and reachable? ` +
          `\`docker${only.context ? ` --context ${only.context}` : ''} info\` shows what the docker CLI gets.`,
      );
    }
    throw new EngineUnavailableError(tried, lastError);
  })();
}
