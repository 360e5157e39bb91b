// The iptables driver: the sync script around iptables-restore (jumps, restore, stale
// chains), KUBE-SVC/KUBE-SEP names as a real lab had them, and its own rules read back.
import { describe, expect, it } from 'vitest';
import { iptablesDriver as d } from '../../../../../src/plan/proxy/iptables/driver.js';
import { iptablesJumps, iptablesRestore, KUBE_CHAIN_PATTERN } from '../../../../../src/plan/proxy/iptables/rules.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const ns = 'nsenter --net=/proc/42/ns/net';
const seedService = { namespace: 'default', service: 'service-test', portName: '', protocol: 'TCP' as const };
const web = {
  namespace: 'default',
  name: 'web',
  clusterIP: '10.96.0.50',
  port: 80,
  protocol: 'tcp' as const,
  chain: d.serviceChain(fixture.services[0]!),
  endpoints: [],
};

describe('iptables driver', () => {
  it('sync: the jumps, one iptables-restore, then the chains no longer declared are flushed and deleted', () => {
    const rules = iptablesRestore(fixture);
    const declared = [
      ...new Set(
        rules
          .split('\n')
          .filter((l) => l.startsWith(':KUBE-'))
          .map((l) => l.slice(1).split(' ')[0]!),
      ),
    ].sort();
    expect(d.syncScript(fixture, 42)).toBe(
      [
        'set -e',
        ...iptablesJumps().map((cmd) => `${ns} sh -c '${cmd.replace(/'/g, `'\\''`)}'`),
        `${ns} iptables-restore --noflush <<'NETLAB_RULES'\n${rules}\nNETLAB_RULES`,
        `w=$(mktemp); cat > "$w" <<'NETLAB_WANTED'\n${declared.join('\n')}\nNETLAB_WANTED`,
        `for t in nat filter; do stale=$(${ns} iptables-save -t $t | sed -n 's/^:\\(${KUBE_CHAIN_PATTERN}\\) .*/\\1/p' | sort | comm -23 - "$w")`,
        `  for c in $stale; do ${ns} iptables -w -t $t -F "$c"; done; for c in $stale; do ${ns} iptables -w -t $t -X "$c"; done; done; rm -f "$w"`,
        'echo "4 service ports"',
      ].join('\n'),
    );
  });

  it('chains: KUBE-SVC and KUBE-SEP as kube-proxy named them in a running lab', () => {
    expect(d.serviceChain(seedService)).toBe('KUBE-SVC-GBTMB5ZTD56ECL5F');
    expect(d.endpointChain(seedService, { ip: '10.0.2.2', port: 8080 })).toBe('KUBE-SEP-CCUNI5TAEJBRFII7');
    expect(d.endpointChain(seedService, { ip: '10.0.1.2', port: 8080 })).toBe('KUBE-SEP-SWDHQQVZNE4DIAR4');
  });

  it('evidence: the nat table with counters', () => {
    const node = { pid: 42, container: 'c0ffee0000000000' };
    expect(d.evidenceSteps(node)).toEqual([{ section: 'nat', step: { argv: ['iptables-save', '-t', 'nat', '-c'], netns: node } }]);
    expect(d.evidenceInNode).toBeUndefined();
  });

  it('diagnosis: its own rules send the service on; a missing KUBE-SERVICES rule or KUBE-SEP jump is named', () => {
    const rules = iptablesRestore(fixture);
    expect(d.serviceRuleMissing({ nat: rules }, web, 'node1', 'lab')).toBeUndefined();
    expect(d.serviceRuleMissing({ nat: rules }, { ...web, clusterIP: '10.96.0.99' }, 'node1', 'lab')).toBe(
      'node node1 has no KUBE-SERVICES rule for 10.96.0.99:80/tcp in its nat table (sync the lab: netlab sync lab)',
    );
    const noSep = rules
      .split('\n')
      .filter((l) => !(l.startsWith(`-A ${web.chain} `) && l.includes('-j KUBE-SEP-')))
      .join('\n');
    expect(d.serviceRuleMissing({ nat: noSep }, web, 'node1', 'lab')).toBe(`node node1's ${web.chain} (default/web) jumps to no KUBE-SEP chain`);
  });

  it('nodePort: KUBE-NODEPORTS in iptables-save -t nat', () => {
    const rules = iptablesRestore(fixture);
    expect(d.nodePortRule.command).toEqual(['iptables-save', '-t', 'nat']);
    expect(d.nodePortRule.where).toBe('KUBE-NODEPORTS');
    expect(d.nodePortRule.present(rules, 30500)).toBe(true);
    expect(d.nodePortRule.present(rules, 3050)).toBe(false);
    // No endpoints: a REJECT in filter, nothing in KUBE-NODEPORTS.
    expect(d.nodePortRule.present(rules, 30600)).toBe(false);
  });

  it('explain: no counters to add (iptables counts), conntrack shows the DNAT', () => {
    expect(d.explain).not.toHaveProperty('counters');
    expect(d.explain.conntrack.replyIsEndpoint).toBe(true);
    expect(d.explain.conntrack.translated({ src: '10.0.2.2', sport: 8080 })).toBe('DNATed to 10.0.2.2:8080');
  });
});
