// The credentials a pull sends, found as the docker CLI finds them: the user's docker config
// (DOCKER_CONFIG, else ~/.docker/config.json): a credential helper for the registry
// (credHelpers), else the default store (credsStore), else the `auths` entry. The engine
// receives them as the X-Registry-Auth header; without any, the pull is anonymous.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB } from '../core/image-ref.js';

/** What the engine takes as X-Registry-Auth (its AuthConfig). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress: string;
}

/** The parts of a docker config file that say how to log in. */
export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Where a registry's credentials are: in the file, or behind a helper program (`docker-credential-<helper>`). */
export type AuthSource = { auth: RegistryAuth } | { helper: string; serverAddress: string } | undefined;

/** Docker Hub's key in docker config files (the CLI's IndexServer). */
const HUB_KEY = 'https://index.docker.io/v1/';

/** `https://host:5000/v1/` -> `host:5000`: how the CLI matches keys written as URLs. */
function hostnameOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
}

/** Where `domain`'s credentials are in `config` (pure: the CLI's lookup order). */
export function authSource(config: DockerConfigFile, domain: string): AuthSource {
  const hub = domain === DOCKER_HUB;
  const serverAddress = hub ? HUB_KEY : domain;
  const helper = config.credHelpers?.[serverAddress] ?? config.credHelpers?.[domain] ?? config.credsStore;
  if (helper) return { helper, serverAddress };
  const auths = config.auths ?? {};
  const key = Object.hasOwn(auths, serverAddress)
    ? serverAddress
    : Object.keys(auths).find((k) => hostnameOf(k) === (hub ? 'index.docker.io' : domain) || (hub && hostnameOf(k) === DOCKER_HUB));
  const entry = key === undefined ? undefined : auths[key];
  if (!entry) return undefined;
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  const auth: RegistryAuth = { serveraddress: serverAddress };
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
  if (entry.registrytoken) auth.registrytoken = entry.registrytoken;
  return auth.username || auth.identitytoken || auth.registrytoken ? { auth } : undefined;
}

/** A credential helper's answer (`get`) as the engine takes it; `<token>` as the user means an identity token. */
export function helperAuth(answer: string, serverAddress: string): RegistryAuth | undefined {
  try {
    const { Username, Secret } = JSON.parse(answer) as { Username?: string; Secret?: string };
    if (!Secret) return undefined;
    return Username === '<token>'
      ? { identitytoken: Secret, serveraddress: serverAddress }
      : { username: Username, password: Secret, serveraddress: serverAddress };
  } catch {
    return undefined;
  }
}

function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

async function readConfig(env: NodeJS.ProcessEnv): Promise<DockerConfigFile> {
  try {
    return JSON.parse(await readFile(join(configDir(env), 'config.json'), 'utf8')) as DockerConfigFile;
  } catch {
    return {};
  }
}

/** Runs `docker-credential-<helper> get` (no shell: the name is an argument); undefined when it has nothing. */
function askHelper(helper: string, serverAddress: string): Promise<RegistryAuth | undefined> {
  return new Promise((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : helperAuth(stdout, serverAddress));
    });
    child.stdin?.end(serverAddress);
  });
}

/** The credentials to pull from `domain` with, or undefined (an anonymous pull). */
export async function registryAuth(domain: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAuth | undefined> {
  const source = authSource(await readConfig(env), domain);
  if (!source) return undefined;
  return 'auth' in source ? source.auth : askHelper(source.helper, source.serverAddress);
}
