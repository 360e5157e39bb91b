// The userspace driver: netlab-proxy started in the node before a sync (its proxy ports kept
// from sync to sync), its config and portal rules written, SIGHUP; the portals read back.
import { describe, expect, it } from 'vitest';
import { userspaceDriver as d } from '../../../../../src/plan/proxy/userspace/driver.js';
import { PROXY_CONFIG, userspaceConfig } from '../../../../../src/plan/proxy/userspace/rules.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const ns = 'nsenter --net=/proc/42/ns/net';
const web = { namespace: 'default', name: 'web', clusterIP: '10.96.0.50', port: 80, protocol: 'tcp' as const, chain: 'KUBE-PORTALS-CONTAINER', endpoints: [] };

describe('userspace driver', () => {
  it('node setup: netlab-proxy started once with an empty config, which is printed', () => {
    const setup = d.nodeSetup!;
    const empty = JSON.stringify({ node: 'node1', nodeIP: '0.0.0.0', services: [] });
    expect(PROXY_CONFIG).toBe('/etc/netlab/proxy.json');
    expect(setup.what).toBe('the userspace proxy');
    expect(setup.script('node1')).toBe(
      [
        'mkdir -p /etc/netlab',
        `[ -f /etc/netlab/proxy.json ] || printf '%s' '${empty}' > /etc/netlab/proxy.json`,
        'pgrep -x netlab-proxy >/dev/null || { nohup netlab-proxy --config /etc/netlab/proxy.json >/dev/null 2>&1 & }',
        'cat /etc/netlab/proxy.json',
      ].join('\n'),
    );
  });

  it('node setup: the proxy ports of the config now in the node, {} when it cannot be read', () => {
    const { config } = userspaceConfig(fixture);
    expect(d.nodeSetup!.state(JSON.stringify(config))).toEqual({
      'default/empty:http/TCP': 10400,
      'default/hello/TCP': 10401,
      'default/web:http/TCP': 10402,
      'shop/cart:http/TCP': 10403,
    });
    expect(d.nodeSetup!.state('')).toEqual({});
    expect(d.nodeSetup!.state('{"services": 3}')).toEqual({});
  });

  it('sync: jumps, the config (ports kept), the portal rules, then SIGHUP to the proxy in that node', () => {
    const kept = { 'default/web:http/TCP': 10405 };
    const { config, iptablesRestore, jumps } = userspaceConfig(fixture, undefined, kept);
    expect(config.services.find((s) => s.serviceport === 'default/web:http')!.proxyPort).toBe(10405);
    expect(d.syncScript(fixture, 42, kept)).toBe(
      [
        'set -e',
        ...jumps.map((cmd) => `${ns} sh -c '${cmd.replace(/'/g, `'\\''`)}'`),
        `cat > /proc/42/root/etc/netlab/proxy.json.new <<'NETLAB_CONFIG'\n${JSON.stringify(config, null, 1)}\nNETLAB_CONFIG`,
        'mv /proc/42/root/etc/netlab/proxy.json.new /proc/42/root/etc/netlab/proxy.json',
        `${ns} iptables-restore --noflush <<'NETLAB_RULES'\n${iptablesRestore}\nNETLAB_RULES`,
        'for p in $(pgrep -x netlab-proxy); do [ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/42/ns/net)" ] && kill -HUP $p; done; true',
        'echo "4 service ports"',
      ].join('\n'),
    );
    expect(d.syncScript(fixture, 42)).toBe(d.syncScript(fixture, 42, {}));
  });

  it('chains: every service goes through the portal chain; there are no endpoint chains', () => {
    expect(d.serviceChain(fixture.services[0]!)).toBe('KUBE-PORTALS-CONTAINER');
    expect(d.endpointChain(fixture.services[0]!, fixture.services[0]!.endpoints[0]!)).toBe('');
  });

  it("evidence: the nat table and the proxy's config", () => {
    const node = { pid: 42, container: 'c0ffee0000000000' };
    expect(d.evidenceSteps(node)).toEqual([{ section: 'nat', step: { argv: ['iptables-save', '-t', 'nat', '-c'], netns: node } }]);
    // The config is read by the node's own `cat`, in the node: a link there resolves inside the node.
    expect(d.evidenceInNode).toEqual([{ section: 'proxyconfig', command: ['cat', '/etc/netlab/proxy.json'] }]);
  });

  it('diagnosis: the portal rule for the cluster IP:port (no KUBE-SEP chains in this mode)', () => {
    const nat = userspaceConfig(fixture).iptablesRestore;
    expect(d.serviceRuleMissing({ nat }, web, 'node1', 'lab')).toBeUndefined();
    expect(d.serviceRuleMissing({ nat }, { ...web, port: 81 }, 'node1', 'lab')).toBe(
      'node node1 has no KUBE-PORTALS-CONTAINER rule for 10.96.0.50:81/tcp in its nat table (sync the lab: netlab sync lab)',
    );
  });

  it('nodePort: KUBE-NODEPORT-CONTAINER or -HOST in iptables-save -t nat', () => {
    const nat = userspaceConfig(fixture).iptablesRestore;
    expect(d.nodePortRule.command).toEqual(['iptables-save', '-t', 'nat']);
    expect(d.nodePortRule.where).toBe('KUBE-NODEPORT-CONTAINER');
    expect(d.nodePortRule.present(nat, 30500)).toBe(true);
    expect(d.nodePortRule.present(nat.replace(/-A KUBE-NODEPORT-CONTAINER .*\n/g, ''), 30500)).toBe(true);
    expect(d.nodePortRule.present(nat.replace(/-A KUBE-NODEPORT-(CONTAINER|HOST) .*\n/g, ''), 30500)).toBe(false);
  });

  it('explain: the proxy opens its own connection, so conntrack shows the redirect, not the endpoint', () => {
    expect(d.explain).not.toHaveProperty('counters');
    expect(d.explain.conntrack.replyIsEndpoint).toBe(false);
    expect(d.explain.conntrack.translated({ src: '10.250.1.11', sport: 10400 })).toBe('redirected to the proxy on 10.250.1.11:10400');
  });
});
