// Reading kube-proxy's nftables table back: `nft -a list` output as rules (with counters and
// handles) and verdict-map elements, for the diagnosis and `explain` of the nftables mode. Pure.

export interface NftRule {
  chain: string;
  text: string;
  handle?: number;
  packets?: number;
  bytes?: number;
}

/** Rules of `nft -a list table ...` (or `list chain`), with counters and handles when printed. */
export function parseNftRules(out: string): NftRule[] {
  const rules: NftRule[] = [];
  let chain: string | undefined;
  let depth = 0;
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    const chainStart = /^chain (\S+) \{/.exec(line);
    if (chainStart) {
      chain = chainStart[1];
      depth = 1;
      continue;
    }
    if (!chain) continue;
    if (line === '}') {
      depth--;
      if (depth <= 0) chain = undefined;
      continue;
    }
    if (!line || line.startsWith('type ') || line.startsWith('comment ') || line.startsWith('policy ')) continue;
    const counter = /counter packets (\d+) bytes (\d+)/.exec(line);
    const handle = /# handle (\d+)\s*$/.exec(line);
    rules.push({
      chain,
      text: line.replace(/\s*# handle \d+\s*$/, ''),
      handle: handle ? Number(handle[1]) : undefined,
      packets: counter ? Number(counter[1]) : undefined,
      bytes: counter ? Number(counter[2]) : undefined,
    });
  }
  return rules;
}

/** Elements of a verdict map in `nft list map`: `key : verdict` pairs. */
export function parseNftMapElements(out: string): { key: string; verdict: string }[] {
  const m = /elements = \{([\s\S]*?)\}/.exec(out);
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const i = e.indexOf(' : ');
      return i < 0 ? { key: e, verdict: '' } : { key: e.slice(0, i).trim(), verdict: e.slice(i + 3).trim() };
    });
}

/** The elements of the `service-ips` verdict map in `nft list table ip kube-proxy` output. */
export function serviceIpsElements(table: string): { key: string; verdict: string }[] {
  return mapElements(table, 'map', 'service-ips');
}

/** The elements of one map or set of the table (a set's have no verdict). */
export function mapElements(table: string, kind: 'map' | 'set', name: string): { key: string; verdict: string }[] {
  const escaped = name.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');
  return parseNftMapElements(new RegExp(`${kind} ${escaped} \\{[\\s\\S]*?\\n\\s*\\}`).exec(table)?.[0] ?? '');
}
