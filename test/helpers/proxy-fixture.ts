// A small lab's kube-proxy input: a ClusterIP service with two endpoints, a NodePort
// service (unnamed port) with three, one without endpoints (also a NodePort), and one
// with ClientIP session affinity.
import type { ProxyInput } from '../../src/plan/proxy/types.js';

export const fixture: ProxyInput = {
  node: 'node1',
  nodeIP: '10.250.0.11',
  clusterCIDR: '10.0.0.0/16',
  services: [
    {
      namespace: 'default',
      service: 'web',
      portName: 'http',
      protocol: 'TCP',
      clusterIP: '10.96.0.50',
      port: 80,
      endpoints: [
        { ip: '10.0.1.2', port: 8080, node: 'node1' },
        { ip: '10.0.2.2', port: 8080, node: 'node2' },
      ],
    },
    {
      namespace: 'default',
      service: 'hello',
      portName: '',
      protocol: 'TCP',
      clusterIP: '10.96.0.60',
      port: 80,
      nodePort: 30500,
      endpoints: [
        { ip: '10.0.1.3', port: 8080, node: 'node1' },
        { ip: '10.0.1.4', port: 8080, node: 'node1' },
        { ip: '10.0.2.3', port: 8080, node: 'node2' },
      ],
    },
    {
      namespace: 'default',
      service: 'empty',
      portName: 'http',
      protocol: 'TCP',
      clusterIP: '10.96.0.51',
      port: 80,
      nodePort: 30600,
      endpoints: [],
    },
    {
      namespace: 'shop',
      service: 'cart',
      portName: 'http',
      protocol: 'TCP',
      clusterIP: '10.96.0.70',
      port: 8080,
      affinitySeconds: 10800,
      endpoints: [
        { ip: '10.0.1.5', port: 8080, node: 'node1' },
        { ip: '10.0.2.5', port: 8080, node: 'node2' },
      ],
    },
  ],
};
