// kube-proxy's partial syncs in the iptables mode (KEP-3453, proxier.go syncProxyRules when
// it need not sync in full): one `iptables-restore --noflush` that rewrites only the chains of
// the service ports whose input changed, the shared chains (KUBE-SERVICES, KUBE-NODEPORTS, …)
// whose rules changed with them, and deletes the chains those ports no longer have. What every
// other port wrote is in the previous sync's state (sync-state.ts), so only the changed ports'
// rules are generated. Pure.
import {
  digest,
  type PlannedRules,
  type PortState,
  portInputHash,
  portKey,
  portsByKey,
  type ProxySyncState,
  SYNC_STATE_FORMAT,
  sealed,
} from '../sync-state.js';
import { IPTABLES_TOKEN_TABLES, iptablesTokenSwap, iptablesWithToken } from '../sync-token.js';
import type { ProxyInput, ServicePortState } from '../types.js';
import { iptablesRestore, LARGE_CLUSTER_ENDPOINTS_THRESHOLD } from './rules.js';

type Table = 'filter' | 'nat';
const TABLES: readonly Table[] = ['filter', 'nat'];

/** The chain a rule line (`-A CHAIN …`) appends to. */
const ruleChain = (line: string): string => line.slice(3, line.indexOf(' ', 3) >>> 0);

interface Generated {
  text: string;
  ports: PortState[];
  /** Each port's own chains with their rules, by `table/chain`. */
  own: Map<string, string[]>[];
}

function totalEndpoints(input: ProxyInput): number {
  let n = input.notReadyEndpoints ?? 0;
  for (const sp of input.services) n += sp.endpoints.length;
  return n;
}

/** What every port's rules depend on besides the port itself. */
function context(input: ProxyInput): string {
  const large = totalEndpoints(input) > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  return digest(JSON.stringify(['iptables', input.node, input.nodeIP, input.clusterCIDR, large]));
}

/** The shared chains and their own rules (those that are not any port's), from the rules of no port. */
function sharedChains(input: ProxyInput): Map<string, string[]> {
  const text = iptablesRestore({ ...input, services: [], notReadyEndpoints: totalEndpoints(input) });
  const chains = new Map<string, string[]>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) chains.set(`${table}/${line.slice(1, line.indexOf(' '))}`, []);
    else if (line.startsWith('-A ')) chains.get(`${table}/${ruleChain(line)}`)?.push(line);
  }
  return chains;
}

/** The rules of `services` (the input's other ports still count toward the large-cluster threshold), each port's share cut out. */
function generate(input: ProxyInput, services: ServicePortState[], shared: ReadonlyMap<string, unknown>): Generated {
  const others = totalEndpoints(input) - services.reduce((n, sp) => n + sp.endpoints.length, 0);
  const ports: PortState[] = [];
  const owns: Map<string, string[]>[] = [];
  const text = iptablesRestore({ ...input, services, notReadyEndpoints: others }, [], (index, filterRules, natChains, natRules) => {
    const own = new Map<string, string[]>();
    const port: PortState = { in: portInputHash(services[index]!), chains: [], shared: {} };
    const add = (table: Table, line: string) => {
      const key = `${table}/${ruleChain(line)}`;
      const into = shared.has(key) ? (port.shared![key] ??= []) : own.get(key);
      if (!into) throw new Error(`iptables partial sync: rule for an undeclared chain: ${line}`);
      into.push(line);
    };
    for (const line of natChains.split('\n')) {
      if (line.startsWith(':')) {
        const key = `nat/${line.slice(1, line.indexOf(' '))}`;
        own.set(key, []);
        port.chains.push(key);
      }
    }
    for (const line of filterRules.split('\n')) if (line) add('filter', line);
    for (const line of natRules.split('\n')) if (line) add('nat', line);
    owns.push(own);
    ports.push(port);
  });
  return { text, ports, own: owns };
}

/**
 * The sync's restore input: in full (no usable previous state, another context, ports that
 * share a key), or only what changed since `previous`. `node` names the node's start (see sync-state.ts).
 */
export function iptablesRules(input: ProxyInput, node: string, previous?: ProxySyncState): PlannedRules {
  const byKey = portsByKey(input);
  const ctx = context(input);
  const state = (ports: Record<string, PortState>): ProxySyncState => sealed({ format: SYNC_STATE_FORMAT, mode: 'iptables', node, context: ctx, ports });
  if (!byKey || !previous || previous.mode !== 'iptables' || previous.context !== ctx) {
    const shared = sharedChains(input);
    const full = generate(input, input.services, shared);
    const kept = state(byKeyRecord(input.services, full.ports));
    return { text: iptablesWithToken(full.text, kept.token), partial: false, state: kept };
  }
  const changed = input.services.filter((sp) => previous.ports[portKey(sp)]?.in !== portInputHash(sp));
  const removed = Object.keys(previous.ports).filter((k) => !byKey.has(k));
  if (!changed.length && !removed.length) return { text: '', partial: true, state: state(reorder(input.services, previous.ports)) };

  const shared = sharedChains(input);
  const g = generate(input, changed, shared);
  const fresh = new Map(changed.map((sp, i) => [portKey(sp), { port: g.ports[i]!, own: g.own[i]! }]));
  const ports: Record<string, PortState> = {};
  for (const sp of input.services) {
    const key = portKey(sp);
    ports[key] = fresh.get(key)?.port ?? previous.ports[key]!;
  }

  // Chains to write: the changed ports' own chains, and each shared chain whose rules changed.
  const write = new Map<string, string[]>();
  for (const { own } of fresh.values()) for (const [chain, rules] of own) write.set(chain, rules);
  const touched = [...changed.map(portKey), ...removed];
  for (const [chain, own] of shared) {
    const differs = touched.some((k) => !sameLines(previous.ports[k]?.shared?.[chain], ports[k]?.shared?.[chain]));
    if (!differs) continue;
    const rules: string[] = [];
    for (const sp of input.services) rules.push(...(ports[portKey(sp)]!.shared?.[chain] ?? []));
    write.set(chain, [...rules, ...own]);
  }
  const kept = new Set(Object.values(ports).flatMap((p) => p.chains));
  const stale = [...new Set(touched.flatMap((k) => previous.ports[k]?.chains ?? []))].filter((c) => !kept.has(c));

  // Every table gets the token swap, so that a table whose last commit failed fails this one too.
  const next = state(ports);
  let text = '';
  for (const table of TABLES) {
    const mine = (key: string) => key.startsWith(`${table}/`);
    const chains = [...write.keys()].filter(mine);
    const gone = stale.filter(mine);
    const sealedHere = (IPTABLES_TOKEN_TABLES as readonly string[]).includes(table);
    if (!chains.length && !gone.length && !sealedHere) continue;
    const name = (key: string) => key.slice(table.length + 1);
    text += `*${table}\n`;
    for (const c of [...chains, ...gone]) text += `:${name(c)} - [0:0]\n`;
    if (sealedHere) for (const line of iptablesTokenSwap(previous.token, next.token)) text += `${line}\n`;
    for (const c of chains) for (const line of write.get(c)!) text += `${line}\n`;
    for (const c of gone) text += `-X ${name(c)}\n`;
    text += 'COMMIT\n';
  }
  return { text, partial: true, state: next };
}

function byKeyRecord(services: readonly ServicePortState[], ports: readonly PortState[]): Record<string, PortState> {
  const out: Record<string, PortState> = {};
  services.forEach((sp, i) => {
    out[portKey(sp)] = ports[i]!;
  });
  return out;
}

function reorder(services: readonly ServicePortState[], ports: Record<string, PortState>): Record<string, PortState> {
  const out: Record<string, PortState> = {};
  for (const sp of services) out[portKey(sp)] = ports[portKey(sp)]!;
  return out;
}

function sameLines(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((l, i) => l === y[i]);
}
