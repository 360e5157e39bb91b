// The engines a class runs on, reached by docker context name, and which contexts reach the same
// engine (an ssh context to this host's engine is that engine again: it is listed once).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetlabError } from '../../core/errors.js';
import { connectEngineAt } from '../../engine/connect.js';
import { currentContext as configCurrentContext, contextId, DEFAULT_CONTEXT, dockerConfigDir } from '../../engine/context-store.js';
import type { Engine, EngineInfo } from '../../engine/engine.js';

export interface ContextEngine {
  context: string;
  engine: Engine;
  info: EngineInfo;
  /** Which engine this is: `info().id`, the same through every context that reaches it. */
  key: string;
}

/** One engine and every context (of those asked) that reaches it, the first one's handle used. */
export interface ClassEngine {
  key: string;
  contexts: string[];
  engine: Engine;
  info: EngineInfo;
}

/** The context the docker CLI uses now: DOCKER_CONTEXT, else the config's currentContext, else default. */
export function currentContext(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  try {
    return configCurrentContext(dockerConfigDir(env)) ?? DEFAULT_CONTEXT;
  } catch {
    return DEFAULT_CONTEXT;
  }
}

/** Every context `docker context ls` lists: default, then the named ones (by name). */
export function knownContexts(env: NodeJS.ProcessEnv = process.env): string[] {
  const meta = join(dockerConfigDir(env), 'contexts', 'meta');
  const names: string[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync(meta);
  } catch {
    dirs = [];
  }
  for (const d of dirs) {
    try {
      const name = (JSON.parse(readFileSync(join(meta, d, 'meta.json'), 'utf8')) as { Name?: string }).Name;
      // The folder is the name's sha256, as the docker CLI stores it.
      if (name && contextId(name) === d) names.push(name);
    } catch {}
  }
  return ['default', ...names.filter((n) => n !== 'default').sort()];
}

/**
 * Where status, grade, reset, watch and down look for a class: the contexts given plus default,
 * or every context the docker CLI knows when none is given (any machine with the same contexts
 * finds the class again).
 */
export function contextsToSearch(given: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (given?.length) return [...new Set(['default', ...given])];
  return knownContexts(env);
}

async function reach(context: string): Promise<ContextEngine> {
  const engine = await connectEngineAt(context);
  const info = await engine.info();
  return { context, engine, info, key: info.id };
}

/**
 * Each context's engine, grouped by engine, in the order the contexts were given. A context that
 * does not answer is an error when `required` (class up: nothing is created), else it is said on
 * `warn` and left out.
 */
export async function reachContexts(contexts: readonly string[], options: { required: boolean; warn?: (text: string) => void }): Promise<ClassEngine[]> {
  const results = await Promise.allSettled(contexts.map(reach));
  const failed: string[] = [];
  const byKey = new Map<string, ClassEngine>();
  results.forEach((r, i) => {
    const context = contexts[i]!;
    if (r.status === 'rejected') {
      failed.push(`context ${context}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      return;
    }
    const found = byKey.get(r.value.key);
    if (found) found.contexts.push(context);
    else byKey.set(r.value.key, { key: r.value.key, contexts: [context], engine: r.value.engine, info: r.value.info });
  });
  if (failed.length && options.required) {
    throw new NetlabError(`Not every engine answered:\n  ${failed.join('\n  ')}`, {
      hint: 'Check the context (docker --context NAME info), or leave it out of --context. Nothing was created.',
      exitCode: 3,
    });
  }
  for (const f of failed) options.warn?.(`warning: ${f} (left out)`);
  return [...byKey.values()];
}

/** How a message names an engine: by the contexts that reach it. */
export function engineTitle(e: ClassEngine): string {
  return e.contexts.length === 1 ? `context ${e.contexts[0]}` : `contexts ${e.contexts.join(', ')}`;
}
