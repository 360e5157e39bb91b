// Partial kube-proxy syncs on the engine (KEP-3453): each node's previous sync state is a file
// in the node container, read before the sync and replaced as its rules load. A file in the
// node rather than on the host running the CLI: the lab lives in the engine, any netlab
// process that syncs next (apply, scale, watch, another shell) finds it there, and it goes
// with the node. It names the node's start (ID and StartedAt): a restarted node keeps its
// files but not its netfilter tables. Anything doubtful (no file, unreadable, another format
// or netlab, another node start, a token the kernel does not hold) means a full sync; the file
// is written right after the rules load (whatever the load gave), and removed when a sync fails,
// so the next one is in full too.
// A sync is one exec: the toolbox's agent reads the states, then loads the rules and writes the
// new states, in one session (src/engine/toolbox.ts), so a one-change sync pays for one exec.
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { NetlabError } from '../core/errors.js';
import { type StateFile, stateReadResult, stateReadStep, stateRemoveStep, stateWriteStep } from '../core/state-file.js';
import { type AgentStep, lastWords, type NamespaceRef, type StepResult, type ToolboxRequest } from '../core/toolbox-request.js';
import type { Engine } from '../engine/engine.js';
import type { Toolbox, ToolboxSession } from '../engine/toolbox.js';
import type { NodeSync, PlannedSync, ProxyModeDriver } from '../plan/proxy/driver.js';
import { usableState } from '../plan/proxy/sync-state.js';
import type { ProxyInput } from '../plan/proxy/types.js';
import { proxySyncRequest, proxySyncRestRequest } from '../plan/requests.js';

export const PROXY_STATE_DIR = '/var/lib';
/** gzip'd JSON: the state of 1000 services x 10 endpoints is 0.6-0.8 MB of JSON (mostly hashed chain names), 0.15 MB packed. */
export const PROXY_STATE_FILE = 'netlab-kube-proxy-sync.json.gz';
export const PROXY_STATE_PATH = `${PROXY_STATE_DIR}/${PROXY_STATE_FILE}`;

/** A node's identity for its state: a restarted container is another start (its tables are empty). */
export const nodeStart = (info: { Id: string; State: { StartedAt?: string } }): string => `${info.Id}@${info.State.StartedAt ?? ''}`;

const STATE: StateFile = 'kube-proxy-sync';

/** The state's text from the file's bytes ('' when there are none or they cannot be read: a full sync follows). */
function unpackProxyState(packed: Buffer | undefined): string {
  if (!packed) return '';
  try {
    return gunzipSync(packed).toString('utf8');
  } catch {
    return '';
  }
}

/** The state file's text, read with an engine call of its own (tests; a sync reads it in its session). */
export async function readProxyState(engine: Engine, container: string): Promise<string> {
  return unpackProxyState(await engine.readFileBytes(container, PROXY_STATE_PATH).catch(() => undefined));
}

/** The state's text packed as the file holds it (level 1: the hashes hardly pack better, and it is on the sync's path). */
export const packProxyState = (text: string): Buffer => gzipSync(text, { level: 1 });

const gzipAsync = promisify(gzip);
/** As packProxyState, off the event loop (a sync packs while its rules go out to the agent). */
const packProxyStateAsync = (text: string): Promise<Buffer> => gzipAsync(text, { level: 1 });

/** Each node's state read in the session, '' for one that has none or cannot be read. */
function stateReadRequest(nodes: readonly NamespaceRef[]): ToolboxRequest<string[]> {
  return {
    what: 'kube-proxy sync states',
    steps: nodes.map((n) => stateReadStep(n, STATE)),
    parallel: nodes.length,
    parse: (results) =>
      results.map((r) => {
        try {
          return unpackProxyState(stateReadResult(r));
        } catch {
          return '';
        }
      }),
  };
}

/** A sync's one exec, opened early (while the pods are read), and each node's state read in it unless the sync is a full one. */
export interface ProxySyncStart {
  session: Promise<ToolboxSession>;
  /** Each node's state, in the order of the nodes ('' when it has none or it cannot be read). */
  previous: Promise<string[]>;
  /** Ends the exec (after whatever was asked of it). */
  close(): Promise<void>;
}

export function beginProxySync(
  toolbox: Toolbox,
  nodes: readonly NamespaceRef[] | Promise<readonly NamespaceRef[]>,
  full: boolean,
  /** A session opened already (by `up`, for its plumbing too): the sync's requests go after what it was asked before. */
  open?: Promise<ToolboxSession>,
): ProxySyncStart {
  const session = open ?? toolbox.session();
  const previous = Promise.all([session, nodes]).then(([s, refs]) => (full ? refs.map(() => '') : s.run(stateReadRequest(refs))));
  // Awaited by the sync; a sync that fails before it gets there must not leave them unhandled.
  session.catch(() => undefined);
  previous.catch(() => undefined);
  return {
    session,
    previous,
    // A session given is its opener's to close (up's plumbing and routes may still use it).
    close: async () => {
      if (!open) await (await session.catch(() => undefined))?.close();
    },
  };
}

export interface ProxyRulesNode {
  node: string;
  container: string;
  ref: NamespaceRef;
  /** nodeStart of the node's container. */
  start: string;
  input: ProxyInput;
}

export interface ProxyRulesOptions {
  /** A full sync whatever the state says (`netlab sync`, the watch loop's timer). */
  full?: boolean;
  /** Wraps each node's sync (load-balancer announcements); called again for each attempt. */
  wrap?: (sync: NodeSync, index: number) => NodeSync;
  /** Before each attempt (the second is a full sync after a partial one failed). */
  beforeAttempt?: () => void;
  /**
   * Filled with the milliseconds each phase took (the benchmark's breakdown): `read` until the
   * session is open and the states read, `plan`, `load` until the rules are in and the states
   * written; of it `inNode`, what the loads took in the nodes, `keep`, the agent's writes right
   * after them, and `rest`, a request for what the read-back found missing, when there is one.
   */
  timings?: { read: number; plan: number; load: number; keep: number; inNode: number; rest: number };
  /** Reads to run in each node once its rules are loaded, in the same exec (the UDP conntrack listing). */
  post?: (index: number) => AgentStep[];
}

/**
 * Every node's rules in a mode with partial syncs: what changed since each node's state (read in
 * `start`'s session), loaded in one request of that session, and each node's new state written
 * right after, in the next (the state's token goes into the kernel with the rules, so a state
 * whose load failed is refused there by the next partial sync: see src/plan/proxy/sync-token.ts);
 * a failed partial sync is followed at once by a full one. Returns how many nodes were synced
 * partially.
 */
export async function syncProxyRules(
  engine: Engine,
  start: ProxySyncStart,
  driver: Required<Pick<ProxyModeDriver, 'partialSync'>> & Pick<ProxyModeDriver, 'name'>,
  nodes: readonly ProxyRulesNode[],
  options: ProxyRulesOptions = {},
): Promise<{ partial: number; post: StepResult[][] }> {
  const mode = driver.name === 'nftables' ? 'nftables' : 'iptables';
  /** Each node's sync: what changed since `previous` (each node's state), or in full without it. */
  let planMs = 0;
  const plan = (previous?: readonly string[]): PlannedSync[] => {
    const t = performance.now();
    const out = nodes.map((n, i) => driver.partialSync(n.input, n.ref, n.start, previous && usableState(previous[i], mode, n.start)));
    planMs ||= performance.now() - t;
    return out;
  };
  const t0 = performance.now();
  // Once the exec is started, the agent starts while the sync plans.
  const session = await start.session;
  const previous = await start.previous;
  const t1 = performance.now();
  /** What each node's state file holds now, as far as this sync knows. */
  const held: (string | undefined)[] = [...previous];
  let post: StepResult[][] = [];
  let inNode = 0;
  let rest = 0;
  let keepMs = 0;
  /**
   * The rules loaded, and the states written right after them in a second request of the session,
   * sent at once (the states are packed while the rules load); the load's failure first, else the write's.
   */
  const attempt = async (planned: PlannedSync[]): Promise<{ loaded: boolean; error?: unknown }> => {
    options.beforeAttempt?.();
    const jobs = planned.map((p, i) => ({ node: nodes[i]!.node, sync: options.wrap ? options.wrap(p.sync, i) : p.sync, post: options.post?.(i) }));
    const loading = session.run(proxySyncRequest(jobs)).then(
      (loaded) => ({ loaded, error: undefined }),
      (error: unknown) => ({ loaded: undefined, error }),
    );
    const texts = planned.map((p) => JSON.stringify(p.state));
    const writing = nodes.map((_, i) => i).filter((i) => texts[i] !== held[i]);
    for (const i of writing) held[i] = undefined; // a write that fails half-way leaves an unknown file
    const packed = await Promise.all(writing.map((i) => packProxyStateAsync(texts[i]!)));
    const kept = session
      .run({
        what: 'kube-proxy sync states',
        steps: writing.map((i, k) => stateWriteStep(nodes[i]!.ref, STATE, packed[k]!)),
        parallel: writing.length,
        parse: (results) => {
          keepMs = Math.max(0, ...results.map((r) => r.ms));
          let error: Error | undefined;
          results.forEach((r, k) => {
            if (r.exitCode === 0) held[writing[k]!] = texts[writing[k]!];
            else error ??= new Error(`${nodes[writing[k]!]!.node}: ${lastWords(r) || `exit code ${r.exitCode}`}`);
          });
          return error;
        },
      })
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const [outcome, keptError] = await Promise.all([loading, kept]);
    if (!outcome.loaded) return { loaded: false, error: outcome.error };
    post = outcome.loaded.map((l) => l.post ?? []);
    inNode = Math.max(0, ...outcome.loaded.map((l) => l.loadMs ?? 0));
    // As runProxySync: what the reads show missing, in a second request of the session.
    const left = outcome.loaded.filter((l) => l.steps.length);
    if (left.length) {
      const t = performance.now();
      try {
        await session.run(proxySyncRestRequest(left));
      } catch (error) {
        return { loaded: false, error };
      } finally {
        rest = performance.now() - t;
      }
    }
    return keptError ? { loaded: true, error: keptError } : { loaded: true };
  };
  /** Removes the states (best effort), so that the next sync is a full one. */
  const forget = () =>
    Promise.all(
      nodes.map(async (n, i) => {
        if (held[i] === '') return;
        const removed = await session
          .run({ what: 'kube-proxy sync state removed', steps: [stateRemoveStep(n.ref, STATE)], parse: (r) => r[0]?.exitCode === 0 })
          .catch(() => false);
        if (!removed) await engine.exec(n.container, ['rm', '-f', PROXY_STATE_PATH]).catch(() => undefined);
        held[i] = '';
      }),
    );
  let planned = plan(options.full ? undefined : previous);
  let result = await attempt(planned);
  // A partial sync that failed (rules changed behind netlab's back, a state whose load failed): in full.
  if (!result.loaded && planned.some((p) => p.partial)) {
    planned = plan();
    result = await attempt(planned);
  }
  const t3 = performance.now();
  if (result.error !== undefined) {
    await forget();
    if (!result.loaded) throw result.error;
    const err = result.error;
    throw new NetlabError(`Could not keep the kube-proxy sync state: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'The rules are in place; the next sync will be a full one.',
    });
  }
  if (options.timings) Object.assign(options.timings, { read: t1 - t0, plan: planMs, load: t3 - t1 - planMs, keep: keepMs, inNode, rest });
  return { partial: planned.filter((p) => p.partial).length, post };
}
