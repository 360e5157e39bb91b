// A sync's token in the kernel, beside its rules (KEP-3453 partial syncs across processes).
// kube-proxy keeps its last sync's state in memory; netlab keeps it in a file in the node,
// written while the rules load rather than after (one round instead of two). So that a file
// never vouches for rules that were not loaded, each sync writes its state's token with the
// rules, in the same transaction, and a partial sync starts by deleting the previous token:
// when the file names a token the kernel does not hold (the load failed, the process died,
// the file is from a sync that never loaded), the partial transaction fails as a whole and
// the caller syncs in full. Pure.

/** iptables: a chain nothing jumps to, in each table the syncs write, holding one rule with the token. */
export const IPTABLES_TOKEN_CHAIN = 'NETLAB-SYNC-TOKEN';
export const IPTABLES_TOKEN_TABLES = ['filter', 'nat'] as const;

const tokenRule = (token: string): string => `${IPTABLES_TOKEN_CHAIN} -m comment --comment "netlab sync ${token}" -j RETURN`;

/** A full restore input with the token chain declared (so flushed) and the token added, in each table. */
export function iptablesWithToken(text: string, token: string): string {
  let out = text;
  for (const table of IPTABLES_TOKEN_TABLES) {
    const start = out.indexOf(`*${table}\n`);
    const commit = out.indexOf('COMMIT\n', start);
    if (start < 0 || commit < 0) throw new Error(`iptables sync token: no ${table} table in the restore input`);
    const head = start + table.length + 2;
    out = `${out.slice(0, head)}:${IPTABLES_TOKEN_CHAIN} - [0:0]\n${out.slice(head, commit)}-A ${tokenRule(token)}\nCOMMIT\n${out.slice(commit + 7)}`;
  }
  return out;
}

/** A partial restore's lines for one table: the previous token deleted (failing the table's commit when it is not there), the new one added. */
export const iptablesTokenSwap = (previous: string, token: string): string[] => [`-D ${tokenRule(previous)}`, `-A ${tokenRule(token)}`];

/** nftables: a set in kube-proxy's table holding the token (one element). */
export const NFT_TOKEN_SET = 'netlab-sync-token';

export const nftTokenSet = (table: string): string => `add set ${table} ${NFT_TOKEN_SET} { type mark ; comment "netlab: token of the last sync" ; }`;

/** The full script's token: the set declared, its one element. */
export const nftWithToken = (table: string, token: string): string[] => [nftTokenSet(table), `add element ${table} ${NFT_TOKEN_SET} { ${token} }`];

/** A partial transaction's first statements: the previous token deleted (failing the transaction when it is not there), the new one added. */
export const nftTokenSwap = (table: string, previous: string, token: string): string[] => [
  `delete element ${table} ${NFT_TOKEN_SET} { ${previous} }`,
  `add element ${table} ${NFT_TOKEN_SET} { ${token} }`,
];
