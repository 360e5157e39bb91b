// Pods that are selected but not ready: never endpoints, but counted for kube-proxy, which
// holds them too (its large-cluster threshold counts every endpoint it knows).
import { describe, expect, test } from 'vitest';
import type { PodSpec, ServiceSpec } from '../../../src/labfile/model.js';
import { planServices, proxyInput } from '../../../src/plan/services.js';

const at = { file: 'x', line: 1, column: 1 };
const pod = (name: string, app: string, port?: { name: string; containerPort: number }): PodSpec => ({
  name,
  namespace: 'default',
  labels: { app },
  containers: [{ name: 'c', image: 'netlab/app', env: [], ports: port ? [{ ...port, protocol: 'TCP' }] : [], at }],
  at,
});
const service = (name: string, clusterIP: string | undefined, targetPort: number | string): ServiceSpec => ({
  name,
  namespace: 'default',
  type: 'ClusterIP',
  clusterIP,
  selector: { app: name },
  ports: [{ protocol: 'TCP', port: 80, targetPort, at }],
  sessionAffinity: 'None',
  affinitySeconds: 10800,
  at,
});

describe('not-ready pods', () => {
  test('are no endpoints, but proxyInput counts those of non-headless services that have the target port', () => {
    const sources = [
      { pod: pod('a', 'web', { name: 'http', containerPort: 8080 }), ip: '10.0.1.2', node: 'n1', ready: true },
      { pod: pod('b', 'web', { name: 'http', containerPort: 8080 }), ip: '10.0.1.3', node: 'n1', ready: false },
      { pod: pod('c', 'web'), ip: '10.0.1.4', node: 'n1', ready: false }, // no port named http
      { pod: pod('d', 'headless', { name: 'http', containerPort: 8080 }), ip: '10.0.1.5', node: 'n1', ready: false },
    ];
    const planned = planServices([service('web', '10.96.0.5', 'http'), service('headless', 'None', 'http')], sources, '10.96.0.0/16');
    expect(planned[0]!.ports[0]!.endpoints.map((e) => e.ip)).toEqual(['10.0.1.2']);
    expect(planned.map((s) => s.ports[0]!.notReady)).toEqual([1, 1]);
    expect(proxyInput(planned, 'n1', '10.250.0.11', '10.0.0.0/16').notReadyEndpoints).toBe(1);
  });
});
