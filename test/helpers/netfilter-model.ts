// Small, strict models of what the kernel does with netlab's rule texts, for the partial-sync
// property tests: `iptables-restore --noflush` (chains declared, flushed, appended to,
// deleted; a rule deleted that is not there, a jump to a chain that does not exist, or the deletion of a chain still jumped to,
// fails the table's transaction) and `nft -f` (one transaction: tables, chains, sets, maps,
// rules, elements, with nft's errors for missing objects, duplicate keys and objects still in
// use). Each model prints itself in a normal form (chains and elements sorted), as
// `iptables-save` / `nft list table` would compare after normalisation.

const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);

export class IptablesModel {
  tables = new Map<string, Map<string, string[]>>();

  restore(text: string): void {
    let table: Map<string, string[]> | undefined;
    let name = '';
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        name = line.slice(1);
        table = new Map([...(this.tables.get(name) ?? new Map<string, string[]>())].map(([c, r]) => [c, [...r]]));
      } else if (!table) throw new Error(`outside a table: ${line}`);
      else if (line === 'COMMIT') {
        this.tables.set(name, table);
        table = undefined;
      } else if (line.startsWith(':')) table.set(line.slice(1, line.indexOf(' ')), []);
      else if (line.startsWith('-A ') || line.startsWith('-I ')) {
        const [, chain, ...rest] = line.split(' ');
        const rules = table.get(chain!);
        if (!rules) throw new Error(`no chain ${chain}: ${line}`);
        const target = rest[rest.indexOf('-j') + 1];
        if (rest.includes('-j') && !BUILTIN_TARGETS.has(target!) && !table.has(target!)) throw new Error(`no target chain ${target}: ${line}`);
        if (line.startsWith('-A ')) rules.push(rest.join(' '));
        else rules.unshift(rest.join(' '));
      } else if (line.startsWith('-D ')) {
        const [, chain, ...rest] = line.split(' ');
        const rules = table.get(chain!);
        const at = rules?.indexOf(rest.join(' ')) ?? -1;
        if (at < 0) throw new Error(`no such rule to delete: ${line}`);
        rules!.splice(at, 1);
      } else if (line.startsWith('-X ')) {
        const chain = line.slice(3);
        if (!table.has(chain)) throw new Error(`no chain to delete: ${chain}`);
        if (table.get(chain)!.length) throw new Error(`chain not empty: ${chain}`);
        for (const [c, rules] of table) if (rules.some((r) => r.endsWith(`-j ${chain}`))) throw new Error(`${chain} still jumped to from ${c}`);
        table.delete(chain);
      } else throw new Error(`unknown line: ${line}`);
    }
    if (table) throw new Error('no COMMIT');
  }

  /** One table as `iptables-save -t <table>` prints it. */
  save(table: string): string {
    const chains = this.tables.get(table) ?? new Map<string, string[]>();
    const out = [`*${table}`, ...[...chains.keys()].map((c) => `:${c} - [0:0]`)];
    for (const [c, rules] of chains) out.push(...rules.map((r) => `-A ${c} ${r}`));
    return `${[...out, 'COMMIT'].join('\n')}\n`;
  }

  normal(): string {
    const out: string[] = [];
    for (const t of [...this.tables.keys()].sort()) {
      out.push(`*${t}`);
      const chains = this.tables.get(t)!;
      for (const c of [...chains.keys()].sort()) out.push(`:${c}`, ...chains.get(c)!.map((r) => `-A ${c} ${r}`));
    }
    return out.join('\n');
  }
}

interface NftSet {
  decl: string;
  elements: Map<string, string>;
}

const targetsOf = (text: string): string[] => [...text.matchAll(/\b(?:goto|jump) ([^\s,}]+)/g)].map((m) => m[1]!);

export class NftModel {
  table: { chains: Map<string, string[]>; sets: Map<string, NftSet> } | undefined;

  load(script: string): void {
    let t = this.table && {
      chains: new Map([...this.table.chains].map(([c, r]) => [c, [...r]])),
      sets: new Map([...this.table.sets].map(([s, v]) => [s, { decl: v.decl, elements: new Map(v.elements) }])),
    };
    const need = () => {
      if (!t) throw new Error('no table');
      return t;
    };
    const chainUsed = (c: string) =>
      [...need().chains.values()].some((rules) => rules.some((r) => targetsOf(r).includes(c))) ||
      [...need().sets.values()].some((s) => [...s.elements.values()].some((e) => targetsOf(e).includes(c)));
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const m = /^(add|delete|flush) (table|chain|set|map|rule|element) ip kube-proxy ?(\S*) ?(.*)$/.exec(line);
      if (!m) throw new Error(`unknown statement: ${line}`);
      const [, verb, kind, name, rest] = m as unknown as [string, string, string, string, string];
      const key = `${verb} ${kind}`;
      if (key === 'add table') t ??= { chains: new Map(), sets: new Map() };
      else if (key === 'delete table') {
        if (!t) throw new Error('no table to delete');
        t = undefined;
      } else if (key === 'add chain') {
        if (!need().chains.has(name)) need().chains.set(name, []);
      } else if (key === 'flush chain') {
        if (!need().chains.has(name)) throw new Error(`no chain to flush: ${name}`);
        need().chains.set(name, []);
      } else if (key === 'delete chain') {
        const rules = need().chains.get(name);
        if (!rules) throw new Error(`no chain to delete: ${name}`);
        if (rules.length) throw new Error(`chain not empty: ${name}`);
        if (chainUsed(name)) throw new Error(`chain in use: ${name}`);
        need().chains.delete(name);
      } else if (key === 'add set' || key === 'add map') {
        const had = need().sets.get(name);
        const decl = `${kind} ${rest}`;
        // The kernel updates a set's timeout in place; any other difference is an error.
        const untimed = (d: string) => d.replace(/ timeout \d+s ;/, '');
        if (had && had.decl !== decl && untimed(had.decl) !== untimed(decl)) throw new Error(`${name} exists with another declaration`);
        if (had) had.decl = decl;
        else need().sets.set(name, { decl, elements: new Map() });
      } else if (key === 'flush set' || key === 'flush map') {
        const set = need().sets.get(name);
        if (!set?.decl.startsWith(`${kind} `)) throw new Error(`no ${kind} to flush: ${name}`);
        set.elements.clear();
      } else if (key === 'delete set') {
        if (!need().sets.has(name)) throw new Error(`no set to delete: ${name}`);
        if ([...need().chains.values()].some((rules) => rules.some((r) => r.includes(`@${name} `) || r.endsWith(`@${name}`))))
          throw new Error(`set in use: ${name}`);
        need().sets.delete(name);
      } else if (key === 'add rule') {
        const rules = need().chains.get(name);
        if (!rules) throw new Error(`no chain ${name}: ${line}`);
        for (const target of targetsOf(rest)) if (!need().chains.has(target)) throw new Error(`no chain ${target}: ${line}`);
        for (const s of rest.matchAll(/@(\S+)/g)) if (!need().sets.has(s[1]!)) throw new Error(`no set ${s[1]}: ${line}`);
        rules.push(rest);
      } else if (key === 'add element' || key === 'delete element') {
        const set = need().sets.get(name);
        if (!set) throw new Error(`no set ${name}: ${line}`);
        const body = /^\{ (.*) \}$/.exec(rest)?.[1];
        if (body === undefined) throw new Error(`bad elements: ${line}`);
        for (const e of body.split(' , ')) {
          const k = e.split(/ comment | : /)[0]!;
          if (verb === 'add') {
            if (set.elements.has(k)) throw new Error(`element exists: ${name} ${k}`);
            for (const target of targetsOf(e)) if (!need().chains.has(target)) throw new Error(`no chain ${target}: ${line}`);
            set.elements.set(k, e);
          } else if (!set.elements.delete(k)) throw new Error(`no element to delete: ${name} ${k}`);
        }
      } else throw new Error(`unknown statement: ${line}`);
    }
    this.table = t;
  }

  /** `nft list chains ip` (this table only). */
  listChains(): string {
    if (!this.table) return '';
    return `table ip kube-proxy {\n${[...this.table.chains.keys()].map((c) => `\tchain ${c} {\n\t}\n`).join('')}}\n`;
  }

  /** `nft -t list sets ip` (this table only; maps are not sets). */
  listSets(): string {
    if (!this.table) return '';
    const sets = [...this.table.sets].filter(([, s]) => s.decl.startsWith('set '));
    return `table ip kube-proxy {\n${sets.map(([name]) => `\tset ${name} {\n\t\ttype ipv4_addr\n\t}\n`).join('')}}\n`;
  }

  normal(): string {
    if (!this.table) return '';
    const out: string[] = [];
    for (const c of [...this.table.chains.keys()].sort()) out.push(`chain ${c}`, ...this.table.chains.get(c)!.map((r) => `  ${r}`));
    for (const s of [...this.table.sets.keys()].sort()) {
      const set = this.table.sets.get(s)!;
      out.push(`${set.decl.split(' ')[0]} ${s} ${set.decl}`, ...[...set.elements.values()].sort().map((e) => `  ${e}`));
    }
    return out.join('\n');
  }
}
