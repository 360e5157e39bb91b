// Services, planned: cluster IPs and nodePorts allocated, endpoints found from pods, and what
// kube-proxy (per node) and the cluster DNS serve. Pure.
import { createHash } from 'node:crypto';
import { formatIp, parseCidr, parseIp, size } from '../core/cidr.js';
import { NetlabError } from '../core/errors.js';
import { selects } from '../labfile/endpoints.js';
import type { PodSpec, ServicePortSpec, ServiceSpec } from '../labfile/model.js';
import type { DnsInput } from './dns/types.js';
import type { EndpointState, ProxyInput, ServicePortState } from './proxy/types.js';

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

/** nodePorts: written ones stay; others come from 30000-32767 by a hash of the service port. */
export function allocateNodePorts(services: readonly ServiceSpec[]): Map<ServicePortSpec, number> {
  const taken = new Set<number>();
  for (const s of services) for (const p of s.ports) if (p.nodePort) taken.add(p.nodePort);
  const out = new Map<ServicePortSpec, number>();
  const range = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  for (const s of services) {
    if (s.type !== 'NodePort') continue;
    for (const p of s.ports) {
      if (p.nodePort) {
        out.set(p, p.nodePort);
        continue;
      }
      let offset = stableOffset(`${s.namespace}/${s.name}:${p.name ?? p.port}/${p.protocol}`, range);
      while (taken.has(NODE_PORT_MIN + offset)) offset = (offset + 1) % range;
      taken.add(NODE_PORT_MIN + offset);
      out.set(p, NODE_PORT_MIN + offset);
    }
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
}

/** The endpoints controller: ready pods in the service's namespace that match its selector. */
export function planServices(
  services: readonly ServiceSpec[],
  pods: readonly PodEndpointSource[],
  serviceCIDR: string,
  reserved: readonly string[] = [],
): PlannedService[] {
  const ips = allocateClusterIPs(services, serviceCIDR, reserved);
  const nodePorts = allocateNodePorts(services);
  return services.map((s) => {
    const selected = pods.filter((p) => selects(s, p.pod));
    const members = selected.filter((p) => p.ready);
    const unready = selected.filter((p) => !p.ready);
    return {
      spec: s,
      clusterIP: ips.get(s),
      ports: s.ports.map((port) => ({
        spec: port,
        name: `${s.namespace}/${s.name}:${port.name ?? ''}`,
        nodePort: nodePorts.get(port),
        endpoints: members
          .map((m) => ({ ip: m.ip, port: resolveTargetPort(port, m.pod), node: m.node }))
          .filter((e): e is EndpointState => e.port !== undefined)
          .sort((a, b) => parseIp(a.ip)! - parseIp(b.ip)! || a.port - b.port),
        notReady: unready.filter((m) => resolveTargetPort(port, m.pod) !== undefined).length,
      })),
    };
  });
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
