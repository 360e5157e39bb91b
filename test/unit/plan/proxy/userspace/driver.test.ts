// The userspace driver: the proxy ports of the config in the node kept from sync to sync, the
// config and the portal rules written, netlab-proxy started or told to re-read it (SIGHUP), by
// argv in the node; the portals read back.
import { describe, expect, it } from 'vitest';
import { userspaceDriver as d } from '../../../../../src/plan/proxy/userspace/driver.js';
import { PROXY_CONFIG, userspaceConfig } from '../../../../../src/plan/proxy/userspace/rules.js';
import type { StepResult } from '../../../../../src/core/toolbox-request.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';

const web = { namespace: 'default', name: 'web', clusterIP: '10.96.0.50', port: 80, protocol: 'tcp' as const, chain: 'KUBE-PORTALS-CONTAINER', endpoints: [] };

describe('userspace driver', () => {
  it('node setup: the config read, then netlab-proxy started or reloaded, by argv in the node (no shell)', () => {
    const setup = d.nodeSetup!;
    expect(PROXY_CONFIG).toBe('/etc/netlab/proxy.json');
    expect(setup.what).toBe('the userspace proxy');
    expect(setup.read).toEqual(['cat', '/etc/netlab/proxy.json']);
    expect(setup.start).toEqual(['netlab-proxy', '--reload-or-start', '--config', '/etc/netlab/proxy.json']);
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

  it('sync: the config (ports kept) into the node, the portal rules into its network namespace, read back', () => {
    const kept = { 'default/web:http/TCP': 10405 };
    const node = { pid: 42, container: 'c0ffee' };
    const { config, iptablesRestore } = userspaceConfig(fixture, undefined, kept);
    expect(config.services.find((s) => s.serviceport === 'default/web:http')!.proxyPort).toBe(10405);
    const sync = d.sync(fixture, node, kept);
    expect(sync.files).toEqual({ dir: '/', files: { 'etc/netlab/proxy.json': JSON.stringify(config, null, 1) } });
    expect(sync.steps).toEqual([{ argv: ['iptables-restore', '-w', '--noflush'], netns: node, stdin: iptablesRestore, timeoutMs: 300_000 }]);
    expect(sync.checks.map((c) => c.argv)).toEqual([
      ['iptables-save', '-t', 'filter'],
      ['iptables-save', '-t', 'nat'],
    ]);
    expect(d.sync(fixture, node)).toEqual({ ...d.sync(fixture, node, {}), after: expect.any(Function) });
  });

  it('sync: the jumps the node lacks, prepended or appended as the old proxier did; stale chains are not its business', () => {
    const sync = d.sync(fixture, { pid: 42 });
    const save = (table: string, lines = '') => ({ exitCode: 0, stdout: `*${table}\n:INPUT ACCEPT [0:0]\n${lines}COMMIT\n`, stderr: '', ms: 1 }) as StepResult;
    const [rest] = sync.after([save('filter', ':KUBE-SEP-AAAAAAAAAAAAAAAA - [0:0]\n'), save('nat')]);
    expect(rest!.stdin!.split('\n')).toEqual([
      '*filter',
      '-I INPUT -m comment --comment "Ensure that non-local NodePort traffic can flow" -j KUBE-NODEPORT-NON-LOCAL',
      'COMMIT',
      '*nat',
      '-I PREROUTING -m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j KUBE-PORTALS-CONTAINER',
      '-I OUTPUT -m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j KUBE-PORTALS-HOST',
      '-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j KUBE-NODEPORT-CONTAINER',
      '-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j KUBE-NODEPORT-HOST',
      'COMMIT',
      '',
    ]);
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
