// The plan: every Docker object a lab needs, fully decided before anything is created.
import type { ContainerCreate } from '../core/container-create.js';
import type { ServiceSpec } from '../labfile/model.js';
import type { Role } from '../core/labels.js';

export type ImageRefs = Record<'base' | 'pause' | 'app' | 'node' | 'router' | 'probe' | 'coredns' | 'ingress', string>;

export interface ContainerPlan {
  /** Stable key inside the lab: `node/node1`, `router`, `pod/default/web`, `pod/default/web/app`. */
  key: string;
  /** Docker container name. */
  name: string;
  role: Role;
  /** Create options (name excluded). Labels include the spec hash. */
  create: ContainerCreate;
  /** Static underlay address, if the container sits on the lab network. */
  ip?: string;
}

export interface Route {
  dst: string; // CIDR or `default`
  via: string;
}

export interface NodePlan {
  name: string;
  podCIDR: string;
  /** The node's cbr0 address: the pods' gateway (first address of the pod CIDR). */
  bridgeIP: string;
  ip: string;
  routes: Route[];
  container: ContainerPlan;
  /** CNI network config passed on stdin, as kubelet passes it (host-local state stays in the node). */
  cniConfig: Record<string, unknown>;
}

export interface PodPlan {
  name: string;
  namespace: string;
  node: string;
  ip: string;
  labels: Record<string, string>;
  pause: ContainerPlan;
  containers: ContainerPlan[];
}

export interface NetworkPlan {
  name: string;
  subnet: string;
  gateway: string;
  labels: Record<string, string>;
}

export interface LabPlan {
  lab: string;
  file: string;
  network: NetworkPlan;
  nodes: NodePlan[];
  router?: ContainerPlan & { ip: string; routes: Route[] };
  external?: ContainerPlan & { ip: string };
  /** netlab's own trusted container: plumbs pods (CNI) and runs every probe. */
  toolbox: ContainerPlan;
  /** netlab's own container on the engine's network: writes the lab's isolation table there. */
  guard: ContainerPlan;
  pods: PodPlan[];
  /** The lab's services (add-ons included); cluster IPs come from serviceCIDR. */
  services: ServiceSpec[];
  serviceCIDR: string;
  /** LoadBalancer addresses come from here (`first-last` on the underlay); undefined: the underlay has no room. */
  loadBalancerPool?: string;
}

/** Every container of a plan, infrastructure first. */
export function allContainers(plan: LabPlan): ContainerPlan[] {
  return [
    ...plan.nodes.map((n) => n.container),
    ...(plan.router ? [plan.router] : []),
    ...(plan.external ? [plan.external] : []),
    plan.toolbox,
    plan.guard,
    ...plan.pods.flatMap((p) => [p.pause, ...p.containers]),
  ];
}
