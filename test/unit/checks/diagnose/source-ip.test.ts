import { describe, expect, it } from 'vitest';
import { sourceIpLost } from '../../../../src/checks/diagnose/source-ip.js';
import type { PathFacts } from '../../../../src/checks/diagnose/path.js';
import type { ServiceSpec } from '../../../../src/labfile/model.js';

const DETAIL = 'HTTP 200, but the answer lacks "client 10.250.1.3:": Hello from service-test-0 (10.0.2.2:8080), client 10.250.1.11:54199';
const spec = (over: Partial<ServiceSpec> = {}) => ({ name: 'web', namespace: 'default', type: 'LoadBalancer', ...over }) as ServiceSpec;
const facts = {
  source: { kind: 'external', name: 'external', ip: '10.250.1.3' },
  service: { name: 'web', namespace: 'default' },
  nodes: [{ name: 'node1', ip: '10.250.1.11' }],
} as unknown as Pick<PathFacts, 'source' | 'service' | 'nodes'>;

describe('sourceIpLost', () => {
  it("names the node whose address the pod saw, and the Service's Cluster policy", () => {
    expect(sourceIpLost({ services: [spec()] }, facts, DETAIL)).toBe(
      "the pod saw node1 (10.250.1.11), not external (10.250.1.3): the node masqueraded it, as kube-proxy does to external traffic of service default/web, whose externalTrafficPolicy is Cluster; only Local keeps the client's address",
    );
  });

  it('says nothing for a Local Service, a ClusterIP one, or another failure', () => {
    expect(sourceIpLost({ services: [spec({ externalTrafficPolicy: 'Local' })] }, facts, DETAIL)).toBeUndefined();
    expect(sourceIpLost({ services: [spec({ type: 'ClusterIP' })] }, facts, DETAIL)).toBeUndefined();
    expect(sourceIpLost({ services: [spec()] }, facts, 'curl: (28) Connection timed out')).toBeUndefined();
  });
});
