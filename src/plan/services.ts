// Services, planned: cluster IPs and nodePorts allocated, endpoints found from pods, and what
// kube-proxy (per node) and the cluster DNS serve. Pure.
import { createHash } from 'node:crypto';
import { formatIp, parseCidr, parseIp, size } from '../core/cidr.js';
import { NetlabError } from '../core/errors.js';
import { selects } from '../labfile/endpoints.js';
import type { PodSpec, ServicePortSpec, ServiceSpec } from '../labfile/model.js';
import type { DnsInput } from './dns/types.js';
import type { EndpointState, ProxyInput, ServicePortState } from './proxy/types.js';
import { allocateLoadBalancerIPs, electSpeaker, type LoadBalancerSetting } from './load-balancer.js';

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** The cluster DNS's address: the 10th of the service CIDR, as kubeadm sets clusterDNS. */
export { dnsServiceIP as dnsIP } from './dns/resolv.js';

function stableOffset(key: string, modulo: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % modulo;
}

/**
 * Cluster IPs: the ones written stay; the others are picked from the service CIDR by a hash of
 * the service's name (stable across runs, unlike the API server's random pick), skipping taken ones.
 */
export function allocateClusterIPs(
  services: readonly ServiceSpec[],
  serviceCIDR: string,
  reserved: readonly string[] = [],
): Map<ServiceSpec, string | undefined> {
  const cidr = parseCidr(serviceCIDR)!;
  const taken = new Set<number>([...reserved.map((r) => parseIp(r)!), cidr.base, (cidr.base + size(cidr) - 1) >>> 0]);
  for (const s of services) if (s.clusterIP && s.clusterIP !== 'None') taken.add(parseIp(s.clusterIP)!);
  const out = new Map<ServiceSpec, string | undefined>();
  for (const s of services) {
    if (s.clusterIP === 'None') {
      out.set(s, undefined);
      continue;
    }
    if (s.clusterIP) {
      out.set(s, s.clusterIP);
      continue;
    }
    const n = size(cidr);
    let offset = stableOffset(`${s.namespace}/${s.name}`, n);
    for (let tries = 0; tries < n && taken.has((cidr.base + offset) >>> 0); tries++) offset = (offset + 1) % n;
    const ip = (cidr.base + offset) >>> 0;
    if (taken.has(ip))
      throw new NetlabError(`The service CIDR ${serviceCIDR} has no free address for service ${s.name}.`, { hint: 'Use a larger serviceCIDR.' });
    taken.add(ip);
    out.set(s, formatIp(ip));
  }
  return out;
}

const NODE_PORT_RANGE_SIZE = NODE_PORT_MAX - NODE_PORT_MIN + 1;

/** A free port of the NodePort range, from a hash of `key` (stable across runs). */
function freeNodePort(key: string, taken: Set<number>): number {
  let offset = stableOffset(key, NODE_PORT_RANGE_SIZE);
  while (taken.has(NODE_PORT_MIN + offset)) offset = (offset + 1) % NODE_PORT_RANGE_SIZE;
  taken.add(NODE_PORT_MIN + offset);
  return NODE_PORT_MIN + offset;
}

/** Every port written as a nodePort or healthCheckNodePort (allocation steers clear of them). */
function writtenNodePorts(services: readonly ServiceSpec[]): Set<number> {
  const taken = new Set<number>();
  for (const s of services) {
    for (const p of s.ports) if (p.nodePort) taken.add(p.nodePort);
    if (s.healthCheckNodePort) taken.add(s.healthCheckNodePort);
  }
  return taken;
}

/**
 * nodePorts of NodePort and LoadBalancer Services (allocateLoadBalancerNodePorts is true by
 * default): written ones stay; others come from 30000-32767 by a hash of the service port.
 */
export function allocateNodePorts(services: readonly ServiceSpec[]): Map<ServicePortSpec, number> {
  const taken = writtenNodePorts(services);
  const out = new Map<ServicePortSpec, number>();
  for (const s of services) {
    if (s.type === 'ClusterIP') continue;
    for (const p of s.ports) out.set(p, p.nodePort || freeNodePort(`${s.namespace}/${s.name}:${p.name ?? p.port}/${p.protocol}`, taken));
  }
  return out;
}

/** Whether the API server gives a Service a healthCheckNodePort: LoadBalancer with externalTrafficPolicy Local. */
export const needsHealthCheckNodePort = (s: ServiceSpec): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';

/** healthCheckNodePorts: written ones stay; others from the NodePort range, clear of every nodePort. */
export function allocateHealthCheckNodePorts(services: readonly ServiceSpec[], nodePorts: ReadonlyMap<ServicePortSpec, number>): Map<ServiceSpec, number> {
  const taken = writtenNodePorts(services);
  for (const port of nodePorts.values()) taken.add(port);
  const out = new Map<ServiceSpec, number>();
  for (const s of services) {
    if (!needsHealthCheckNodePort(s)) continue;
    out.set(s, s.healthCheckNodePort || freeNodePort(`${s.namespace}/${s.name}/health`, taken));
  }
  return out;
}

/** A pod as the endpoints controller sees it: placed, addressed, and whether it is ready. */
export interface PodEndpointSource {
  pod: PodSpec;
  ip: string;
  node: string;
  /** Sandbox and every container running, every readiness probe passing: an endpoint. */
  ready: boolean;
  /** Each container's readiness, in the pod's order (when known). */
  containers?: ContainerReadiness[];
}

/** One container of a pod: does it run, is it ready, and if not, why. */
export interface ContainerReadiness {
  /** Its name in the pod. */
  name: string;
  running: boolean;
  ready: boolean;
  reason?: string;
}

/** The pod port a service port's targetPort means on one pod (undefined: that pod has no such port). */
export function resolveTargetPort(port: ServicePortSpec, pod: PodSpec): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  for (const c of pod.containers) {
    const found = c.ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol);
    if (found) return found.containerPort;
  }
  return undefined;
}

export interface PlannedServicePort {
  spec: ServicePortSpec;
  /** ServicePortName as kube-proxy writes it: `ns/svc:portname`. */
  name: string;
  nodePort?: number;
  endpoints: EndpointState[];
  /** Selected pods that are not ready (and have the target port): published, never used. */
  notReady: number;
}

export interface PlannedService {
  spec: ServiceSpec;
  clusterIP?: string;
  ports: PlannedServicePort[];
  /** LoadBalancer: the address from the pool (status.loadBalancer.ingress[0].ip). */
  loadBalancerIP?: string;
  /** LoadBalancer with externalTrafficPolicy Local. */
  healthCheckNodePort?: number;
  /** LoadBalancer: the node that answers ARP for loadBalancerIP (undefined: none, so it does not answer). */
  speaker?: string;
}

/** The endpoints controller: ready pods in the service's namespace that match its selector. */
export function planServices(
  services: readonly ServiceSpec[],
  pods: readonly PodEndpointSource[],
  serviceCIDR: string,
  reserved: readonly string[] = [],
  loadBalancer?: LoadBalancerSetting,
): PlannedService[] {
  const ips = allocateClusterIPs(services, serviceCIDR, reserved);
  const nodePorts = allocateNodePorts(services);
  const healthPorts = allocateHealthCheckNodePorts(services, nodePorts);
  const lbIPs = loadBalancerIPs(services, loadBalancer);
  return services.map((s) => {
    const selected = pods.filter((p) => selects(s, p.pod));
    const members = selected.filter((p) => p.ready);
    const unready = selected.filter((p) => !p.ready);
    const lbip = lbIPs.get(s);
    const health = healthPorts.get(s);
    const ports = s.ports.map((port) => ({
      spec: port,
      name: `${s.namespace}/${s.name}:${port.name ?? ''}`,
      nodePort: nodePorts.get(port),
      endpoints: members
        .map((m) => ({ ip: m.ip, port: resolveTargetPort(port, m.pod), node: m.node }))
        .filter((e): e is EndpointState => e.port !== undefined)
        .sort((a, b) => parseIp(a.ip)! - parseIp(b.ip)! || a.port - b.port),
      notReady: unready.filter((m) => resolveTargetPort(port, m.pod) !== undefined).length,
    }));
    const planned: PlannedService = { spec: s, clusterIP: ips.get(s), ports };
    if (health !== undefined) planned.healthCheckNodePort = health;
    if (lbip !== undefined) {
      planned.loadBalancerIP = lbip;
      const endpointNodes = [...new Set(ports.flatMap((p) => p.endpoints.map((e) => e.node)))];
      const speaker = electSpeaker(s, endpointNodes, loadBalancer!.nodes);
      if (speaker !== undefined) planned.speaker = speaker;
    }
    return planned;
  });
}

/** LoadBalancer addresses: none without a setting (a lab file read alone), else from its pool. */
function loadBalancerIPs(services: readonly ServiceSpec[], setting: LoadBalancerSetting | undefined): Map<ServiceSpec, string> {
  if (!setting || !services.some((s) => s.type === 'LoadBalancer')) return new Map();
  return allocateLoadBalancerIPs(services, setting.pool);
}

/** What kube-proxy on `node` programs: every non-headless service port. */
export function proxyInput(planned: readonly PlannedService[], node: string, nodeIP: string, clusterCIDR: string, serviceCIDR?: string): ProxyInput {
  const services: ServicePortState[] = [];
  let notReadyEndpoints = 0;
  for (const s of planned) {
    if (!s.clusterIP) continue; // headless: no virtual IP, DNS only
    for (const p of s.ports) {
      notReadyEndpoints += p.notReady;
      services.push({
        namespace: s.spec.namespace,
        service: s.spec.name,
        portName: p.spec.name ?? '',
        protocol: p.spec.protocol,
        clusterIP: s.clusterIP,
        port: p.spec.port,
        nodePort: p.nodePort,
        affinitySeconds: s.spec.sessionAffinity === 'ClientIP' ? s.spec.affinitySeconds : undefined,
        endpoints: p.endpoints,
        ...(s.loadBalancerIP === undefined ? {} : { loadBalancerIPs: [s.loadBalancerIP] }),
        ...(s.loadBalancerIP !== undefined && s.spec.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: s.spec.loadBalancerSourceRanges } : {}),
        ...(s.spec.externalTrafficPolicy === 'Local' && s.spec.type !== 'ClusterIP' ? { externalPolicyLocal: true } : {}),
        ...(s.spec.internalTrafficPolicy === 'Local' ? { internalPolicyLocal: true } : {}),
        ...(s.healthCheckNodePort === undefined ? {} : { healthCheckNodePort: s.healthCheckNodePort }),
      });
    }
  }
  return { node, nodeIP, clusterCIDR, serviceCIDR, services, ...(notReadyEndpoints ? { notReadyEndpoints } : {}) };
}

/** What the cluster DNS serves. */
export function dnsInput(planned: readonly PlannedService[], pods: readonly PodEndpointSource[], serial: number, dnsIP?: string): DnsInput {
  return {
    domain: 'cluster.local',
    serial,
    dnsIP,
    services: planned.map((s) => {
      const ready = new Map<string, { ip: string }>();
      for (const p of s.ports) for (const e of p.endpoints) ready.set(e.ip, { ip: e.ip });
      return {
        namespace: s.spec.namespace,
        name: s.spec.name,
        clusterIP: s.clusterIP,
        ports: s.ports.map((p) => ({ name: p.spec.name ?? '', protocol: p.spec.protocol, port: p.spec.port })),
        endpoints: [...ready.values()],
      };
    }),
    pods: pods.filter((p) => p.ready).map((p) => ({ namespace: p.pod.namespace, name: p.pod.name, ip: p.ip })),
  };
}
