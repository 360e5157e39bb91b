// The docker CLI's configuration as it keeps it on disk: the config folder (DOCKER_CONFIG or
// ~/.docker), its config.json's currentContext, and the context store: each context's metadata in
// contexts/meta/<sha256(name)>/meta.json and its TLS material in
// contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem. Reads files only.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NetlabError } from '../core/errors.js';

/** The context that means "no context": DOCKER_HOST or the usual sockets. */
export const DEFAULT_CONTEXT = 'default';

/** TLS as a context or DOCKER_TLS_VERIFY/DOCKER_CERT_PATH give it. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Do not verify the engine's certificate (a context's SkipTLSVerify, or DOCKER_TLS without DOCKER_TLS_VERIFY). */
  skipVerify: boolean;
}

export interface DockerContext {
  name: string;
  /** Its docker endpoint: unix://, tcp://, ssh://, npipe:// */
  host: string;
  /** Present when the context has TLS files or SkipTLSVerify (as the docker CLI decides to use TLS). */
  tls?: TlsMaterial;
}

/** The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/** Where the store keeps a context: folders named by the SHA-256 of its name. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NetlabError(`Cannot read ${path}: ${(err as Error).message}`, { hint: 'Check its permissions.', cause: err });
  }
}

/** config.json's currentContext (`docker context use NAME`), if set. A config.json that is not JSON is an error, as for the docker CLI. */
export function currentContext(configDir: string): string | undefined {
  const file = join(configDir, 'config.json');
  const text = readIfPresent(file)?.toString('utf8');
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const name = (JSON.parse(text) as { currentContext?: unknown }).currentContext;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch (err) {
    throw new NetlabError(`${file} is not valid JSON: ${(err as Error).message}`, {
      hint: 'Fix or remove the file (the docker CLI cannot read it either).',
      exitCode: 2,
      cause: err,
    });
  }
}

/** A named context from the store, or undefined when the store has no context of that name. */
export function readContext(configDir: string, name: string): DockerContext | undefined {
  const id = contextId(name);
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
  const text = readIfPresent(metaFile)?.toString('utf8');
  if (text === undefined) return undefined;
  let meta: { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(text);
  } catch (err) {
    throw new NetlabError(`The docker context "${name}" is damaged: ${metaFile} is not valid JSON.`, {
      hint: `Create it again: docker context rm ${name} && docker context create ${name} --docker host=...`,
      exitCode: 2,
      cause: err,
    });
  }
  const docker = meta.Endpoints?.docker;
  if (typeof docker?.Host !== 'string' || docker.Host === '') {
    throw new NetlabError(`The docker context "${name}" has no docker endpoint (${metaFile}).`, {
      hint: `Give it one: docker context update ${name} --docker host=unix:///var/run/docker.sock (or tcp://, ssh://)`,
      exitCode: 2,
    });
  }
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const ca = readIfPresent(join(tlsDir, 'ca.pem'));
  const cert = readIfPresent(join(tlsDir, 'cert.pem'));
  const key = readIfPresent(join(tlsDir, 'key.pem'));
  const skipVerify = docker.SkipTLSVerify === true;
  const hasTls = ca !== undefined || cert !== undefined || key !== undefined || skipVerify;
  return { name, host: docker.Host, ...(hasTls ? { tls: { ca, cert, key, skipVerify } } : {}) };
}

/**
 * TLS for DOCKER_HOST as the docker CLI takes it from the environment: on with DOCKER_TLS_VERIFY
 * (verifying against ca.pem) or DOCKER_TLS (not verifying), the files in DOCKER_CERT_PATH or else
 * the config folder; a client certificate when cert.pem and key.pem are there.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  const verify = !!env.DOCKER_TLS_VERIFY;
  if (!verify && !env.DOCKER_TLS) return undefined;
  const dir = env.DOCKER_CERT_PATH || dockerConfigDir(env);
  const ca = readIfPresent(join(dir, 'ca.pem'));
  if (verify && !ca) {
    throw new NetlabError(`DOCKER_TLS_VERIFY is set but there is no ${join(dir, 'ca.pem')} to verify the engine with.`, {
      hint: 'Put the CA, cert and key (ca.pem, cert.pem, key.pem) there, point DOCKER_CERT_PATH at their folder, or unset DOCKER_TLS_VERIFY.',
      exitCode: 2,
    });
  }
  const cert = readIfPresent(join(dir, 'cert.pem'));
  const key = readIfPresent(join(dir, 'key.pem'));
  return { ...(verify ? { ca } : {}), ...(cert && key ? { cert, key } : {}), skipVerify: !verify };
}

/**
 * For `netlab --context NAME`: the context the rest of the run (and anything it starts) uses, as
 * the docker CLI's flag does (it wins over DOCKER_HOST; "default" keeps DOCKER_HOST).
 */
export function selectContext(name: string, env: NodeJS.ProcessEnv = process.env): void {
  env.DOCKER_CONTEXT = name;
  env.NETLAB_CONTEXT_FLAG = '1';
  if (name !== DEFAULT_CONTEXT) delete env.DOCKER_HOST;
}
