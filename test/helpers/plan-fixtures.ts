import { DEFAULT_LIMITS } from '../../src/labfile/limits.js';
import type { Lab, PodSpec } from '../../src/labfile/model.js';
import type { ImageRefs } from '../../src/plan/types.js';

const at = { file: '/labs/t/lab.yaml', line: 1, column: 1 };

export const images: ImageRefs = {
  base: 'netlab/base:b',
  pause: 'netlab/pause:p',
  app: 'netlab/app:a',
  node: 'netlab/node:n',
  router: 'netlab/router:r',
  probe: 'netlab/probe:q',
  coredns: 'netlab/coredns:c',
  ingress: 'netlab/ingress:c',
};

export function pod(name: string, extra: Partial<PodSpec> = {}): PodSpec {
  return {
    name,
    namespace: 'default',
    labels: { app: name },
    containers: [{ name: 'app', image: 'netlab/app', env: [], ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], at }],
    at,
    ...extra,
  };
}

export function twoNodeLab(pods: PodSpec[], routing: 'router' | 'direct' = 'router'): Lab {
  return {
    name: 't',
    file: '/labs/t/lab.yaml',
    dir: '/labs/t',
    topology: {
      routing,
      external: true,
      serviceCIDR: '10.96.0.0/12',
      clusterCIDR: '10.0.0.0/16',
      proxyMode: 'iptables',
      dns: false,
      publish: false,
      limits: DEFAULT_LIMITS,
      nodes: [
        { name: 'node1', podCIDR: '10.0.1.0/24', at },
        { name: 'node2', podCIDR: '10.0.2.0/24', at },
      ],
    },
    namespaces: [],
    deployments: [],
    pods,
    services: [],
    checks: [],
    ingresses: [],
    exercises: [],
  };
}
