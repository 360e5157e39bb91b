// The iptables-restore sync's second look: what iptables-save shows missing or left over,
// whether it was read before or after the restore (the steps run at once).
import { describe, expect, it } from 'vitest';
import { CANARY_TABLES, iptablesJumps, iptablesRestore, KUBE_PROXY_CANARY } from '../../../../../src/plan/proxy/iptables/rules.js';
import { declaredChains, fixRestore, restoreFix, restoreSync, savedRules } from '../../../../../src/plan/proxy/iptables/sync.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const rules = iptablesRestore(fixture);
const declared = declaredChains(rules);
const jumps = iptablesJumps();
const STALE = 'KUBE-SEP-AAAAAAAAAAAAAAAA';
/** Table by table, each in the order they are ensured (the order within a chain is what counts). */
const byTable = [...jumps.filter((j) => j.table === 'filter'), ...jumps.filter((j) => j.table === 'nat')];

describe('the fix after a restore', () => {
  it("on a new node: read before the restore, it creates only what the restore does not (kubelet's KUBE-FIREWALL), then every jump", () => {
    const fix = restoreFix({ filter: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', nat: '*nat\nCOMMIT\n' }, declared, jumps, true);
    expect(fix.create).toEqual(new Map([['filter', ['KUBE-FIREWALL']]]));
    expect(fix.jumps).toEqual(byTable);
    expect(fix.stale.size).toBe(0);
  });

  it('read after the restore: the same (the restore declares its chains, they are not created again)', () => {
    const loaded = (table: 'filter' | 'nat') => `*${table}\n${rules.split(`*${table}\n`)[1]!.split('COMMIT')[0]}COMMIT\n`;
    const fix = restoreFix({ filter: loaded('filter'), nat: loaded('nat') }, declared, jumps, true);
    expect(fix.create).toEqual(new Map([['filter', ['KUBE-FIREWALL']]]));
    expect(fix.jumps).toEqual(byTable);
  });

  it("a stale chain is one the restore does not declare, read before or after it; other chains are not kube-proxy's business", () => {
    const save = `*nat\n:PREROUTING ACCEPT [0:0]\n:${STALE} - [0:0]\n:KUBE-SERVICES - [0:0]\n:DOCKER_OUTPUT - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A ${STALE} -j DNAT --to-destination 10.0.9.9:80\nCOMMIT\n`;
    const fix = restoreFix({ filter: '', nat: save }, declared, [], true);
    expect(fix.stale).toEqual(new Map([['nat', [STALE]]]));
    expect(fixRestore(fix)).toBe(`*nat\n:${STALE} - [0:0]\n-X ${STALE}\nCOMMIT\n`);
    expect(restoreFix({ filter: '', nat: save }, declared, [], false).stale.size).toBe(0);
  });

  it("kube-proxy's canary chain is created in mangle, nat and filter where iptables-save lacks it, and only there", () => {
    const canary = { chain: KUBE_PROXY_CANARY, tables: CANARY_TABLES };
    const fix = restoreFix(
      {
        mangle: '*mangle\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n',
        filter: `*filter\n:${KUBE_PROXY_CANARY} - [0:0]\n:KUBE-FIREWALL - [0:0]\nCOMMIT\n`,
        nat: '*nat\nCOMMIT\n',
      },
      declared,
      [],
      true,
      canary,
    );
    expect(fix.create).toEqual(
      new Map([
        ['mangle', [KUBE_PROXY_CANARY]],
        ['nat', [KUBE_PROXY_CANARY]],
      ]),
    );
    expect(fixRestore(fix)).toBe(`*mangle\n:${KUBE_PROXY_CANARY} - [0:0]\nCOMMIT\n*nat\n:${KUBE_PROXY_CANARY} - [0:0]\nCOMMIT\n`);
    const sync = restoreSync({ pid: 1 }, rules, jumps, { removeStale: true, canary });
    expect(sync.checks?.map((c) => c.argv.join(' '))).toEqual(['iptables-save -t filter', 'iptables-save -t nat', 'iptables-save -t mangle']);
  });

  it('nothing to fix: no restore at all', () => {
    expect(fixRestore({ create: new Map(), jumps: [], stale: new Map() })).toBe('');
  });

  it('reads the rule lines of one table of iptables-save', () => {
    const save = '# Generated\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j KUBE-FIREWALL \nCOMMIT\n*nat\n-A OUTPUT -j X\nCOMMIT\n';
    expect([...savedRules(save, 'filter')]).toEqual(['-A INPUT -j KUBE-FIREWALL']);
    expect([...savedRules(save, 'nat')]).toEqual(['-A OUTPUT -j X']);
  });
});
