// The nftables full sync rewritten in place (full.ts): the same table as the script that deletes
// and re-adds it, in the order that keeps the kernel's per-anonymous-set walk short, and the
// stale chains and sets found in real `nft list` output deleted in a second transaction.
import { describe, expect, it } from 'vitest';
import { listedObjects, nftablesInPlace, staleCleanup } from '../../../../../src/plan/proxy/nftables/full.js';
import { nftablesRules } from '../../../../../src/plan/proxy/nftables/partial.js';
import { nftablesScript } from '../../../../../src/plan/proxy/nftables/rules.js';
import { nftWithToken } from '../../../../../src/plan/proxy/sync-token.js';
import { NftModel } from '../../../../helpers/netfilter-model.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const T = 'ip kube-proxy';
const scriptOf = (input = fixture, token = '0x1') => `${nftablesScript(input)}${nftWithToken(T, token).join('\n')}\n`;

describe('nftables full sync in place', () => {
  it('loads the same table as deleting and re-adding it, from scratch and over an older table', () => {
    const replaced = new NftModel();
    replaced.load(scriptOf());
    const fresh = new NftModel();
    fresh.load(nftablesInPlace([scriptOf().split('\n')]).text);
    expect(fresh.normal()).toBe(replaced.normal());

    // Over another sync's table: its elements flushed (re-adding one would fail), its stale chains and sets deleted after.
    const older = structuredClone(fixture);
    older.services[0]!.endpoints[0]!.ip = '10.0.1.99';
    older.services[3]!.affinitySeconds = 60;
    const node = new NftModel();
    node.load(nftablesInPlace([scriptOf(older, '0x2').split('\n')]).text);
    const { text, declared } = nftablesInPlace([scriptOf().split('\n')]);
    node.load(text);
    expect(node.normal()).not.toBe(replaced.normal());
    const cleanup = staleCleanup(node.listChains(), node.listSets(), declared);
    expect(cleanup).toMatch(/^flush chain ip kube-proxy endpoint-\S+10\.0\.1\.99\/8080\n/);
    node.load(cleanup);
    expect(node.normal()).toBe(replaced.normal());
    expect(staleCleanup(node.listChains(), node.listSets(), declared)).toBe('');
  });

  it("a full sync's script (made from the fixed part and each port's lines) is the same in-place rewrite of the same table", () => {
    const planned = nftablesRules(fixture, 'node1@start');
    expect(planned.partial).toBe(false);
    expect(planned.text).toBe(nftablesInPlace([scriptOf(fixture, planned.state.token).split('\n')]).text);
    const a = new NftModel();
    a.load(planned.text);
    const b = new NftModel();
    b.load(scriptOf(fixture, planned.state.token));
    expect(a.normal()).toBe(b.normal());
  });

  it('never deletes the table; rules with anonymous sets come before all others; one statement per map; affinity sets kept', () => {
    const { text, declared } = nftablesInPlace([scriptOf().split('\n')]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('add table ip kube-proxy { comment "rules for kube-proxy" ; }');
    expect(text).not.toMatch(/delete table/);
    // The chains, in the order they are refilled: those with an anonymous set first.
    const chainOf = (rule: string) => rule.split(' ')[4]!;
    const refilled = [...new Set(lines.filter((l) => l.startsWith('add rule ')).map(chainOf))];
    const anonymous = new Set(lines.filter((l) => l.startsWith('add rule ') && l.includes(' { ')).map(chainOf));
    expect(anonymous.size).toBeGreaterThan(3);
    expect(refilled.slice(0, anonymous.size).every((c) => anonymous.has(c))).toBe(true);
    // Every chain declared before the first rule, flushed right before its own rules.
    expect(lines.findLastIndex((l) => l.startsWith('add chain '))).toBeLessThan(lines.findIndex((l) => l.startsWith('flush chain ')));
    expect(lines.filter((l) => l.startsWith('add element ip kube-proxy service-ips '))).toHaveLength(1);
    expect(lines).toContain('flush map ip kube-proxy service-ips');
    expect(lines).toContain('flush set ip kube-proxy netlab-sync-token');
    expect(text).not.toMatch(/flush set ip kube-proxy affinity-/);
    expect([...declared.sets].some((s) => s.startsWith('affinity-'))).toBe(true);
  });

  it('reads the chains and sets of the kube-proxy table from nft list output, and of no other table', () => {
    const chains = [
      'table ip filter {',
      '\tchain INPUT {',
      '\t\ttype filter hook input priority filter; policy accept;',
      '\t}',
      '}',
      'table ip kube-proxy {',
      '\tchain nat-output {',
      '\t\ttype nat hook output priority dstnat; policy accept;',
      '\t}',
      '\tchain endpoint-Q65MU6U7-bench/svc-1/tcp/http__10.0.1.12/8080 {',
      '\t}',
      '}',
    ].join('\n');
    const sets =
      'table ip kube-proxy {\n\tset cluster-ips {\n\t\ttype ipv4_addr\n\t\tcomment "Active ClusterIPs"\n\t}\n\tset affinity-X {\n\t\ttype ipv4_addr\n\t}\n}\n';
    expect(listedObjects(chains, 'chain')).toEqual(['nat-output', 'endpoint-Q65MU6U7-bench/svc-1/tcp/http__10.0.1.12/8080']);
    expect(listedObjects(sets, 'set')).toEqual(['cluster-ips', 'affinity-X']);
    const cleanup = staleCleanup(chains, sets, { chains: new Set(['nat-output']), sets: new Set(['cluster-ips']) });
    expect(cleanup).toBe(
      [
        'flush chain ip kube-proxy endpoint-Q65MU6U7-bench/svc-1/tcp/http__10.0.1.12/8080',
        'delete chain ip kube-proxy endpoint-Q65MU6U7-bench/svc-1/tcp/http__10.0.1.12/8080',
        'delete set ip kube-proxy affinity-X',
        '',
      ].join('\n'),
    );
    expect(staleCleanup('', '', { chains: new Set(), sets: new Set() })).toBe('');
  });
});
