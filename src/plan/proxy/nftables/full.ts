// The nftables mode's full sync as the kernel likes it: kube-proxy's table rewritten in place in
// one transaction, as upstream's full syncs do (every chain flushed and refilled, the maps and
// sets the sync fills flushed and refilled; never the table deleted), then the chains and sets
// no longer declared deleted in a second, small transaction, from what a listing shows.
//
// The order is the point. Each rule with an anonymous set (`numgen random mod N vmap { … }`:
// one per service chain) makes the kernel walk the whole transaction so far
// (__nft_set_trans_bind), so the cost is the number of such rules times the transaction's
// length when each is added. Deleting and re-adding the table put the old table's ~45,000
// deletions ahead of every one of them (2-3 s for 1000 services x 10 endpoints on kernel 6.18,
// over half of it in that walk); here they come right after the chains are declared, each
// after only the flushes and rules before it, and the elements go in one statement per map.
// The rules, sets and elements that result are the same; affinity sets keep their entries
// across full syncs, as upstream's do. Pure.
import type { AgentStep, NamespaceRef } from '../../../core/toolbox-request.js';
import { TABLE } from './rules.js';

const T = `ip ${TABLE}`;
const ADD_TABLE = `add table ${T} `;
const ADD_CHAIN = `add chain ${T} `;
const ADD_RULE = `add rule ${T} `;
const ADD_ELEMENT = `add element ${T} `;
const ADD_SET = `add set ${T} `;
const ADD_MAP = `add map ${T} `;
const SPACE = 32;

/** Elements per `add element` statement (a statement is one netlink message at most a few hundred KB). */
const ELEMENTS_PER_STATEMENT = 1000;

function nameOf(tail: string): string {
  const end = tail.indexOf(' ');
  return end < 0 ? tail : tail.slice(0, end);
}

/** What a full script declares: its chains and its named sets and maps. */
export interface Declared {
  chains: Set<string>;
  sets: Set<string>;
}

/**
 * The full script (nftablesScript's, with the sync token's statements) reordered into the
 * in-place rewrite: the table, every set and map, every chain; then each chain flushed and
 * refilled, those with anonymous sets first; then the sets and maps the sync fills (not the
 * dynamic affinity sets) flushed and refilled, their elements batched. The script comes in
 * chunks of lines (the fixed part, then each service port's), each chunk's rules filling only
 * the chains it declares; a whole script split into lines is one chunk.
 */
export function nftablesInPlace(chunks: Iterable<readonly string[]>): { text: string; declared: Declared } {
  const head: string[] = [];
  const declarations: string[] = [];
  const refills: (readonly [string, string[]])[] = [];
  const elements = new Map<string, string[]>();
  const filled: string[] = [];
  const declared: Declared = { chains: new Set(), sets: new Set() };
  for (const lines of chunks) {
    const chains = new Map<string, string[]>();
    // Rules come in runs of one chain's: the run's chain spares a lookup per rule.
    let run = '';
    let runRules: string[] = [];
    for (const line of lines) {
      if (!line || line.startsWith('#')) continue;
      if (run && line.startsWith(run, ADD_RULE.length) && line.charCodeAt(ADD_RULE.length + run.length) === SPACE && line.startsWith(ADD_RULE))
        runRules.push(line);
      else if (line.startsWith(ADD_RULE)) {
        const chain = line.slice(ADD_RULE.length, line.indexOf(' ', ADD_RULE.length));
        const rules = chains.get(chain);
        if (!rules) throw new Error(`nftables full sync: a rule for a chain its part does not declare: ${line}`);
        rules.push(line);
        run = chain;
        runRules = rules;
      } else if (line.startsWith(ADD_CHAIN)) {
        const chain = nameOf(line.slice(ADD_CHAIN.length));
        declarations.push(line);
        if (!chains.has(chain)) {
          const rules: string[] = [];
          chains.set(chain, rules);
          refills.push([chain, rules]);
        }
        declared.chains.add(chain);
      } else if (line.startsWith(ADD_ELEMENT)) {
        const tail = line.slice(ADD_ELEMENT.length);
        const set = nameOf(tail);
        const body = tail.slice(set.length + 1);
        if (!body.startsWith('{ ') || !body.endsWith(' }')) throw new Error(`nftables full sync: elements it cannot read: ${line}`);
        const into = elements.get(set);
        if (into) into.push(body.slice(2, -2));
        else elements.set(set, [body.slice(2, -2)]);
      } else if (line.startsWith(ADD_SET) || line.startsWith(ADD_MAP)) {
        const kind = line.startsWith(ADD_SET) ? 'set' : 'map';
        const name = nameOf(line.slice((kind === 'set' ? ADD_SET : ADD_MAP).length));
        declarations.push(line);
        declared.sets.add(name);
        if (!/\bflags [^;]*\bdynamic\b/.test(line)) filled.push(`flush ${kind} ${T} ${name}`);
      } else if (line.startsWith(ADD_TABLE)) head.push(line);
      else if (line === `add table ${T}` || line === `delete table ${T}`) continue;
      else throw new Error(`nftables full sync: a statement it does not know: ${line}`);
    }
  }
  if (!head.length) head.push(`add table ${T}`);
  const out = [...head, ...declarations];
  const refill = (anonymous: boolean) => {
    for (const [chain, rules] of refills) if (rules.some((r) => r.includes(' { ')) === anonymous) out.push(`flush chain ${T} ${chain}`, ...rules);
  };
  refill(true);
  refill(false);
  out.push(...filled);
  for (const [set, es] of elements)
    for (let i = 0; i < es.length; i += ELEMENTS_PER_STATEMENT) out.push(`${ADD_ELEMENT}${set} { ${es.slice(i, i + ELEMENTS_PER_STATEMENT).join(' , ')} }`);
  return { text: `${out.join('\n')}\n`, declared };
}

/** Lists the chains of every ip table (names only: 0.1 s for 11,000 chains, where `list table` takes 1 s). */
export const NFT_LIST_CHAINS = ['nft', 'list', 'chains', 'ip'] as const;
/** Lists the named sets of every ip table (maps are listed apart, and kube-proxy's are never stale). */
export const NFT_LIST_SETS = ['nft', '-t', 'list', 'sets', 'ip'] as const;

/** The objects of kube-proxy's table in a listing (`chain NAME {` or `set NAME {` lines inside `table ip kube-proxy {`). */
export function listedObjects(listing: string, kind: 'chain' | 'set'): string[] {
  const out: string[] = [];
  let inTable = false;
  for (const line of listing.split('\n')) {
    if (line.startsWith('table ')) inTable = line === `table ${T} {`;
    else if (inTable) {
      const m = /^\t(chain|set) (\S+) \{$/.exec(line);
      if (m && m[1] === kind) out.push(m[2]!);
    }
  }
  return out;
}

/** The second transaction: the chains and sets the listings show and the sync did not declare, flushed, then deleted ('' when none). */
export function staleCleanup(chainListing: string, setListing: string, declared: Declared): string {
  const chains = listedObjects(chainListing, 'chain').filter((c) => !declared.chains.has(c));
  const sets = listedObjects(setListing, 'set').filter((s) => !declared.sets.has(s));
  if (!chains.length && !sets.length) return '';
  const out = [...chains.map((c) => `flush chain ${T} ${c}`), ...chains.map((c) => `delete chain ${T} ${c}`), ...sets.map((s) => `delete set ${T} ${s}`)];
  return `${out.join('\n')}\n`;
}

/** The listing steps a full sync reads back (with the load: either order gives the same stale objects). */
export const listingSteps = (node: NamespaceRef, timeoutMs: number): AgentStep[] => [
  { argv: [...NFT_LIST_CHAINS], netns: node, timeoutMs },
  { argv: [...NFT_LIST_SETS], netns: node, timeoutMs },
];
