// Compares upstream kube-proxy's rules with netlab's for one case, up to what upstream itself
// leaves unordered, and after the deliberate differences (DELIBERATE_DIFFERENCES, the one
// list of them) are taken out. Pure.
//
// iptables (iptables-restore text): per table, the set of declared chains; per chain, the
// rules in order, except that in the chains upstream fills while walking its service map
// (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL) the blocks of
// consecutive rules of one service port are compared as a set of blocks (each block's own
// rules in order).
// nftables (`nft -f` text): the set of table/chain/set/map/element lines; per chain, the
// rules in order (elements are unordered in nft anyway; a vmap's entries are part of its rule).

import type { HarnessInput } from './cases.js';

export type Mode = 'iptables' | 'nftables';

export interface DeliberateDifference {
  id: string;
  mode: Mode;
  /** What upstream kube-proxy does (its default configuration, or its fake backend). */
  upstream: string;
  /** What netlab does instead. */
  netlab: string;
  why: string;
  /** How the comparison takes it out: upstream's fake proxier set like netlab's node ... */
  harness?: NonNullable<HarnessInput['iptables']>;
  /** ... or lines of netlab's output dropped before comparing. */
  dropNetlabLine?: RegExp;
}

/** Every difference from upstream that netlab keeps on purpose; README's table says the same. */
export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    id: 'random-fully',
    mode: 'iptables',
    upstream: 'MASQUERADE --random-fully only when the iptables binary supports it; the fake backend says it does not',
    netlab: 'MASQUERADE --random-fully',
    why: "Not a difference on a real node: netlab's node image has iptables 1.8, which supports it, and so would kube-proxy there. The fake is set to support it.",
    harness: { randomFully: true },
  },
  {
    id: 'localhost-nodeports',
    mode: 'iptables',
    upstream: '--iptables-localhost-nodeports=true (default): NodePorts also on 127.0.0.1, a KUBE-FIREWALL rule dropping other localnet traffic',
    netlab: '--iptables-localhost-nodeports=false: the jump to KUBE-NODEPORTS has `! -d 127.0.0.0/8`, no KUBE-FIREWALL rule',
    why: 'Serving NodePorts on 127.0.0.1 needs the route_localnet sysctl, which a node container cannot set at run time. kube-proxy writes exactly this with the flag off.',
    harness: { localhostNodePorts: false },
  },
  {
    id: 'nfacct',
    mode: 'iptables',
    upstream: 'KUBE-FORWARD INVALID drop counted with `-m nfacct --nfacct-name ct_state_invalid_dropped_pkts` when kube-proxy could create its nfacct counters',
    netlab: 'the drop without the nfacct match',
    why: "netlab's node image has no tool to create nfacct counters yet (the kernel has nfnetlink_acct). kube-proxy writes exactly this rule when nfacct.Ensure fails.",
    harness: { nfacct: false },
  },
  {
    id: 'nft-whole-table',
    mode: 'nftables',
    upstream: 'incremental transactions on its table (flush and re-add of changed chains and elements)',
    netlab: '`add table` + `delete table` first in the whole-table script (a full sync loads it in place instead: src/plan/proxy/nftables/full.ts)',
    why: 'Same end state; the script on its own replaces the table in one transaction.',
    dropNetlabLine: /^(add|delete) table ip kube-proxy$/,
  },
  {
    id: 'nft-comments',
    mode: 'nftables',
    upstream: 'no comment lines (the fake dump shows the ruleset)',
    netlab: '`# ns/svc:port` before each service port, blank lines between them',
    why: 'Readable `netlab exec … nft` material for people; nft ignores them.',
    dropNetlabLine: /^(#.*|\s*)$/,
  },
];

/** The fake iptables proxier's settings that make it a netlab node (from DELIBERATE_DIFFERENCES). */
export function harnessIptablesOptions(): NonNullable<HarnessInput['iptables']> {
  return Object.assign({}, ...DELIBERATE_DIFFERENCES.filter((d) => d.harness).map((d) => d.harness));
}

const sortStrings = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function netlabLines(mode: Mode, text: string): string[] {
  const drops = DELIBERATE_DIFFERENCES.filter((d) => d.mode === mode && d.dropNetlabLine).map((d) => d.dropNetlabLine!);
  return text.split('\n').filter((l) => l.trim() !== '' && !drops.some((r) => r.test(l)));
}

/** A multiset difference, as "only upstream" / "only netlab" lines. */
function setDiff(what: string, upstream: string[], netlab: string[]): string[] {
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const u = count(upstream);
  const n = count(netlab);
  const out: string[] = [];
  for (const x of sortStrings([...u.keys()])) for (let i = n.get(x) ?? 0; i < u.get(x)!; i++) out.push(`${what}: only upstream: ${x}`);
  for (const x of sortStrings([...n.keys()])) for (let i = u.get(x) ?? 0; i < n.get(x)!; i++) out.push(`${what}: only netlab:   ${x}`);
  return out;
}

/** Ordered lists: equal, or the first place they part. */
function listDiff(what: string, upstream: string[], netlab: string[]): string[] {
  const sd = setDiff(what, upstream, netlab);
  if (sd.length) return sd;
  const i = upstream.findIndex((l, k) => l !== netlab[k]);
  if (i < 0) return [];
  return [`${what}: same rules, other order; first at rule ${i + 1}:`, `  upstream: ${upstream[i]}`, `  netlab:   ${netlab[i]}`];
}

/** The iptables chains whose per-service rules upstream writes in Go map order. */
export const MAP_ORDERED_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL']);

/** The service port a rule is for: its comment's leading `ns/name[:port]`. */
const servicePortOf = (rule: string): string | undefined => /--comment "?([a-z0-9-]+\/[a-z0-9.-]+(?::[a-z0-9-]+)?)[\s"]/.exec(`${rule} `)?.[1];

/** Consecutive rules of one service port as one block; the blocks sorted, other rules keep their places. */
export function canonicalChainOrder(chain: string, rules: string[]): string[] {
  if (!MAP_ORDERED_CHAINS.has(chain)) return rules;
  const out: string[] = [];
  let blocks: string[][] = [];
  const flush = () => {
    out.push(
      ...blocks
        .map((b) => b.join('\n'))
        .sort()
        .flatMap((b) => b.split('\n')),
    );
    blocks = [];
  };
  let last: string | undefined;
  for (const r of rules) {
    const sp = servicePortOf(r);
    if (sp === undefined) {
      flush();
      out.push(r);
    } else if (sp === last && blocks.length) blocks[blocks.length - 1]!.push(r);
    else blocks.push([r]);
    last = sp;
  }
  flush();
  return out;
}

interface IptablesTable {
  chains: string[];
  rules: Map<string, string[]>;
  /** Lines that are neither (-X, -I, …), in order. */
  other: string[];
}

function parseIptables(lines: string[]): Map<string, IptablesTable> {
  const tables = new Map<string, IptablesTable>();
  let t: IptablesTable | undefined;
  for (const l of lines) {
    if (l.startsWith('*')) {
      t = tables.get(l.slice(1)) ?? { chains: [], rules: new Map(), other: [] };
      tables.set(l.slice(1), t);
    } else if (!t || l === 'COMMIT') {
    } else if (l.startsWith(':')) {
      t.chains.push(l.split(' ')[0]!.slice(1));
    } else if (l.startsWith('-A ')) {
      const chain = l.split(' ')[1]!;
      t.rules.set(chain, [...(t.rules.get(chain) ?? []), l]);
    } else t.other.push(l);
  }
  return tables;
}

export function compareIptables(upstream: string, netlab: string): string[] {
  const u = parseIptables(upstream.split('\n').filter((l) => l.trim() !== ''));
  const n = parseIptables(netlabLines('iptables', netlab));
  const out = setDiff('tables', [...u.keys()], [...n.keys()]);
  for (const [name, ut] of u) {
    const nt = n.get(name);
    if (!nt) continue;
    out.push(...setDiff(`${name} chains`, ut.chains, nt.chains), ...listDiff(`${name} other lines`, ut.other, nt.other));
    for (const chain of sortStrings([...new Set([...ut.rules.keys(), ...nt.rules.keys()])])) {
      out.push(...listDiff(`${name} ${chain}`, canonicalChainOrder(chain, ut.rules.get(chain) ?? []), canonicalChainOrder(chain, nt.rules.get(chain) ?? [])));
    }
  }
  return out;
}

/** `add rule ip kube-proxy CHAIN …` -> CHAIN. */
const nftChainOf = (line: string): string | undefined => /^add rule \S+ \S+ (\S+) /.exec(line)?.[1];

export function compareNftables(upstream: string, netlab: string): string[] {
  const split = (lines: string[]) => {
    const rules = new Map<string, string[]>();
    const other: string[] = [];
    for (const l of lines) {
      const chain = nftChainOf(l);
      if (chain) rules.set(chain, [...(rules.get(chain) ?? []), l]);
      else other.push(l);
    }
    return { rules, other };
  };
  const u = split(upstream.split('\n').filter((l) => l.trim() !== ''));
  const n = split(netlabLines('nftables', netlab));
  const out = setDiff('objects and elements', u.other, n.other);
  for (const chain of sortStrings([...new Set([...u.rules.keys(), ...n.rules.keys()])])) {
    out.push(...listDiff(`chain ${chain}`, u.rules.get(chain) ?? [], n.rules.get(chain) ?? []));
  }
  return out;
}

export const compareRules = (mode: Mode, upstream: string, netlab: string): string[] =>
  mode === 'iptables' ? compareIptables(upstream, netlab) : compareNftables(upstream, netlab);
