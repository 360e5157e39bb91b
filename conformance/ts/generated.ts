// Generated conformance cases: each one a situation where kube-proxy's rules have a
// particular shape (see cases.ts for the spec). CASES run against netlab's generators.

import type { ConformanceCase, PodCase, PortCase, ServiceCase } from './cases.js';

const NODES = [
  { name: 'node1', third: 1 },
  { name: 'node2', third: 2 },
  { name: 'node3', third: 3 },
] as const;

const cluster = { node: 'node1', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/16', serviceCIDR: '10.96.0.0/16' };

/**
 * `count` pods labelled `app: <app>`, spread over the nodes in turn (or all on `node`), each
 * with the given container ports. Addresses are handed out per node from `.2` on, after any
 * that `taken` already used.
 */
function replicas(
  app: string,
  count: number,
  options: { node?: string; ports?: PodCase['ports']; namespace?: string; taken?: Map<string, number>; ready?: (i: number) => boolean } = {},
): PodCase[] {
  const taken = options.taken ?? new Map<string, number>();
  const out: PodCase[] = [];
  for (let i = 0; i < count; i++) {
    const node = options.node ? NODES.find((n) => n.name === options.node)! : NODES[i % NODES.length]!;
    const next = taken.get(node.name) ?? 0;
    taken.set(node.name, next + 1);
    // node1: 10.0.1.2 … 10.0.1.254, then 10.0.11.2 …, 10.0.21.2 … (node2: 10.0.2.x, 10.0.12.x …).
    const third = node.third + 10 * Math.floor(next / 253);
    out.push({
      name: `${app}-${i}`,
      namespace: options.namespace,
      labels: { app },
      ip: `10.0.${third}.${(next % 253) + 2}`,
      node: node.name,
      ports: options.ports,
      ready: options.ready ? options.ready(i) : true,
    });
  }
  return out;
}

const svc = (name: string, clusterIP: string, ports: PortCase[], extra: Partial<ServiceCase> = {}): ServiceCase => ({
  name,
  clusterIP,
  selector: { app: name },
  ports,
  ...extra,
});

const http: PortCase[] = [{ port: 80, targetPort: 8080 }];

/** Pods of several services sharing one address plan. */
function withPods(specs: [app: string, count: number, options?: Parameters<typeof replicas>[2]][]): PodCase[] {
  const taken = new Map<string, number>();
  return specs.flatMap(([app, count, options]) => replicas(app, count, { ...options, taken }));
}

export const CASES: ConformanceCase[] = [
  {
    name: 'session affinity (default and custom timeouts)',
    ...cluster,
    services: [svc('sticky', '10.96.0.20', http, { affinitySeconds: 10800 }), svc('sticky-short', '10.96.0.21', http, { affinitySeconds: 60 })],
    pods: withPods([
      ['sticky', 3],
      ['sticky-short', 2],
    ]),
  },
  {
    name: 'session affinity on a NodePort with 12 endpoints, and a selector that matches pods of another namespace only',
    ...cluster,
    services: [
      svc('sticky-np', '10.96.0.22', [{ port: 80, targetPort: 8080, nodePort: 30022 }], { type: 'NodePort', affinitySeconds: 300 }),
      svc('elsewhere', '10.96.0.23', http),
    ],
    pods: withPods([
      ['sticky-np', 12],
      ['elsewhere', 2, { namespace: 'team-b' }],
    ]),
  },
  {
    name: 'services without endpoints (REJECT, no-endpoint maps), NodePort included',
    ...cluster,
    services: [
      svc('empty', '10.96.0.30', http),
      svc('empty-np', '10.96.0.31', [{ port: 80, targetPort: 8080, nodePort: 30031 }], { type: 'NodePort' }),
      svc('unready', '10.96.0.32', http),
    ],
    pods: withPods([['unready', 2, { ready: () => false }]]),
  },
  {
    name: 'more than 9 endpoints on one node (kube-proxy orders "ip:port" as strings)',
    ...cluster,
    services: [svc('many', '10.96.0.40', http), svc('many-udp', '10.96.0.41', [{ protocol: 'UDP', port: 53, targetPort: 5353 }])],
    pods: withPods([
      ['many', 14, { node: 'node1' }],
      ['many-udp', 11, { node: 'node1' }],
    ]),
  },
  {
    name: 'more than 1000 endpoints (large-cluster mode: no per-endpoint comments)',
    ...cluster,
    services: [svc('big', '10.96.1.1', http), svc('big-np', '10.96.1.2', [{ port: 80, targetPort: 8080, nodePort: 31001 }], { type: 'NodePort' })],
    pods: withPods([
      ['big', 700],
      ['big-np', 400],
    ]),
  },
  {
    name: 'not-ready endpoints count toward the 1000-endpoint threshold (995 ready + 10 not ready)',
    ...cluster,
    services: [svc('almost', '10.96.1.10', http), svc('down', '10.96.1.11', http)],
    pods: withPods([
      ['almost', 995],
      ['down', 10, { ready: () => false }],
    ]),
  },
  {
    name: 'NodePort with several ports and protocols',
    ...cluster,
    services: [
      svc(
        'np',
        '10.96.0.50',
        [
          { name: 'http', port: 80, targetPort: 8080, nodePort: 30080 },
          { name: 'https', port: 443, targetPort: 8443, nodePort: 30443 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353, nodePort: 30053 },
        ],
        { type: 'NodePort' },
      ),
    ],
    pods: withPods([['np', 4]]),
  },
  {
    name: 'named targetPorts (pods disagree on the number: two EndpointSlices), one port some pods lack',
    ...cluster,
    services: [
      svc('named', '10.96.0.60', [
        { name: 'web', port: 80, targetPort: 'http' },
        { name: 'admin', port: 9000, targetPort: 'admin' },
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns' },
      ]),
    ],
    pods: withPods([
      [
        'named',
        2,
        {
          ports: [
            { name: 'http', containerPort: 8080 },
            { name: 'admin', containerPort: 9090 },
            { name: 'dns', containerPort: 5353, protocol: 'UDP' },
          ],
        },
      ],
      ['named', 2, { ports: [{ name: 'http', containerPort: 8081 }] }],
    ]).map((p, i) => ({ ...p, name: `named-${i}` })),
  },
  {
    name: 'headless service next to a normal one (headless: no rules at all)',
    ...cluster,
    services: [svc('headless', 'None', http), svc('plain', '10.96.0.70', http)],
    pods: withPods([
      ['headless', 3],
      ['plain', 2],
    ]),
  },
  {
    name: 'UDP and TCP on the same port number, another namespace',
    ...cluster,
    services: [
      {
        ...svc('dual', '10.96.0.80', [
          { name: 'dns-udp', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
        ]),
        namespace: 'team-a',
      },
    ],
    pods: withPods([['dual', 3, { namespace: 'team-a' }]]),
  },
  {
    name: 'thirty services (upstream writes them in Go map order)',
    ...cluster,
    services: Array.from({ length: 30 }, (_, i) =>
      svc(`s${i}`, `10.96.2.${i + 1}`, i % 3 === 0 ? [{ port: 80, targetPort: 8080, nodePort: 30100 + i }] : http, i % 3 === 0 ? { type: 'NodePort' } : {}),
    ),
    pods: withPods(Array.from({ length: 30 }, (_, i): [string, number] => [`s${i}`, (i % 4) + (i % 5 === 0 ? 0 : 1)])),
  },
  {
    name: 'on node2: the same cluster seen from another node',
    ...cluster,
    node: 'node2',
    nodeIP: '10.250.0.12',
    services: [svc('web', '10.96.0.90', [{ port: 80, targetPort: 8080, nodePort: 30090 }], { type: 'NodePort' })],
    pods: withPods([['web', 5]]),
  },
  {
    name: 'LoadBalancer: externalTrafficPolicy Local with a health-check nodePort; Cluster with source ranges',
    ...cluster,
    services: [
      svc('lb-local', '10.96.3.1', [{ port: 80, targetPort: 8080, nodePort: 30301 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.10'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32001,
      }),
      svc('lb-cluster', '10.96.3.2', [{ port: 80, targetPort: 8080, nodePort: 30302 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.11'],
        loadBalancerSourceRanges: ['203.0.113.0/24'],
      }),
    ],
    pods: withPods([
      ['lb-local', 3],
      ['lb-cluster', 2],
    ]),
  },
  {
    name: 'internalTrafficPolicy Local (only node1 endpoints; none on node1 for the second)',
    ...cluster,
    services: [svc('itp', '10.96.3.10', http, { internalTrafficPolicy: 'Local' }), svc('itp-remote', '10.96.3.11', http, { internalTrafficPolicy: 'Local' })],
    pods: withPods([
      ['itp', 4],
      ['itp-remote', 2, { node: 'node2' }],
    ]),
  },
  {
    name: 'LoadBalancer Local whose pods all run on other nodes, one without endpoints, one with session affinity; NodePort Local',
    ...cluster,
    services: [
      svc('lb-remote', '10.96.3.20', [{ port: 80, targetPort: 8080, nodePort: 30320 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.20'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32020,
      }),
      svc('lb-empty', '10.96.3.21', [{ port: 443, targetPort: 8443, nodePort: 30321 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.21'],
        loadBalancerSourceRanges: ['198.51.100.0/24', '203.0.113.7/32'],
      }),
      svc('lb-sticky', '10.96.3.22', [{ port: 80, targetPort: 8080, nodePort: 30322 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.22'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32022,
        affinitySeconds: 600,
      }),
      svc('np-local', '10.96.3.23', [{ port: 80, targetPort: 8080, nodePort: 30323 }], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
    ],
    pods: withPods([
      ['lb-remote', 3, { node: 'node2' }],
      ['lb-sticky', 4],
      ['np-local', 3],
    ]),
  },
  {
    name: 'LoadBalancer with both traffic policies Local, seen from node2',
    ...cluster,
    node: 'node2',
    nodeIP: '10.250.0.12',
    services: [
      svc(
        'lb-both',
        '10.96.3.30',
        [
          { name: 'http', port: 80, targetPort: 8080, nodePort: 30330 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353, nodePort: 30331 },
        ],
        {
          type: 'LoadBalancer',
          loadBalancerIngress: ['192.0.2.30'],
          externalTrafficPolicy: 'Local',
          internalTrafficPolicy: 'Local',
          healthCheckNodePort: 32030,
          loadBalancerSourceRanges: ['203.0.113.0/24'],
        },
      ),
    ],
    pods: withPods([['lb-both', 5]]),
  },
  {
    name: 'LoadBalancer source ranges that hold the node IP (the node may reach its own LB IP), Local without any endpoint',
    ...cluster,
    services: [
      svc('lb-self', '10.96.3.40', [{ port: 80, targetPort: 8080, nodePort: 30340 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.40'],
        loadBalancerSourceRanges: ['10.250.0.0/24', '192.0.2.0/28'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32040,
      }),
      svc('lb-none', '10.96.3.41', [{ port: 80, targetPort: 8080, nodePort: 30341 }], {
        type: 'LoadBalancer',
        loadBalancerIngress: ['192.0.2.41'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32041,
        loadBalancerSourceRanges: ['203.0.113.0/24'],
      }),
    ],
    pods: withPods([['lb-self', 4]]),
  },
  {
    name: 'LoadBalancer whose address is still pending (no ingress: NodePort rules only), Local and Cluster',
    ...cluster,
    services: [
      svc('lb-pending', '10.96.3.50', [{ port: 80, targetPort: 8080, nodePort: 30350 }], {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32050,
      }),
      svc('lb-pending-c', '10.96.3.51', [{ port: 80, targetPort: 8080, nodePort: 30351 }], {
        type: 'LoadBalancer',
        loadBalancerSourceRanges: ['203.0.113.0/24'],
      }),
    ],
    pods: withPods([
      ['lb-pending', 3],
      ['lb-pending-c', 2],
    ]),
  },
];
