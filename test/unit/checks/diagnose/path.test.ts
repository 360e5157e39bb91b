import { describe, expect, it } from 'vitest';
import { parseAddrs, parseLinks, parseRoutes, sectionTexts } from '../../../../src/checks/diagnose/evidence.js';
import { applySections, gatherSteps, planPath, rereadSteps } from '../../../../src/checks/diagnose/path.js';
import { loadLab, resolveLabFile } from '../../../../src/labfile/load.js';
import { withAddons } from '../../../../src/plan/addons.js';
import { planLab } from '../../../../src/plan/plan.js';
import { images } from '../../../helpers/plan-fixtures.js';
import { CLIENT_ADDRS, CLIENT_LINKS, CLIENT_ROUTES, CONNTRACK_AFTER, NAT_BEFORE } from '../../../helpers/diagnose-fixtures.js';

async function podToService() {
  const lab = withAddons((await loadLab(resolveLabFile('pod-to-service'))).lab);
  const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
  const ready = new Map(plan.pods.map((p) => [`${p.namespace}/${p.name}`, true]));
  return { lab, plan, ready };
}

describe('the path of a check to a service port', () => {
  it('a port number that a service has in UDP and TCP is the one in the probe protocol', async () => {
    const { lab, plan, ready } = await podToService();
    const tcp = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'tcp').facts;
    expect(tcp.service?.protocol).toBe('tcp');
    expect(tcp.service?.portName).toBe('kube-system/kube-dns:dns-tcp');
    const udp = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'udp').facts;
    expect(udp.service?.protocol).toBe('udp');
    expect(udp.target.proto).toBe('udp');
  });

  it('a port named in the check is that port, whatever the probe', async () => {
    const { lab, plan, ready } = await podToService();
    const named = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:dns-tcp', 'udp').facts;
    expect(named.service?.portName).toBe('kube-system/kube-dns:dns-tcp');
    expect(named.target.proto).toBe('tcp');
  });

  it('the cluster IP and a port number pick the port in the probe protocol too', async () => {
    const { lab, plan, ready } = await podToService();
    const ip = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'tcp').facts.service!.clusterIP;
    expect(planPath(lab, plan, ready, 'client', `${ip}:53`, 'tcp').facts.service?.protocol).toBe('tcp');
    expect(planPath(lab, plan, ready, 'client', `${ip}:53`, 'udp').facts.service?.protocol).toBe('udp');
  });
});

describe('gathering the path: agent steps, one section each', () => {
  const ref = (pid: number) => ({ pid, container: `c0ffee${String(pid).padStart(10, '0')}` });

  async function clientToService(mode?: 'nftables' | 'userspace') {
    const { lab, plan, ready } = await podToService();
    const moded = mode ? { ...lab, topology: { ...lab.topology, proxyMode: mode } } : lab;
    const path = planPath(moded, plan, ready, 'client', 'service-test:80', 'tcp');
    const namespaces = new Map([...path.containers.keys()].map((label, i) => [label, ref(100 + i)]));
    return { path, namespaces };
  }

  it("each namespace's links, addresses, routes (and sockets where read) in it, then the source node's rules and conntrack", async () => {
    const { path, namespaces } = await clientToService();
    const steps = gatherSteps(path, namespaces);
    const node1 = namespaces.get('node:node1')!;
    expect(steps.filter((s) => s.section.startsWith('pod:default/client '))).toEqual([
      { section: 'pod:default/client links', step: { argv: ['ip', '-o', 'link', 'show'], netns: namespaces.get('pod:default/client') } },
      { section: 'pod:default/client addrs', step: { argv: ['ip', '-4', '-o', 'addr', 'show'], netns: namespaces.get('pod:default/client') } },
      { section: 'pod:default/client routes', step: { argv: ['ip', '-4', 'route', 'show'], netns: namespaces.get('pod:default/client') } },
    ]);
    expect(steps.find((s) => s.section === 'pod:default/server-0 listen')?.step).toEqual({
      argv: ['ss', '-Hltnu'],
      netns: namespaces.get('pod:default/server-0'),
    });
    expect(steps.slice(-2)).toEqual([
      { section: 'nat', step: { argv: ['iptables-save', '-t', 'nat', '-c'], netns: node1 } },
      { section: 'conntrack', step: { argv: ['conntrack', '-L', '-p', 'tcp', '--orig-dst', path.facts.service!.clusterIP], netns: node1 } },
    ]);
    expect(rereadSteps(path, namespaces).map((s) => s.section)).toEqual(['nat.after', 'conntrack.after']);
    // A namespace that is not running is not read; without the source's node, no rules either.
    const without = new Map([...namespaces].filter(([l]) => l !== 'node:node1' && l !== 'router'));
    const sections = gatherSteps(path, without).map((s) => s.section);
    expect(sections.some((s) => s.startsWith('node:node1 ') || s.startsWith('router ') || s === 'nat' || s === 'conntrack')).toBe(false);
  });

  it("nftables reads its table again after the request; userspace's proxy config is no toolbox step (the node's own cat reads it)", async () => {
    const nft = await clientToService('nftables');
    expect(rereadSteps(nft.path, nft.namespaces).map((s) => [s.section, s.step.argv.join(' ')])).toEqual([
      ['nft.after', 'nft -a list table ip kube-proxy'],
      ['conntrack.after', `conntrack -L -p tcp --orig-dst ${nft.path.facts.service!.clusterIP}`],
    ]);
    const usr = await clientToService('userspace');
    expect(gatherSteps(usr.path, usr.namespaces).some((s) => s.section === 'proxyconfig')).toBe(false);
  });

  it('a name is looked up as the source would: its resolv.conf, shown by the agent; the name stays one argument', async () => {
    const { path, namespaces } = await clientToService();
    const source = namespaces.get('pod:default/client');
    const hostile = 'service-test; touch /tmp/x $(id)';
    const steps = gatherSteps(path, namespaces, { dnsName: hostile });
    expect(steps.slice(-2)).toEqual([
      { section: 'resolv', step: { argv: ['cat', '/etc/resolv.conf'], resolvConfFrom: source } },
      {
        section: 'dig',
        step: { argv: ['dig', '+search', '+time=1', '+tries=1', '+noall', '+comments', '+answer', hostile], netns: source, resolvConfFrom: source },
      },
    ]);
  });

  it('the facts from the results: output then errors, as one section each (what `2>&1` gave)', async () => {
    const { path, namespaces } = await clientToService();
    const result = (stdout: string, stderr = '', exitCode = 0, error?: string) => ({ stdout, stderr, exitCode, ms: 1, error });
    const results = new Map([
      ['pod:default/client links', result(`${CLIENT_LINKS}\n`)],
      ['pod:default/client addrs', result(`${CLIENT_ADDRS}\n`)],
      ['pod:default/client routes', result(`${CLIENT_ROUTES}\n`)],
      ['pod:default/server-0 links', result('', '', -1, 'process 101 is gone')],
      ['nat', result(`${NAT_BEFORE}\n`)],
      ['conntrack', result(`${CONNTRACK_AFTER.split('\n')[0]}\n`, `${CONNTRACK_AFTER.split('\n')[1]}\n`)],
    ]);
    const sections = sectionTexts(results);
    expect(sections.get('conntrack')).toBe(CONNTRACK_AFTER);
    expect(sections.get('pod:default/server-0 links')).toBe('process 101 is gone');
    const running = new Map([...namespaces.keys()].map((l) => [l, true]));
    const facts = applySections(path, sections, running);
    const client = facts.pods.find((p) => p.name === 'client')!;
    expect(client.ns).toEqual({ links: parseLinks(CLIENT_LINKS), addrs: parseAddrs(CLIENT_ADDRS), routes: parseRoutes(CLIENT_ROUTES), listening: undefined });
    expect(facts.pods.find((p) => p.name === 'server-0')!.ns).toEqual({ links: [], addrs: [], routes: [], listening: undefined });
    expect(facts.nat).toBe(NAT_BEFORE);
    expect(facts.nft).toBeUndefined();
  });
});
