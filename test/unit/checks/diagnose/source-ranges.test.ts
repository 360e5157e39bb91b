import { describe, expect, it } from 'vitest';
import { sourceRangeDrop } from '../../../../src/checks/diagnose/source-ranges.js';
import type { ServiceSpec } from '../../../../src/labfile/model.js';
import type { PathFacts } from '../../../../src/checks/diagnose/path.js';

const at = { file: 'lab.yaml', line: 1, column: 1 } as ServiceSpec['at'];
const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web',
  namespace: 'default',
  type: 'LoadBalancer',
  selector: { app: 'web' },
  ports: [],
  sessionAffinity: 'None',
  affinitySeconds: 10800,
  loadBalancerSourceRanges: ['192.168.100.0/24'],
  at,
  ...over,
});
const facts = (over: Partial<Pick<PathFacts, 'source' | 'target'>> = {}): Pick<PathFacts, 'source' | 'target' | 'service'> => ({
  source: { kind: 'external', name: 'external', ip: '10.250.2.3' },
  target: { text: 'web', ip: '10.96.0.20', port: 80, proto: 'tcp' },
  service: {
    name: 'web',
    namespace: 'default',
    clusterIP: '10.96.0.20',
    port: 80,
    protocol: 'tcp',
    targetPort: 8080,
    selector: {},
    portName: 'default/web',
    chain: 'KUBE-SVC-X',
    nodePort: 30500,
    endpoints: [],
  },
  ...over,
});

describe('sourceRangeDrop', () => {
  it('names the ranges and the external client outside them', () => {
    expect(sourceRangeDrop({ services: [spec()] }, facts())).toBe(
      "service default/web accepts its load-balancer address only from 192.168.100.0/24 (loadBalancerSourceRanges), and external (10.250.2.3) is outside them: kube-proxy's firewall chain drops it (its nodePort and cluster IP are not filtered)",
    );
  });

  it('says nothing when a range holds the client, when there are none, or when the Service is no LoadBalancer', () => {
    expect(sourceRangeDrop({ services: [spec({ loadBalancerSourceRanges: ['192.168.100.0/24', '10.250.2.3/32'] })] }, facts())).toBeUndefined();
    expect(sourceRangeDrop({ services: [spec({ loadBalancerSourceRanges: [] })] }, facts())).toBeUndefined();
    expect(sourceRangeDrop({ services: [spec({ type: 'NodePort' })] }, facts())).toBeUndefined();
  });

  it('the nodePort and sources inside the cluster are not filtered', () => {
    expect(
      sourceRangeDrop({ services: [spec()] }, facts({ target: { text: 'node1:30500', ip: '10.250.2.11', port: 30500, proto: 'tcp', node: 'node1' } })),
    ).toBeUndefined();
    expect(sourceRangeDrop({ services: [spec()] }, facts({ source: { kind: 'pod', name: 'client', ip: '10.0.1.3', node: 'node1' } }))).toBeUndefined();
  });
});
