// A sync through iptables-restore, shared by the iptables and userspace modes: one
// `iptables-restore --noflush` of the mode's chains, read back with iptables-save; what the
// read shows missing (a jump from a built-in chain, kubelet's KUBE-FIREWALL, kube-proxy's
// KUBE-PROXY-CANARY chains in the iptables mode) or left over (the
// chains of services and endpoints that are gone) is fixed by a second, small restore, only
// when there is something to fix. No step depends on another's order: the jumps live in the
// built-in chains, which a --noflush restore of kube-proxy's chains never touches, and a chain
// the read shows but the restore does not declare is stale whether the read came before or
// after the restore.
import type { AgentStep, NamespaceRef, StepResult } from '../../../core/toolbox-request.js';
import { lastWords } from '../../../core/toolbox-request.js';
import type { NodeSync } from '../driver.js';
import { LOAD_TIMEOUT_MS, loadStep } from '../shared.js';
import { chainsFromSave, type Jump, jumpSaveLine, KUBE_CHAIN_NAME } from './rules.js';

type Table = Jump['table'] | 'mangle';
const TABLES: readonly Table[] = ['filter', 'nat'];

/** An empty chain ensured in some tables (kube-proxy's KUBE-PROXY-CANARY). */
export interface Canary {
  chain: string;
  tables: readonly Table[];
}

/** The tables a sync reads back: filter and nat, and those of the canary. */
const tablesOf = (canary?: Canary): Table[] => [...new Set([...TABLES, ...(canary?.tables ?? [])])];

/** iptables-restore, waiting for the xtables lock (the toolbox's other iptables commands hold it at times). */
export const RESTORE: AgentStep['argv'] = ['iptables-restore', '-w', '--noflush'];

/** The chains a restore input declares, by table. */
export function declaredChains(rules: string): Map<Table, Set<string>> {
  return new Map(TABLES.map((t) => [t, new Set(chainsFromSave(rules, t))]));
}

/** The rule lines (`-A ...`) of one table in iptables-save's output. */
export function savedRules(save: string, table: Table): Set<string> {
  const rules = new Set<string>();
  let current = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1).trim();
    else if (current === table && line.startsWith('-A ')) rules.add(line.trimEnd());
  }
  return rules;
}

/** What a node's rules lack or have left over, from iptables-save of its tables. */
export interface RestoreFix {
  /** Jump targets that exist nowhere (kubelet's KUBE-FIREWALL on a new node). */
  create: Map<Table, string[]>;
  /** Jumps that are missing, in the order they are ensured. */
  jumps: Jump[];
  /** Per-service and per-endpoint chains the restore does not declare any more. */
  stale: Map<Table, string[]>;
}

export function restoreFix(
  saves: Readonly<Partial<Record<Table, string>>>,
  declared: Map<Table, Set<string>>,
  jumps: readonly Jump[],
  removeStale: boolean,
  canary?: Canary,
): RestoreFix {
  const fix: RestoreFix = { create: new Map(), jumps: [], stale: new Map() };
  for (const table of tablesOf(canary)) {
    const save = saves[table] ?? '';
    const existing = chainsFromSave(save, table);
    const have = new Set([...existing, ...(declared.get(table) ?? [])]);
    const rules = savedRules(save, table);
    const mine = jumps.filter((j) => j.table === table);
    const wanted = [...mine.map((j) => j.target), ...(canary?.tables.includes(table) ? [canary.chain] : [])];
    const create = [...new Set(wanted.filter((c) => !have.has(c)))];
    if (create.length) fix.create.set(table, create);
    fix.jumps.push(...mine.filter((j) => !rules.has(jumpSaveLine(j))));
    const stale = removeStale ? existing.filter((c) => KUBE_CHAIN_NAME.test(c) && !declared.get(table)?.has(c)) : [];
    if (stale.length) fix.stale.set(table, [...new Set(stale)]);
  }
  return fix;
}

/**
 * The restore input that fixes it ('' when nothing needs fixing): chains to create, the missing
 * jumps (each `-I` prepends, in the order kube-proxy ensures them, as its `-C || -I` did), and
 * the stale chains flushed (a chain line) and deleted (`-X`).
 */
export function fixRestore(fix: RestoreFix): string {
  let out = '';
  for (const table of ['mangle', ...TABLES] as const) {
    const create = fix.create.get(table) ?? [];
    const stale = fix.stale.get(table) ?? [];
    const jumps = fix.jumps.filter((j) => j.table === table);
    if (!create.length && !stale.length && !jumps.length) continue;
    out += `*${table}\n`;
    for (const c of [...create, ...stale]) out += `:${c} - [0:0]\n`;
    for (const j of jumps) out += `${j.position} ${j.chain} ${j.rule}\n`;
    for (const c of stale) out += `-X ${c}\n`;
    out += 'COMMIT\n';
  }
  return out;
}

/** A node's sync: `rules` loaded, read back, and fixed when the read says so. */
export function restoreSync(node: NamespaceRef, rules: string, jumps: readonly Jump[], options: { removeStale: boolean; canary?: Canary }): NodeSync {
  const declared = declaredChains(rules);
  const tables = tablesOf(options.canary);
  return {
    steps: [loadStep(node, RESTORE, rules)],
    checks: tables.map((t) => ({ argv: ['iptables-save', '-t', t], netns: node, timeoutMs: LOAD_TIMEOUT_MS })),
    after(results: StepResult[]): AgentStep[] {
      const saves: Partial<Record<Table, string>> = {};
      for (const [i, table] of tables.entries()) {
        const r = results[i];
        if (!r) throw new Error(`iptables-save -t ${table} gave no result`);
        if (r.exitCode !== 0) throw new Error(`iptables-save -t ${table} failed: ${lastWords(r) || `exit code ${r.exitCode}`}`);
        saves[table] = r.stdout;
      }
      const text = fixRestore(restoreFix(saves, declared, jumps, options.removeStale, options.canary));
      return text ? [loadStep(node, RESTORE, text)] : [];
    },
  };
}
