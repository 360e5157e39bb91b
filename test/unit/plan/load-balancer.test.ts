// LoadBalancer planning: the pool (written or carved from the underlay's top), MetalLB's
// allocation and layer-2 election, nodePorts and health-check ports, and how a node takes
// and lets go of its addresses.
import { describe, expect, it } from 'vitest';
import type { AgentStep, StepResult } from '../../../src/core/toolbox-request.js';
import type { ServiceSpec } from '../../../src/labfile/model.js';
import { announcedBy, announcement, announcementSteps, parseAddresses, withAnnouncements } from '../../../src/plan/announce.js';
import { allocateLoadBalancerIPs, defaultLoadBalancerPool, electSpeaker, formatPool, loadBalancerSetting, parsePool } from '../../../src/plan/load-balancer.js';
import { planServices, proxyInput, type PodEndpointSource } from '../../../src/plan/services.js';
import { healthCheckConfig, needsHealthChecks } from '../../../src/plan/health-check.js';
import { pod } from '../../helpers/plan-fixtures.js';

const at = { file: '/labs/t/manifests.yaml', line: 7, column: 1 };

function service(name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    namespace: 'default',
    type: 'LoadBalancer',
    selector: { app: 'web' },
    ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, at }],
    sessionAffinity: 'None',
    affinitySeconds: 10800,
    at,
    ...extra,
  };
}

describe('the pool', () => {
  it('reads a CIDR or a range, and refuses anything else', () => {
    expect(formatPool(parsePool('172.30.5.240/28')!)).toBe('172.30.5.240-172.30.5.255');
    expect(formatPool(parsePool(' 172.30.5.200 - 172.30.5.209 ')!)).toBe('172.30.5.200-172.30.5.209');
    expect(parsePool('172.30.5.9-172.30.5.1')).toBeUndefined();
    expect(parsePool('lots')).toBeUndefined();
  });

  it("defaults to the underlay's top 15 addresses below its broadcast, never down to the nodes", () => {
    expect(defaultLoadBalancerPool('10.250.3.0/24', 2)).toBe('10.250.3.240-10.250.3.254');
    // A /28 has room above the nodes' .11 and .12 only.
    expect(defaultLoadBalancerPool('10.250.3.0/28', 2)).toBe('10.250.3.13-10.250.3.14');
    expect(defaultLoadBalancerPool('10.250.3.0/28', 4)).toBeUndefined();
  });

  it('keeps a written loadBalancerIP and gives the others the lowest free address, in the lab order', () => {
    const pool = parsePool('10.1.0.240-10.1.0.243')!;
    const a = service('a');
    const b = service('b', { loadBalancerIP: '10.1.0.240' });
    const c = service('c');
    const plain = service('plain', { type: 'NodePort' });
    const ips = allocateLoadBalancerIPs([a, b, plain, c], pool);
    expect([ips.get(a), ips.get(b), ips.get(c), ips.get(plain)]).toEqual(['10.1.0.241', '10.1.0.240', '10.1.0.242', undefined]);
  });

  it('says where a Service asks for an address outside the pool, and when the pool is spent', () => {
    const pool = parsePool('10.1.0.240-10.1.0.240')!;
    expect(() => allocateLoadBalancerIPs([service('a', { loadBalancerIP: '10.1.0.9' })], pool)).toThrow(
      /manifests\.yaml:7:1: spec\.loadBalancerIP 10\.1\.0\.9 of Service a is outside the load-balancer pool 10\.1\.0\.240-10\.1\.0\.240/,
    );
    expect(() => allocateLoadBalancerIPs([service('a'), service('b')], pool)).toThrow(/has no free address for Service b/);
  });
});

describe('the speaker (MetalLB layer 2)', () => {
  const nodes = ['node1', 'node2', 'node3'];
  it('is the first node for Cluster, the first node with a ready endpoint for Local, none without endpoints', () => {
    expect(electSpeaker({}, ['node3'], nodes)).toBe('node1');
    expect(electSpeaker({ externalTrafficPolicy: 'Local' }, ['node3', 'node2'], nodes)).toBe('node2');
    expect(electSpeaker({ externalTrafficPolicy: 'Local' }, [], nodes)).toBeUndefined();
    expect(electSpeaker({}, [], nodes)).toBeUndefined();
  });
});

describe('planServices with a load balancer', () => {
  const sources: PodEndpointSource[] = [
    { pod: pod('web-0', { labels: { app: 'web' } }), ip: '10.0.2.2', node: 'node2', ready: true },
    { pod: pod('web-1', { labels: { app: 'web' } }), ip: '10.0.2.3', node: 'node2', ready: true },
  ];
  const setting = loadBalancerSetting({ loadBalancerPool: '10.250.3.240-10.250.3.254', nodes: [{ name: 'node1' }, { name: 'node2' }] })!;

  it('gives each LoadBalancer Service an address, nodePorts, a speaker, and Local ones a health-check port', () => {
    const cluster = service('cluster');
    const local = service('local', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30601 });
    const localAllocated = service('local2', { externalTrafficPolicy: 'Local' });
    const planned = planServices([cluster, local, localAllocated], sources, '10.96.0.0/12', [], setting);
    expect(planned.map((s) => [s.loadBalancerIP, s.speaker, s.healthCheckNodePort])).toEqual([
      ['10.250.3.240', 'node1', undefined],
      ['10.250.3.241', 'node2', 30601],
      ['10.250.3.242', 'node2', expect.any(Number)],
    ]);
    const ports = planned.flatMap((s) => [...s.ports.map((p) => p.nodePort), s.healthCheckNodePort]).filter((p) => p !== undefined);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    expect(new Set(ports).size).toBe(ports.length);
    expect(announcedBy('node2', planned)).toEqual(['10.250.3.241', '10.250.3.242']);
    expect(announcedBy('node1', planned)).toEqual(['10.250.3.240']);
  });

  it("tells each node's kube-proxy the address, the policies and the health-check port", () => {
    const planned = planServices([service('local', { externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' })], sources, '10.96.0.0/12', [], setting);
    const [sp] = proxyInput(planned, 'node1', '10.250.3.11', '10.0.0.0/16').services;
    expect(sp).toMatchObject({
      loadBalancerIPs: ['10.250.3.240'],
      externalPolicyLocal: true,
      internalPolicyLocal: true,
      healthCheckNodePort: expect.any(Number),
    });
  });

  it('announces nothing for a Local Service without ready endpoints', () => {
    const planned = planServices([service('local', { externalTrafficPolicy: 'Local' })], [], '10.96.0.0/12', [], setting);
    expect(planned[0]!.loadBalancerIP).toBe('10.250.3.240');
    expect(planned[0]!.speaker).toBeUndefined();
  });
});

describe('announcing on a node', () => {
  const node = { pid: 42, container: 'c0ffee' };
  const pool = parsePool('10.250.3.240-10.250.3.254')!;
  const addresses = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: cbr0    inet 10.0.2.1/24 brd 10.0.2.255 scope global cbr0\\       valid_lft forever preferred_lft forever',
    '7752: eth0    inet 10.250.3.12/24 brd 10.250.3.255 scope global eth0\\       valid_lft forever preferred_lft forever',
    '7752: eth0    inet 10.250.3.241/32 scope global eth0\\       valid_lft forever preferred_lft forever',
  ].join('\n');

  it('reads the addresses of `ip -4 -o addr show`', () => {
    expect(parseAddresses(addresses).map((a) => `${a.dev} ${a.ip}/${a.prefix}`)).toEqual([
      'lo 127.0.0.1/8',
      'cbr0 10.0.2.1/24',
      'eth0 10.250.3.12/24',
      'eth0 10.250.3.241/32',
    ]);
  });

  it('adds the won addresses as /32 on the underlay interface and lets go of the others of the pool', () => {
    const a = announcement(addresses, '10.250.3.12', ['10.250.3.240'], pool);
    expect(a).toEqual({ dev: 'eth0', add: ['10.250.3.240'], remove: ['10.250.3.241'] });
    expect(announcementSteps(node, a).map((s) => s.argv.join(' '))).toEqual(['ip addr del 10.250.3.241/32 dev eth0', 'ip addr add 10.250.3.240/32 dev eth0']);
    expect(announcement(addresses, '10.250.3.12', ['10.250.3.241'], pool)).toEqual({ dev: 'eth0', add: [], remove: [] });
    expect(() => announcement(addresses, '10.250.3.99', [], pool)).toThrow(/no interface holds the node's address 10\.250\.3\.99/);
  });

  it("folds the read into the node's sync and the changes into what is left after it", () => {
    const seen: string[] = [];
    const base = {
      steps: [],
      checks: [{ argv: ['iptables-save', '-t', 'nat'] as ['iptables-save', ...string[]] }],
      after: (_checks: StepResult[]): AgentStep[] => [{ argv: ['iptables', '-N', 'X'] }],
    };
    const sync = withAnnouncements(base, node, '10.250.3.12', ['10.250.3.240'], pool, (a) => seen.push(...a.add));
    expect(sync.checks.map((s) => s.argv.join(' '))).toEqual(['iptables-save -t nat', 'ip -4 -o addr show']);
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '', ms: 1 });
    const left = sync.after([ok(''), ok(addresses)]);
    expect(left.map((s) => s.argv.join(' '))).toEqual(['iptables -N X', 'ip addr del 10.250.3.241/32 dev eth0', 'ip addr add 10.250.3.240/32 dev eth0']);
    expect(seen).toEqual(['10.250.3.240']);
    expect(() => sync.after([ok(''), { exitCode: 1, stdout: '', stderr: 'no netns', ms: 1 }])).toThrow(/reading the node's addresses failed: no netns/);
  });
});

describe("kube-proxy's health-check server", () => {
  const sources: PodEndpointSource[] = [
    { pod: pod('web-0', { labels: { app: 'web' } }), ip: '10.0.2.2', node: 'node2', ready: true },
    { pod: pod('web-1', { labels: { app: 'web' } }), ip: '10.0.2.3', node: 'node2', ready: true },
  ];
  const setting = loadBalancerSetting({ loadBalancerPool: '10.250.3.240-10.250.3.254', nodes: [{ name: 'node1' }, { name: 'node2' }] })!;

  it("lists each Local LoadBalancer's health-check port with the node's own endpoints, and runs for any LoadBalancer", () => {
    const planned = planServices(
      [service('cluster'), service('local', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30601 })],
      sources,
      '10.96.0.0/12',
      [],
      setting,
    );
    expect(healthCheckConfig(planned, 'node2')).toEqual({
      services: [],
      healthChecks: [{ namespace: 'default', name: 'local', port: 30601, localEndpoints: 2 }],
    });
    expect(healthCheckConfig(planned, 'node1').healthChecks).toEqual([{ namespace: 'default', name: 'local', port: 30601, localEndpoints: 0 }]);
    expect(needsHealthChecks(planned)).toBe(true);
    expect(needsHealthChecks(planServices([service('np', { type: 'NodePort' })], sources, '10.96.0.0/12'))).toBe(false);
  });
});
