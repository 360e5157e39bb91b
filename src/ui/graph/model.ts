// A lab as a picture: router, underlay, nodes (cbr0, pod CIDR) with their pods, services with
// their endpoint pods, the external client. Pure: built from a plan and planned services.
import type { PlannedService, PodEndpointSource } from '../../plan/services.js';
import type { LabPlan, Route } from '../../plan/types.js';

export interface GraphPod {
  name: string;
  namespace: string;
  node: string;
  ip: string;
  containers: string[];
  /** Ready now (sandbox and every container running); undefined for a planned lab. */
  ready?: boolean;
}

export interface GraphNode {
  name: string;
  ip: string;
  podCIDR: string;
  bridgeIP: string;
  pods: GraphPod[];
}

export interface GraphEndpoint {
  /** The endpoint pod's display name (`name`, or `ns/name` outside default); the IP if no pod has it. */
  pod: string;
  ip: string;
  /** Target ports on the pod, over all service ports. */
  ports: number[];
  node?: string;
}

export interface GraphService {
  name: string;
  namespace: string;
  type: string;
  /** undefined: headless. */
  clusterIP?: string;
  /** `80/TCP→8080`, with `:30500` for a nodePort. */
  ports: string[];
  endpoints: GraphEndpoint[];
}

export interface LabGraph {
  lab: string;
  /** Addresses as they would be (the lab is not up). */
  planned: boolean;
  proxyMode?: string;
  underlay: { name: string; subnet: string; gateway: string };
  router?: { ip: string; routes: Route[] };
  external?: { ip: string };
  nodes: GraphNode[];
  services: GraphService[];
  /** Impaired interfaces and links now (netlab impair, topology.impair), by part: `eth0: delay 200ms`. */
  impaired?: { part: string; lines: string[] }[];
}

export interface LabGraphOptions {
  proxyMode?: string;
  planned?: boolean;
}

/** `ns/name` keys of the ready pods, from the endpoint controller's sources. */
export function readyPods(sources: readonly PodEndpointSource[]): Set<string> {
  return new Set(sources.filter((s) => s.ready).map((s) => `${s.pod.namespace}/${s.pod.name}`));
}

/** The name a pod is shown by: bare in `default`, `ns/name` elsewhere. */
export function podLabel(pod: Pick<GraphPod, 'name' | 'namespace'>): string {
  return pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`;
}

/**
 * The picture of a lab. `ready` holds the `ns/name` of ready pods; undefined means planned (no
 * readiness known).
 */
export function labGraph(plan: LabPlan, services: readonly PlannedService[], ready?: ReadonlySet<string>, options: LabGraphOptions = {}): LabGraph {
  const pods: GraphPod[] = plan.pods.map((p) => ({
    name: p.name,
    namespace: p.namespace,
    node: p.node,
    ip: p.ip,
    containers: p.containers.map((c) => c.name.slice(p.pause.name.length + 1)),
    ready: ready ? ready.has(`${p.namespace}/${p.name}`) : undefined,
  }));
  const byIP = new Map(pods.map((p) => [p.ip, p]));
  return {
    lab: plan.lab,
    planned: options.planned ?? ready === undefined,
    proxyMode: options.proxyMode,
    underlay: { name: plan.network.name, subnet: plan.network.subnet, gateway: plan.network.gateway },
    router: plan.router ? { ip: plan.router.ip, routes: plan.router.routes } : undefined,
    external: plan.external ? { ip: plan.external.ip } : undefined,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      ip: n.ip,
      podCIDR: n.podCIDR,
      bridgeIP: n.bridgeIP,
      pods: pods.filter((p) => p.node === n.name),
    })),
    services: services.map((s) => {
      const endpoints = new Map<string, GraphEndpoint>();
      for (const port of s.ports) {
        for (const e of port.endpoints) {
          const pod = byIP.get(e.ip);
          const known = endpoints.get(e.ip);
          if (!known) endpoints.set(e.ip, { pod: pod ? podLabel(pod) : e.ip, ip: e.ip, ports: [e.port], node: e.node ?? pod?.node });
          else if (!known.ports.includes(e.port)) known.ports.push(e.port);
        }
      }
      return {
        name: s.spec.name,
        namespace: s.spec.namespace,
        type: s.spec.type,
        clusterIP: s.clusterIP,
        ports: s.ports.map((p) => `${p.spec.port}/${p.spec.protocol}→${p.spec.targetPort}${p.nodePort ? ` :${p.nodePort}` : ''}`),
        endpoints: [...endpoints.values()],
      };
    }),
  };
}

/** Every pod of the graph, in node order. */
export function graphPods(graph: LabGraph): GraphPod[] {
  return graph.nodes.flatMap((n) => n.pods);
}
