// The proxy-mode registry and the driver interface, over every driver: one driver per name
// (the names the lab-file language knows), each writing its rules with its own tool into the
// node's network namespace, naming the chains its rules declare, reading them back, and
// judging its own rules. An unknown mode is a usage error that lists the modes.
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../../src/core/errors.js';
import { DEFAULT_PROXY_MODE, isProxyMode, PROXY_MODE_NAMES } from '../../../../src/core/proxy-modes.js';
import { labJsonSchema } from '../../../../src/labfile/schema/write.js';
import { PROXY_MODES, proxyModeDriver } from '../../../../src/plan/proxy/registry.js';
import type { ServiceRef } from '../../../../src/plan/proxy/driver.js';
import { fixture } from '../../../helpers/proxy-fixture.js';

const web = fixture.services[0]!;
const nodePid = 4242;

/** What the path facts would know of the fixture's `web` service in `mode`. */
function webRef(mode: string): ServiceRef {
  const d = proxyModeDriver(mode);
  return {
    namespace: web.namespace,
    name: web.service,
    clusterIP: web.clusterIP,
    port: web.port,
    protocol: 'tcp',
    chain: d.serviceChain(web),
    endpoints: web.endpoints.map((e) => ({ ...e, chain: d.endpointChain(web, e) })),
  };
}

describe('the proxy-mode registry', () => {
  it("has one driver per mode name, under its own name, in the names' order", () => {
    expect(PROXY_MODES).toEqual(['iptables', 'nftables', 'userspace']);
    expect(PROXY_MODES).toBe(PROXY_MODE_NAMES);
    expect(PROXY_MODES.map((m) => proxyModeDriver(m).name)).toEqual([...PROXY_MODES]);
    for (const m of PROXY_MODES) {
      expect(proxyModeDriver(m).title, m).toMatch(new RegExp(`^${m}\\b`));
      expect(proxyModeDriver(m).description.length, m).toBeGreaterThan(20);
    }
  });

  it('the lab-file language offers exactly the registered modes, iptables by default', () => {
    const topology = (labJsonSchema() as { properties: { topology: { properties: { proxyMode: { enum: string[]; default: string } } } } }).properties.topology
      .properties.proxyMode;
    expect(topology.enum).toEqual([...PROXY_MODES]);
    expect(topology.default).toBe(DEFAULT_PROXY_MODE);
    expect(DEFAULT_PROXY_MODE).toBe('iptables');
    expect(PROXY_MODES.every(isProxyMode)).toBe(true);
    expect([isProxyMode('ipvs'), isProxyMode(undefined), isProxyMode('IPTABLES'), isProxyMode('constructor')]).toEqual([false, false, false, false]);
  });

  it('rejects an unknown mode with the modes as the hint (a usage error)', () => {
    for (const bad of ['ipvs', '', 'toString', 'IPTABLES']) {
      let err: unknown;
      try {
        proxyModeDriver(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(NetlabError);
      expect((err as NetlabError).message).toBe(`Unknown proxy mode ${bad}.`);
      expect((err as NetlabError).hint).toBe('Use one of iptables, nftables, userspace.');
      expect((err as NetlabError).exitCode).toBe(2);
    }
  });
});

describe.each(PROXY_MODES)('the %s driver', (mode) => {
  const d = proxyModeDriver(mode);
  const node = { pid: nodePid, container: 'c0ffee' };
  const sync = d.sync(fixture, node);
  const script = sync.steps.map((s) => s.stdin ?? '').join('\n');

  it("writes its rules inside the node's network namespace, with one program reading them on stdin (no shell)", () => {
    expect(sync.steps.length).toBe(1);
    expect(['iptables-restore', 'nft']).toContain(sync.steps[0]!.argv[0]);
    for (const s of [...sync.steps, ...sync.checks]) {
      expect(s.netns).toEqual(node);
      expect(['iptables-restore', 'iptables-save', 'nft']).toContain(s.argv[0]);
    }
    expect(d.sync({ ...fixture, services: [] }, node).steps.length).toBe(1);
  });

  it('names chains its own rules declare', () => {
    const chain = d.serviceChain(web);
    expect(chain).not.toBe('');
    expect(script).toContain(chain);
    for (const e of web.endpoints) {
      const ep = d.endpointChain(web, e);
      if (ep) expect(script).toContain(ep);
    }
    // Names depend on the service port, not on anything else.
    expect(d.serviceChain({ ...web, protocol: 'TCP' })).toBe(chain);
  });

  it("reads the node's rules back in sections the facts know (nat, nft, proxyconfig)", () => {
    const node = { pid: nodePid, container: 'c0ffee0000000000' };
    const steps = d.evidenceSteps(node);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      expect(s.section).toMatch(/^(nat|nft)$/);
      expect(s.step.netns).toEqual(node);
    }
    for (const r of d.evidenceInNode ?? []) expect(r.section).toBe('proxyconfig');
  });

  it('finds nothing missing when nothing was read', () => {
    expect(d.serviceRuleMissing({}, webRef(mode), 'node1', 'lab')).toBeUndefined();
  });

  it("narrates conntrack's translation", () => {
    expect(d.explain.conntrack.translated({ src: '10.0.1.3', sport: 8080 })).toMatch(/ 10\.0\.1\.3:8080$/);
  });
});

describe('each mode loads its rules with its own tool', () => {
  it("iptables: iptables-restore of KUBE-SERVICES chains; nftables: nft -f of the ip kube-proxy table; userspace: iptables-restore of the portals and the proxy's config", () => {
    const sync = (m: string) => proxyModeDriver(m).sync(fixture, { pid: nodePid });
    const rules = (m: string) => sync(m).steps[0]!.stdin!;
    expect(sync('iptables').steps[0]!.argv).toEqual(['iptables-restore', '-w', '--noflush']);
    expect(rules('iptables')).toMatch(/^\*filter\n[\s\S]*-A KUBE-SERVICES /);
    expect(sync('nftables').steps[0]!.argv).toEqual(['nft', '-f', '-']);
    expect(rules('nftables')).toMatch(/^add table ip kube-proxy\n/);
    expect(sync('nftables').checks).toEqual([]);
    expect(sync('userspace').steps[0]!.argv).toEqual(['iptables-restore', '-w', '--noflush']);
    expect(rules('userspace')).toMatch(/^\*filter\n[\s\S]*-A KUBE-PORTALS-CONTAINER /);
    expect(Object.keys(sync('userspace').files!.files)).toEqual(['etc/netlab/proxy.json']);
    expect(rules('userspace')).not.toContain('KUBE-SERVICES');
    expect(PROXY_MODES.filter((m) => sync(m).files)).toEqual(['userspace']);
  });

  it('only the userspace mode runs something in the node before a sync', () => {
    expect(PROXY_MODES.filter((m) => proxyModeDriver(m).nodeSetup)).toEqual(['userspace']);
  });

  it('only the nftables mode needs counters added for explain, and only the userspace proxy hides the endpoint from conntrack', () => {
    expect(PROXY_MODES.filter((m) => proxyModeDriver(m).explain.counters)).toEqual(['nftables']);
    expect(PROXY_MODES.filter((m) => !proxyModeDriver(m).explain.conntrack.replyIsEndpoint)).toEqual(['userspace']);
  });
});
