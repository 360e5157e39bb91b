// kube-proxy's partial syncs in the nftables mode (pkg/proxy/nftables proxier.go: one
// transaction with only what changed): the chains of the service ports whose input changed
// are flushed and refilled, the chains, affinity sets and map elements they no longer have are
// deleted, their new ones added, and the cluster-ips set follows the cluster IPs. What every
// other port wrote is in the previous sync's state (sync-state.ts), so only the changed ports'
// rules are generated. The table's fixed part (base chains, maps, the node's address) is in
// the context: when it changes the table is replaced in full. Pure.
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
import { nftTokenSwap, nftWithToken } from '../sync-token.js';
import type { ProxyInput, ServicePortState } from '../types.js';
import { type Declared, nftablesInPlace } from './full.js';
import { nftablesLines, TABLE } from './rules.js';

const T = `ip ${TABLE}`;
const ADD_CHAIN = `add chain ${T} `;
const ADD_SET = `add set ${T} `;
const ADD_RULE = `add rule ${T} `;
const ADD_ELEMENT = `add element ${T} `;
const CLUSTER_IPS = 'cluster-ips';

/** `name rest` of a statement's tail: the object's name. */
const nameOf = (tail: string): string => tail.slice(0, tail.indexOf(' ') >>> 0);

/** An element's key: what comes before its comment or its value. */
function elementKey(element: string): string {
  let end = element.length;
  for (const cut of [' comment ', ' : ']) {
    const i = element.indexOf(cut);
    if (i >= 0 && i < end) end = i;
  }
  return element.slice(0, end);
}

interface Port {
  state: PortState;
  /** Its statements that fill its chains and maps (add rule, add element). */
  rules: string[];
  elements: string[];
}

/** One port's statements, sorted into what the state keeps (cluster-ips left to the caller). */
function portOf(sp: ServicePortState, lines: readonly string[]): Port {
  const state: PortState = { in: portInputHash(sp), chains: [], sets: {}, elements: [] };
  const rules: string[] = [];
  const elements: string[] = [];
  for (const line of lines) {
    if (line.startsWith(ADD_RULE)) rules.push(line);
    else if (line.startsWith(ADD_CHAIN)) state.chains.push(line.slice(ADD_CHAIN.length));
    else if (line.startsWith(ADD_SET)) state.sets![nameOf(line.slice(ADD_SET.length))] = line;
    else if (line.startsWith(ADD_ELEMENT)) {
      const tail = line.slice(ADD_ELEMENT.length);
      const set = nameOf(tail);
      if (set === CLUSTER_IPS) continue;
      const element = tail.slice(set.length + 3, -2); // `set { element }`
      state.elements!.push(`${set} ${elementKey(element)}`);
      elements.push(line);
    } else if (line) throw new Error(`nftables partial sync: a statement it does not know: ${line}`);
  }
  return { state, rules, elements };
}

/** The statements of `services` alone, each port's share sorted (and its lines as they came, in `lines`). */
function generate(input: ProxyInput, services: ServicePortState[]): { ports: Port[]; lines: (readonly string[])[] } {
  const ports: Port[] = [];
  const lines: (readonly string[])[] = [];
  nftablesLines({ ...input, services }, (index, own) => {
    ports.push(portOf(services[index]!, own));
    lines.push(own);
  });
  return { ports, lines };
}

const clusterIPsOf = (input: ProxyInput): string[] => [...new Set(input.services.map((sp) => sp.clusterIP))];

/**
 * The sync's `nft -f` script: the whole table rewritten in place (no usable previous state,
 * another fixed part, ports that share a key; full.ts, whose stale chains and sets a second
 * transaction deletes), or one transaction with only what changed since `previous`.
 */
export function nftablesRules(input: ProxyInput, node: string, previous?: ProxySyncState): PlannedRules & { declared?: Declared } {
  const byKey = portsByKey(input);
  const fixed = nftablesLines({ ...input, services: [] });
  const ctx = digest(fixed.join('\n'));
  const state = (ports: Record<string, PortState>): ProxySyncState =>
    sealed({
      format: SYNC_STATE_FORMAT,
      mode: 'nftables',
      node,
      context: ctx,
      ports,
      clusterIPs: clusterIPsOf(input),
    });
  if (!byKey || !previous || previous.mode !== 'nftables' || previous.context !== ctx || !previous.clusterIPs) {
    const full = generate(input, input.services);
    const ports: Record<string, PortState> = {};
    input.services.forEach((sp, i) => {
      ports[portKey(sp)] = full.ports[i]!.state;
    });
    const kept = state(ports);
    // The in-place script from the parts the full script is made of: the fixed part, each port's lines, the token.
    const { text, declared } = nftablesInPlace([fixed, ...full.lines, nftWithToken(T, kept.token)]);
    return { text, partial: false, state: kept, declared };
  }
  const changed = input.services.filter((sp) => previous.ports[portKey(sp)]?.in !== portInputHash(sp));
  const removed = Object.keys(previous.ports).filter((k) => !byKey.has(k));
  const ips = clusterIPsOf(input);
  const hadIPs = new Set(previous.clusterIPs);
  const hasIPs = new Set(ips);
  const ports: Record<string, PortState> = {};
  const g = generate(input, changed);
  const fresh = new Map(changed.map((sp, i) => [portKey(sp), g.ports[i]!]));
  for (const sp of input.services) ports[portKey(sp)] = fresh.get(portKey(sp))?.state ?? previous.ports[portKey(sp)]!;

  const touched = [...changed.map(portKey), ...removed].map((k) => previous.ports[k]).filter((p): p is PortState => !!p);
  const oldChains = new Set(touched.flatMap((p) => p.chains));
  const newChains = new Set([...fresh.values()].flatMap((p) => p.state.chains));
  const oldSets = new Map(touched.flatMap((p) => Object.entries(p.sets ?? {})));
  const newSets = new Map([...fresh.values()].flatMap((p) => Object.entries(p.state.sets ?? {})));

  const out: string[] = [];
  // Whatever goes or changes is let go of first (rules, then elements, then the chains and sets
  // nothing refers to any more), then the new chains and sets, their rules, the new elements.
  for (const c of oldChains) out.push(`flush chain ${T} ${c}`);
  for (const p of touched) for (const e of p.elements ?? []) out.push(`delete element ${T} ${nameOf(e)} { ${e.slice(nameOf(e).length + 1)} }`);
  for (const ip of hadIPs) if (!hasIPs.has(ip)) out.push(`delete element ${T} ${CLUSTER_IPS} { ${ip} }`);
  for (const c of oldChains) if (!newChains.has(c)) out.push(`delete chain ${T} ${c}`);
  for (const [s, decl] of oldSets) if (newSets.get(s) !== decl) out.push(`delete set ${T} ${s}`);
  for (const c of newChains) if (!oldChains.has(c)) out.push(`${ADD_CHAIN}${c}`);
  for (const [s, decl] of newSets) if (oldSets.get(s) !== decl) out.push(decl);
  for (const p of fresh.values()) out.push(...p.rules);
  for (const p of fresh.values()) out.push(...p.elements);
  for (const ip of ips) if (!hadIPs.has(ip)) out.push(`${ADD_ELEMENT}${CLUSTER_IPS} { ${ip} }`);
  if (!out.length) return { text: '', partial: true, state: state(ports) };
  const next = state(ports);
  return { text: `${[...nftTokenSwap(T, previous.token, next.token), ...out].join('\n')}\n`, partial: true, state: next };
}
