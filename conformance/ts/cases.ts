// Conformance cases: a small, readable spec of one node's view of a cluster (services,
// pods, where they run), and the two ways it is turned into rules:
// - for upstream kube-proxy: the Kubernetes objects a real cluster would hold (Services as
//   written, EndpointSlices as the EndpointSlice controller makes them from the pods),
//   independent of netlab's planning;
// - for netlab: netlab's own lab model, through planServices and proxyInput as `netlab up`
//   plans it.
// Shipped labs become cases too (labCase), so both sides see the very same cluster.

import { loadLab } from '../../src/labfile/load.js';
import type { PodSpec, ServiceSpec } from '../../src/labfile/model.js';
import { parseIp } from '../../src/core/cidr.js';
import { withAddons } from '../../src/plan/addons.js';
import { allocateLoadBalancerIPs, type LoadBalancerSetting, loadBalancerSetting } from '../../src/plan/load-balancer.js';
import { planLab } from '../../src/plan/plan.js';
import type { ProxyInput } from '../../src/plan/proxy/types.js';
import {
  allocateClusterIPs,
  allocateHealthCheckNodePorts,
  allocateNodePorts,
  type PodEndpointSource,
  planServices,
  proxyInput,
} from '../../src/plan/services.js';
import type { ImageRefs } from '../../src/plan/types.js';

export type Protocol = 'TCP' | 'UDP';

export interface PortCase {
  /** Required when the service has more than one port. */
  name?: string;
  protocol?: Protocol;
  port: number;
  /** A number or a container port's name; default `port`. */
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceCase {
  name: string;
  namespace?: string;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** An address, or 'None' (headless). */
  clusterIP: string;
  selector: Record<string, string>;
  ports: PortCase[];
  /** sessionAffinity ClientIP with this timeout; unset: None. */
  affinitySeconds?: number;
  /** status.loadBalancer.ingress IPs (netlab: one, its loadBalancerIP). */
  loadBalancerIngress?: string[];
  /** spec.loadBalancerSourceRanges (CIDRs): the firewall chains. */
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /** Required for LoadBalancer with externalTrafficPolicy Local (the API server allocates one). */
  healthCheckNodePort?: number;
}

export interface PodCase {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  ip: string;
  node: string;
  ports?: { name?: string; containerPort: number; protocol?: Protocol }[];
  /** Default true; a pod that is not ready is published with ready: false and never used. */
  ready?: boolean;
}

export interface ConformanceCase {
  name: string;
  /** The node kube-proxy runs on, and its IP. */
  node: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR: string;
  services: ServiceCase[];
  pods: PodCase[];
}

/** The harness's input file (conformance/README.md), plus netlab's own view of the same case. */
export interface HarnessInput {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR?: string;
  /** Overrides of upstream's fake iptables proxier; unset = the fake's values. */
  iptables?: { randomFully?: boolean; localhostNodePorts?: boolean; nfacct?: boolean };
  services: unknown[];
  endpointSlices: unknown[];
  /** netlab's ProxyInput for the same case, so netlab's generators read the same data. */
  netlab?: ProxyInput;
}

const ns = (x: { namespace?: string }) => x.namespace ?? 'default';
const protocolOf = (p: { protocol?: Protocol }): Protocol => p.protocol ?? 'TCP';

/** The EndpointSlice controller's limit (--max-endpoints-per-slice default). */
const MAX_ENDPOINTS_PER_SLICE = 100;

/** Thrown for a case that uses something netlab's lab model cannot express yet. */
export class NotExpressible extends Error {}

/** The Service object, as the API server holds it. */
function serviceObject(s: ServiceCase): unknown {
  const type = s.type ?? 'ClusterIP';
  const external = type !== 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns(s), name: s.name },
    spec: {
      type,
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      ipFamilies: ['IPv4'],
      selector: s.selector,
      ports: s.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        protocol: protocolOf(p),
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      })),
      sessionAffinity: s.affinitySeconds !== undefined ? 'ClientIP' : 'None',
      ...(s.affinitySeconds !== undefined ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: s.affinitySeconds } } } : {}),
      ...(external ? { externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster' } : {}),
      internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
      ...(s.healthCheckNodePort !== undefined ? { healthCheckNodePort: s.healthCheckNodePort } : {}),
      ...(s.loadBalancerSourceRanges ? { loadBalancerSourceRanges: s.loadBalancerSourceRanges } : {}),
    },
    status: { loadBalancer: s.loadBalancerIngress ? { ingress: s.loadBalancerIngress.map((ip) => ({ ip })) } : {} },
  };
}

/** podutil.FindPort: the pod port a service port's targetPort means (undefined: the pod has none). */
function findPort(pod: PodCase, port: PortCase): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  return pod.ports?.find((p) => p.name === target && protocolOf(p) === protocolOf(port))?.containerPort;
}

/**
 * The EndpointSlices the EndpointSlice controller makes for a service: every pod its selector
 * matches (ready or not, with conditions), grouped by the ports the service's ports resolve to
 * on that pod, at most 100 endpoints a slice.
 */
function endpointSlices(s: ServiceCase, pods: readonly PodCase[]): unknown[] {
  const entries = Object.entries(s.selector);
  const members = pods.filter((p) => ns(p) === ns(s) && entries.length > 0 && entries.every(([k, v]) => p.labels[k] === v));
  const groups = new Map<string, { ports: unknown[]; pods: PodCase[] }>();
  for (const pod of members) {
    const ports: { name: string; protocol: Protocol; port: number }[] = [];
    for (const p of s.ports) {
      const target = findPort(pod, p);
      if (target !== undefined) ports.push({ name: p.name ?? '', protocol: protocolOf(p), port: target });
    }
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, pods: [] };
    g.pods.push(pod);
    groups.set(key, g);
  }
  const slices: unknown[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.pods.length; i += MAX_ENDPOINTS_PER_SLICE) {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace: ns(s), name: `${s.name}-${slices.length}`, labels: { 'kubernetes.io/service-name': s.name } },
        addressType: 'IPv4',
        ports: g.ports,
        endpoints: g.pods.slice(i, i + MAX_ENDPOINTS_PER_SLICE).map((pod) => {
          const ready = pod.ready ?? true;
          return {
            addresses: [pod.ip],
            conditions: { ready, serving: ready, terminating: false },
            nodeName: pod.node,
            targetRef: { kind: 'Pod', namespace: ns(pod), name: pod.name },
          };
        }),
      });
    }
  }
  return slices;
}

/** What upstream kube-proxy is fed: the cluster's Services and EndpointSlices. */
export function toKubernetes(c: ConformanceCase): HarnessInput {
  return {
    nodeName: c.node,
    nodeIP: c.nodeIP,
    clusterCIDR: c.clusterCIDR,
    serviceCIDR: c.serviceCIDR,
    services: c.services.map(serviceObject),
    endpointSlices: c.services.flatMap((s) => endpointSlices(s, c.pods)),
  };
}

const at = { file: 'conformance-case', line: 1, column: 1 };

/** What netlab plans for the case: its lab model through planServices and proxyInput. */
export function toNetlab(c: ConformanceCase): ProxyInput {
  const services: ServiceSpec[] = c.services.map((s) => {
    const type = s.type ?? 'ClusterIP';
    if ((s.loadBalancerIngress?.length ?? 0) > 1)
      throw new NotExpressible(`${c.name}: service ${s.name} has more than one load-balancer ingress IP; netlab gives a Service one`);
    if (s.loadBalancerIngress && type !== 'LoadBalancer')
      throw new NotExpressible(`${c.name}: service ${s.name} has a load-balancer ingress IP but is not type LoadBalancer`);
    if (type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local' && s.healthCheckNodePort === undefined)
      throw new NotExpressible(
        `${c.name}: service ${s.name} (LoadBalancer, externalTrafficPolicy Local) needs the healthCheckNodePort the API server would allocate`,
      );
    return {
      name: s.name,
      namespace: ns(s),
      type,
      clusterIP: s.clusterIP,
      selector: s.selector,
      ports: s.ports.map((p) => ({ name: p.name, protocol: protocolOf(p), port: p.port, targetPort: p.targetPort ?? p.port, nodePort: p.nodePort, at })),
      sessionAffinity: s.affinitySeconds !== undefined ? 'ClientIP' : 'None',
      affinitySeconds: s.affinitySeconds ?? 10800,
      ...(type !== 'ClusterIP' && s.externalTrafficPolicy ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      ...(s.internalTrafficPolicy ? { internalTrafficPolicy: s.internalTrafficPolicy } : {}),
      ...(s.loadBalancerIngress ? { loadBalancerIP: s.loadBalancerIngress[0] } : {}),
      ...(s.loadBalancerSourceRanges ? { loadBalancerSourceRanges: s.loadBalancerSourceRanges } : {}),
      ...(s.healthCheckNodePort !== undefined ? { healthCheckNodePort: s.healthCheckNodePort } : {}),
      at,
    };
  });
  const pods: PodEndpointSource[] = c.pods.map((p) => {
    const pod: PodSpec = {
      name: p.name,
      namespace: ns(p),
      labels: p.labels,
      nodeName: p.node,
      containers: [
        {
          name: 'app',
          image: 'netlab/app',
          env: [],
          ports: (p.ports ?? []).map((q) => ({ name: q.name, containerPort: q.containerPort, protocol: protocolOf(q) })),
          at,
        },
      ],
      at,
    };
    return { pod, ip: p.ip, node: p.node, ready: p.ready ?? true };
  });
  return proxyInput(planServices(services, pods, c.serviceCIDR, [], caseLoadBalancer(c, services)), c.node, c.nodeIP, c.clusterCIDR, c.serviceCIDR);
}

/**
 * A pool of exactly the case's ingress IPs' range, so each LoadBalancer Service keeps its
 * written address (its status.loadBalancer.ingress); undefined when no Service has one, as a
 * cluster without a load-balancer controller leaves them (then none may have one).
 */
function caseLoadBalancer(c: ConformanceCase, services: readonly ServiceSpec[]): LoadBalancerSetting | undefined {
  const lbs = services.filter((s) => s.type === 'LoadBalancer');
  const ips = lbs.flatMap((s) => (s.loadBalancerIP ? [parseIp(s.loadBalancerIP)!] : []));
  if (ips.length === 0) return undefined;
  if (ips.length < lbs.length)
    throw new NotExpressible(`${c.name}: netlab gives every LoadBalancer Service an address; give each one loadBalancerIngress, or none`);
  const nodes = [...new Set([c.node, ...c.pods.map((p) => p.node)])];
  return { pool: { first: Math.min(...ips), last: Math.max(...ips) }, nodes };
}

const IMAGES: ImageRefs = {
  base: 'netlab/base:c',
  pause: 'netlab/pause:c',
  app: 'netlab/app:c',
  node: 'netlab/node:c',
  router: 'netlab/router:c',
  probe: 'netlab/probe:c',
  coredns: 'netlab/coredns:c',
  ingress: 'netlab/ingress:c',
};

/** The underlay the unit tests' fixtures use: nodes get 10.250.0.11, .12, … */
export const CASE_UNDERLAY = '10.250.0.0/24';

/**
 * A shipped lab as a case for each of its nodes: planned offline (every pod ready, placed and
 * addressed as `netlab up` would), cluster IPs and nodePorts allocated as netlab's API server
 * role does; the rest (selectors, named target ports, headless) is left to each side.
 */
export async function labCases(labFile: string, name: string): Promise<ConformanceCase[]> {
  const lab = withAddons((await loadLab(labFile)).lab);
  const plan = planLab(lab, { images: IMAGES, underlay: CASE_UNDERLAY });
  const ips = allocateClusterIPs(lab.services, lab.topology.serviceCIDR);
  const nodePorts = allocateNodePorts(lab.services);
  const healthPorts = allocateHealthCheckNodePorts(lab.services, nodePorts);
  const lb = loadBalancerSetting(plan);
  const lbIPs = lb ? allocateLoadBalancerIPs(lab.services, lb.pool) : new Map<ServiceSpec, string>();
  const pods: PodCase[] = plan.pods.map((p) => {
    const spec = lab.pods.find((s) => s.name === p.name && s.namespace === p.namespace);
    if (!spec) throw new Error(`planned pod ${p.namespace}/${p.name} is not in the lab`);
    return {
      name: p.name,
      namespace: p.namespace,
      labels: spec.labels,
      ip: p.ip,
      node: p.node,
      ports: spec.containers.flatMap((c) => c.ports),
    };
  });
  const services: ServiceCase[] = lab.services.map((s) => ({
    name: s.name,
    namespace: s.namespace,
    type: s.type,
    clusterIP: ips.get(s) ?? 'None',
    selector: s.selector,
    ports: s.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort, nodePort: nodePorts.get(p) })),
    ...(s.sessionAffinity === 'ClientIP' ? { affinitySeconds: s.affinitySeconds } : {}),
    ...(s.externalTrafficPolicy ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
    ...(s.internalTrafficPolicy ? { internalTrafficPolicy: s.internalTrafficPolicy } : {}),
    ...(lbIPs.has(s) ? { loadBalancerIngress: [lbIPs.get(s)!] } : {}),
    ...(s.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: s.loadBalancerSourceRanges } : {}),
    ...(healthPorts.has(s) ? { healthCheckNodePort: healthPorts.get(s) } : {}),
  }));
  return plan.nodes.map((n) => ({
    name: `${name} on ${n.name}`,
    node: n.name,
    nodeIP: n.ip,
    clusterCIDR: lab.topology.clusterCIDR,
    serviceCIDR: lab.topology.serviceCIDR,
    services,
    pods,
  }));
}
