// Conformance cases -> what each side is fed: the Kubernetes objects (as a cluster's
// EndpointSlice controller would make them) and netlab's planned ProxyInput.
import { describe, expect, test } from 'vitest';
import { type ConformanceCase, NotExpressible, toKubernetes, toNetlab } from '../../../conformance/ts/cases.js';

const base = { node: 'node1', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/16', serviceCIDR: '10.96.0.0/16' };
type Slice = { ports: { name: string; port: number }[]; endpoints: { addresses: string[]; conditions: { ready: boolean }; nodeName: string }[] };

describe('toKubernetes', () => {
  const c: ConformanceCase = {
    name: 'named',
    ...base,
    services: [{ name: 'web', clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }],
    pods: [
      { name: 'a', labels: { app: 'web' }, ip: '10.0.1.2', node: 'node1', ports: [{ name: 'http', containerPort: 8080 }] },
      { name: 'b', labels: { app: 'web' }, ip: '10.0.2.2', node: 'node2', ports: [{ name: 'http', containerPort: 8081 }] },
      { name: 'c', labels: { app: 'web' }, ip: '10.0.1.3', node: 'node1', ports: [{ name: 'http', containerPort: 8080 }], ready: false },
      { name: 'd', labels: { app: 'other' }, ip: '10.0.1.4', node: 'node1', ports: [{ name: 'http', containerPort: 8080 }] },
    ],
  };

  test('one slice per resolved port set, not-ready pods published as not ready, other pods left out', () => {
    const slices = toKubernetes(c).endpointSlices as Slice[];
    expect(slices.map((s) => [s.ports, s.endpoints.map((e) => [e.addresses[0], e.conditions.ready, e.nodeName])])).toEqual([
      [
        [{ name: 'http', protocol: 'TCP', port: 8080 }],
        [
          ['10.0.1.2', true, 'node1'],
          ['10.0.1.3', false, 'node1'],
        ],
      ],
      [[{ name: 'http', protocol: 'TCP', port: 8081 }], [['10.0.2.2', true, 'node2']]],
    ]);
  });

  test('netlab resolves the same endpoints from its own model', () => {
    expect(toNetlab(c).services.map((s) => s.endpoints.map((e) => `${e.ip}:${e.port}`))).toEqual([['10.0.1.2:8080', '10.0.2.2:8081']]);
  });

  test('at most 100 endpoints a slice', () => {
    const pods = Array.from({ length: 250 }, (_, i) => ({
      name: `p${i}`,
      labels: { app: 'web' },
      ip: `10.0.${1 + Math.floor(i / 200)}.${(i % 200) + 2}`,
      node: 'node1',
    }));
    const slices = toKubernetes({ ...c, services: [{ ...c.services[0]!, ports: [{ port: 80 }] }], pods }).endpointSlices as Slice[];
    expect(slices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
  });

  const lb: ConformanceCase = {
    ...c,
    services: [
      {
        ...c.services[0]!,
        type: 'LoadBalancer',
        ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }],
        loadBalancerIngress: ['192.0.2.1'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        loadBalancerSourceRanges: ['203.0.113.0/24'],
      },
    ],
  };

  test('LoadBalancer fields reach the Service object', () => {
    const svc = toKubernetes(lb).services[0] as { spec: Record<string, unknown>; status: unknown };
    expect(svc.spec).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
      internalTrafficPolicy: 'Cluster',
      loadBalancerSourceRanges: ['203.0.113.0/24'],
    });
    expect(svc.status).toEqual({ loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
  });

  test("netlab's model gets the same LoadBalancer: its ingress IP, policies, ranges, health-check port", () => {
    const [port] = toNetlab(lb).services;
    expect(port).toMatchObject({
      nodePort: 30080,
      loadBalancerIPs: ['192.0.2.1'],
      loadBalancerSourceRanges: ['203.0.113.0/24'],
      externalPolicyLocal: true,
      healthCheckNodePort: 32000,
    });
    expect(port!.internalPolicyLocal).toBeUndefined();
    const itp = toNetlab({ ...c, services: [{ ...c.services[0]!, internalTrafficPolicy: 'Local' }] }).services[0]!;
    expect(itp.internalPolicyLocal).toBe(true);
    expect(itp.loadBalancerIPs).toBeUndefined();
  });

  test('a LoadBalancer netlab cannot express is refused, saying why', () => {
    const one = lb.services[0]!;
    const refused = (services: ConformanceCase['services']) => () => toNetlab({ ...lb, services });
    expect(refused([{ ...one, loadBalancerIngress: ['192.0.2.1', '192.0.2.2'] }])).toThrow(NotExpressible);
    expect(refused([{ ...one, healthCheckNodePort: undefined }])).toThrow(/needs the healthCheckNodePort/);
    expect(refused([one, { ...one, name: 'pending', clusterIP: '10.96.0.6', loadBalancerIngress: undefined }])).toThrow(
      /every LoadBalancer Service an address/,
    );
  });
});
