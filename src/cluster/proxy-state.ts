// Partial kube-proxy syncs on the engine (KEP-3453): each node's previous sync state is a file
// in the node container, read before the sync and replaced after it succeeds. A file in the
// node rather than on the host running the CLI: the lab lives in the engine, any netlab
// process that syncs next (apply, scale, watch, another shell) finds it there, and it goes
// with the node. It names the node's start (ID and StartedAt): a restarted node keeps its
// files but not its netfilter tables. Anything doubtful (no file, unreadable, another format
// or netlab, another node start, a token the kernel does not hold) means a full sync; the file
// is written while the rules load, and removed when a sync fails, so the next one is in full too.
import { gunzipSync, gzipSync } from 'node:zlib';
import { NetlabError } from '../core/errors.js';
import type { AgentStep, NamespaceRef, StepResult } from '../core/toolbox-request.js';
import type { Engine } from '../engine/engine.js';
import type { Toolbox } from '../engine/toolbox.js';
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

/** The state file's text ('' when there is none or it cannot be read: a full sync follows). */
export async function readProxyState(engine: Engine, container: string): Promise<string> {
  const packed = await engine.readFileBytes(container, PROXY_STATE_PATH).catch(() => undefined);
  if (!packed) return '';
  try {
    return gunzipSync(packed).toString('utf8');
  } catch {
    return '';
  }
}

/** The state's text packed as the file holds it (level 1: the hashes hardly pack better, and it is on the sync's path). */
export const packProxyState = (text: string): Buffer => gzipSync(text, { level: 1 });

/** Removes the state (best effort), so that the next sync is a full one. */
async function forgetProxyState(engine: Engine, container: string): Promise<void> {
  await engine.exec(container, ['rm', '-f', PROXY_STATE_PATH]).catch(() => undefined);
}

export interface ProxyRulesNode {
  node: string;
  container: string;
  ref: NamespaceRef;
  /** nodeStart of the node's container. */
  start: string;
  input: ProxyInput;
  /** What readProxyState read before the sync. */
  previous: string;
}

export interface ProxyRulesOptions {
  /** A full sync whatever the state says (`netlab sync`, the watch loop's timer). */
  full?: boolean;
  /** Wraps each node's sync (load-balancer announcements); called again for each attempt. */
  wrap?: (sync: NodeSync, index: number) => NodeSync;
  /** Before each attempt (the second is a full sync after a partial one failed). */
  beforeAttempt?: () => void;
  /**
   * Filled with the milliseconds each phase took (the benchmark's breakdown; `keep` runs during
   * `load`; `inNode` is what the first request's loads took in the nodes, `rest` the second
   * request, when there is one: the rest of `load` is the execs around them).
   */
  timings?: { plan: number; load: number; keep: number; inNode: number; rest: number };
  /** Reads to run in each node once its rules are loaded, in the same exec (the UDP conntrack listing). */
  post?: (index: number) => AgentStep[];
}

/**
 * Every node's rules in a mode with partial syncs: what changed since each node's state, loaded
 * in one toolbox request while each node's new state is written (the state's token goes into
 * the kernel with the rules, so a state whose load failed is refused there by the next partial
 * sync: see src/plan/proxy/sync-token.ts); a failed partial sync is followed at once by a full
 * one. Returns how many nodes were synced partially.
 */
export async function syncProxyRules(
  engine: Engine,
  toolbox: Toolbox,
  driver: Required<Pick<ProxyModeDriver, 'partialSync'>> & Pick<ProxyModeDriver, 'name'>,
  nodes: readonly ProxyRulesNode[],
  options: ProxyRulesOptions = {},
): Promise<{ partial: number; post: StepResult[][] }> {
  const mode = driver.name === 'nftables' ? 'nftables' : 'iptables';
  /** What each node's state file holds now, as far as this sync knows. */
  const held: (string | undefined)[] = nodes.map((n) => n.previous);
  const plan = (full: boolean): PlannedSync[] =>
    nodes.map((n) => driver.partialSync(n.input, n.ref, n.start, full ? undefined : usableState(n.previous, mode, n.start)));
  let post: StepResult[][] = [];
  let inNode = 0;
  let rest = 0;
  const load = async (planned: PlannedSync[]) => {
    options.beforeAttempt?.();
    const jobs = planned.map((p, i) => ({ node: nodes[i]!.node, sync: options.wrap ? options.wrap(p.sync, i) : p.sync, post: options.post?.(i) }));
    // As runProxySync: loaded and read back at once, what the reads show missing in a second request.
    const loaded = await toolbox.run(proxySyncRequest(jobs));
    post = loaded.map((l) => l.post ?? []);
    inNode = Math.max(0, ...loaded.map((l) => l.loadMs ?? 0));
    const left = loaded.filter((l) => l.steps.length);
    if (left.length) {
      const t = performance.now();
      await toolbox.run(proxySyncRestRequest(left));
      rest = performance.now() - t;
    }
  };
  let keepMs = 0;
  const keep = (planned: PlannedSync[]) =>
    Promise.all(
      planned.map(async (p, i) => {
        const n = nodes[i]!;
        const text = JSON.stringify(p.state);
        if (text === held[i]) return;
        const t = performance.now();
        held[i] = undefined; // a write that fails half-way leaves an unknown file
        await engine.putFiles(n.container, PROXY_STATE_DIR, { [PROXY_STATE_FILE]: packProxyState(text) });
        held[i] = text;
        keepMs = Math.max(keepMs, performance.now() - t);
      }),
    );
  const forget = () =>
    Promise.all(
      nodes.map(async (n, i) => {
        if (held[i] === '') return;
        await forgetProxyState(engine, n.container);
        held[i] = '';
      }),
    );
  /** The rules loaded while the states are written; the load's failure first, else the write's. */
  const attempt = async (planned: PlannedSync[]): Promise<{ loaded: boolean; error?: unknown }> => {
    const [loaded, kept] = await Promise.allSettled([load(planned), keep(planned)]);
    if (loaded.status === 'rejected') return { loaded: false, error: loaded.reason };
    if (kept.status === 'rejected') return { loaded: true, error: kept.reason };
    return { loaded: true };
  };
  const t0 = performance.now();
  let planned = plan(!!options.full);
  const t1 = performance.now();
  let result = await attempt(planned);
  // A partial sync that failed (rules changed behind netlab's back, a state whose load failed): in full.
  if (!result.loaded && planned.some((p) => p.partial)) {
    planned = plan(true);
    result = await attempt(planned);
  }
  const t2 = performance.now();
  if (result.error !== undefined) {
    await forget();
    if (!result.loaded) throw result.error;
    const err = result.error;
    throw new NetlabError(`Could not keep the kube-proxy sync state: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'The rules are in place; the next sync will be a full one.',
    });
  }
  if (options.timings) Object.assign(options.timings, { plan: t1 - t0, load: t2 - t1, keep: keepMs, inNode, rest });
  return { partial: planned.filter((p) => p.partial).length, post };
}
