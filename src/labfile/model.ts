// The typed lab model: what a lab file means once parsed and validated.
// Everything here is plain data; planning (src/plan) turns it into containers.
import type { ProxyMode } from '../core/proxy-modes.js';

/** Where something was written, for error messages that point at the line. */
import type { SourceLocation } from '../core/errors.js';
import type { LabLimits } from './limits.js';
import type { NetworkPolicySpec } from './policy-model.js';

export type { SourceLocation };

export type Routing = 'router' | 'direct';

export interface NodeSpec {
  name: string;
  /** The node's pod CIDR (kubelet's podCIDR / the seed's 10.0.1.0/24). */
  podCIDR: string;
  at: SourceLocation;
  /** Where podCIDR was written; undefined when the node has the default for its position. */
  podCIDRAt?: SourceLocation;
}

/** The mode names live in src/core/proxy-modes.ts (one list for the language and the drivers). */
export type { ProxyMode };

export interface Topology {
  /** Underlay (node network) subnet; undefined = pick a free one at `up`. */
  underlay?: string;
  /** Where the underlay was written (when it was). */
  underlayAt?: SourceLocation;
  /**
   * LoadBalancer IPs come from here (MetalLB's IPAddressPool): a CIDR or `first-last` on the
   * underlay. Undefined = the underlay's top addresses (src/plan/load-balancer.ts).
   */
  loadBalancerPool?: string;
  loadBalancerPoolAt?: SourceLocation;
  /** Service cluster IPs come from here (kube-apiserver's --service-cluster-ip-range). Default 10.96.0.0/12. */
  serviceCIDR: string;
  /** kube-proxy's --cluster-cidr: all pod CIDRs. Default: 10.0.0.0/16 (covers 10.0.<n>.0/24). */
  clusterCIDR: string;
  /** How kube-proxy programs the nodes. Default iptables. */
  proxyMode: ProxyMode;
  /** Run CoreDNS (a kube-dns service in kube-system). Default: true when the lab has a Service. */
  dns: boolean;
  /** Also publish every nodePort on 127.0.0.1 of the host. Default false. */
  publish: boolean;
  /** `router`: a router container is every node's gateway; `direct`: nodes route to each other. */
  routing: Routing;
  nodes: NodeSpec[];
  /** Whether the lab has an "external" client container on the underlay. */
  external: boolean;
  /** Ceilings on every container's memory, CPU and processes. */
  limits: LabLimits;
  /** Impaired links, applied at `up` (as `netlab impair` would); see src/labfile/impair.ts. */
  impair?: ImpairSpec[];
}

/** What netem does to a link's egress: each part optional, at least one given. */
export interface Impairment {
  delayMs?: number;
  /** A uniform spread around delayMs: each packet waits delay ± jitter (netem's, without a distribution table). */
  jitterMs?: number;
  /** Percent of packets dropped, each at random. */
  lossPercent?: number;
  /** Bits per second (tbf). */
  rateBitsPerSecond?: number;
}

/** An impairment of a lab part's interface (`node1`, `node1:cbr0`, `router`, a pod) or of a link (`node1--router`). */
export interface ImpairSpec {
  target: string;
  impairment: Impairment;
  at: SourceLocation;
}

export type Protocol = 'TCP' | 'UDP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface EnvVar {
  name: string;
  /** The value as written (`$(VAR)` references expanded at planning, as kubelet does). */
  value: string;
  /** valueFrom.fieldRef.fieldPath (metadata.name, status.podIP...): the value is that field of the pod, known at planning. */
  fieldPath?: string;
}

/** An env var's valueFrom.fieldRef.fieldPath naming one label of the pod: metadata.labels['app']. */
export const LABEL_FIELD = /^metadata\.labels\['([^']+)'\]$/;

/** spec.restartPolicy: what happens to a container that exits (kubelet's, on Docker's restart policies). */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** The namespaces every cluster has (kube-apiserver makes them); a Namespace manifest makes others. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** A namespace a Namespace manifest created. */
export interface NamespaceSpec {
  name: string;
  labels: Record<string, string>;
  at: SourceLocation;
}

/** When kubelet pulls a container's image (core/v1 PullPolicy). */
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface ContainerSpec {
  name: string;
  image: string;
  /** Where the image was written (pull errors point at it). */
  imageAt?: SourceLocation;
  /** imagePullPolicy as written; undefined = Kubernetes' default for the image's tag (see plan/pull.ts). */
  imagePullPolicy?: PullPolicy;
  command?: string[];
  args?: string[];
  env: EnvVar[];
  /** workingDir: the process's current directory (else the image's). */
  workingDir?: string;
  ports: ContainerPort[];
  /** Until it passes, the pod is no endpoint. */
  readinessProbe?: ContainerProbe;
  /** Failing failureThreshold times in a row, the container is restarted (by `netlab watch`). */
  livenessProbe?: ContainerProbe;
  at: SourceLocation;
}

/** What a container probe does; a named port is already resolved to the container's number. */
export type ProbeHandler =
  | { kind: 'httpGet'; path: string; port: number; scheme: 'HTTP' | 'HTTPS'; host?: string; headers: EnvVar[] }
  | { kind: 'tcpSocket'; port: number; host?: string }
  | { kind: 'exec'; command: string[] };

/** A readinessProbe or livenessProbe, with Kubernetes' defaults filled in. */
export interface ContainerProbe {
  handler: ProbeHandler;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  at: SourceLocation;
}

export interface PodSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** spec.nodeName as written; undefined = netlab spreads the pod over nodes. */
  nodeName?: string;
  containers: ContainerSpec[];
  /** The Deployment this pod was stamped from, if any. */
  deployment?: string;
  /** spec.restartPolicy; undefined = Always (Kubernetes' default). */
  restartPolicy?: RestartPolicy;
  at: SourceLocation;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** externalTrafficPolicy / internalTrafficPolicy. */
export type TrafficPolicy = 'Cluster' | 'Local';

export interface ServicePortSpec {
  /** Required when a service has more than one port. */
  name?: string;
  protocol: Protocol;
  port: number;
  /** A number, or the name of a container port of the selected pods. Default: `port`. */
  targetPort: number | string;
  /** NodePort and LoadBalancer services: given, or allocated from 30000-32767 at planning. */
  nodePort?: number;
  at: SourceLocation;
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  type: ServiceType;
  /** spec.clusterIP: an address in the service CIDR, `None` (headless), or undefined = allocated. */
  clusterIP?: string;
  selector: Record<string, string>;
  ports: ServicePortSpec[];
  sessionAffinity: 'None' | 'ClientIP';
  /** sessionAffinityConfig.clientIP.timeoutSeconds; default 10800. */
  affinitySeconds: number;
  /** NodePort and LoadBalancer only (Kubernetes refuses it elsewhere); undefined = Cluster. */
  externalTrafficPolicy?: TrafficPolicy;
  /** Undefined = Cluster. */
  internalTrafficPolicy?: TrafficPolicy;
  /** LoadBalancer: the address asked for (must be in the pool); undefined = allocated. */
  loadBalancerIP?: string;
  /** LoadBalancer: the clients allowed (CIDRs); undefined or empty = everyone. */
  loadBalancerSourceRanges?: string[];
  /** LoadBalancer with externalTrafficPolicy Local: as written, else allocated from the NodePort range. */
  healthCheckNodePort?: number;
  at: SourceLocation;
}

/** Ingress paths (networking.k8s.io/v1): ImplementationSpecific is matched as Prefix by netlab's controller. */
export type IngressPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** An Ingress backend: a Service of the Ingress's namespace and one of its ports, by number or name. */
export interface IngressBackend {
  service: string;
  port: number | string;
  at: SourceLocation;
}

export interface IngressPath {
  path: string;
  pathType: IngressPathType;
  backend: IngressBackend;
  at: SourceLocation;
}

export interface IngressRule {
  /** An exact host, or `*.` and a domain (one more label); undefined = every host. */
  host?: string;
  paths: IngressPath[];
  at: SourceLocation;
}

/** An Ingress, routed by the lab's ingress controller (src/plan/ingress/). */
export interface IngressSpec {
  name: string;
  namespace: string;
  /** spec.ingressClassName; the default class (`nginx`, netlab's controller) when not written. */
  className: string;
  defaultBackend?: IngressBackend;
  rules: IngressRule[];
  at: SourceLocation;
}

export interface DeploymentSpec {
  name: string;
  namespace: string;
  replicas: number;
  selector: Record<string, string>;
  at: SourceLocation;
}

/**
 * The probe kinds a check may name. What each takes in a check is data in ./probe-fields.ts;
 * what it does when it runs (its command, its verdict, its diagnosis) is its driver,
 * src/checks/probes/<kind>.ts. A unit test holds the three lists equal.
 */
export const PROBE_KIND_NAMES = ['http', 'tcp', 'udp', 'ping', 'traceroute', 'netns', 'gateway', 'dns', 'conntrack'] as const;

export type ProbeKind = (typeof PROBE_KIND_NAMES)[number];

export type Expectation = 'reachable' | 'unreachable' | 'same-netns' | 'different-netns' | 'nxdomain';

export interface CheckSpec {
  name: string;
  /** A pod, `pod/container`, a node name, `router` or `external`. */
  from: string;
  /** A pod or `pod/container` (optionally `:port` or `:portName`), a node, `router`, `external`, `IP[:port]` or `localhost:port`. */
  to?: string;
  probe: ProbeKind;
  expect: Expectation;
  /** traceroute: a hop that must be on the path; gateway: the expected gateway. */
  via?: string;
  /** http: a substring the answer must contain; dns: a substring one of the answer's records must contain. */
  contains?: string;
  /** dns: the exact set of records the answer must hold (A: addresses; SRV: "priority weight port target"; PTR: names). */
  answers?: string[];
  /** http: the Host header to send (an Ingress rule's host), and the path asked for (default /). */
  host?: string;
  path?: string;
  /** Service targets: `ip` (default) probes the cluster IP; `dns` uses the service's name through the pod's resolver. */
  by?: 'ip' | 'dns';
  /** http/udp: send this many requests (default 1)... */
  count?: number;
  /** ...and require answers from at least this many different pods (load spreading). */
  distinct?: number;
  /** udp: the source port every datagram leaves from (one flow, one conntrack entry). */
  sourcePort?: number;
  /** dns: the record type asked for. */
  record?: 'A' | 'SRV' | 'PTR';
  /** Names of checks that must pass first; if one fails, this one is "blocked by" it, not failed. */
  needs: string[];
  /** Retry until it passes or this many seconds went by (things that settle: DNS, endpoints). 0 = once. */
  wait: number;
  /** Weight in a grade (default 1). */
  points: number;
  /** http/tcp/ping: the measured time must be at most this many milliseconds, else the check fails saying the time. */
  maxMs?: number;
  /** `warning`: a failure is reported but does not fail the grade (exit 3 when only warnings fail). */
  level: 'error' | 'warning';
  /** Messages shown to the student: on pass, on failure, and a hint on failure. */
  pass?: string;
  fail?: string;
  hint?: string;
  at: SourceLocation;
}

/** Text in the languages exercises are written in (the seed's readers are Korean). */
export interface Localized {
  en: string;
  ko: string;
}

/** What an exercise breaks after the lab is up, done by netlab as an operator would. */
export type FaultSpec =
  /** A command in a part of the lab (`router`, a node, a pod or pod/container), e.g. `ip route del ...`. */
  | { kind: 'exec'; target: string; command: string[]; at: SourceLocation }
  /** Manifests applied over the lab's own (a wrong selector, targetPort, port...), as `netlab apply`. */
  | { kind: 'apply'; manifests: string; at: SourceLocation }
  /** An object deleted, as `netlab delete` (`service/x`, `deployment/x`, `pod/x`, with `namespace`). */
  | { kind: 'delete'; object: string; namespace: string; at: SourceLocation }
  /** A link impaired, as `netlab impair <lab> <target> --delay ... --loss ...`. */
  | { kind: 'impair'; target: string; impairment: Impairment; at: SourceLocation };

export interface ExerciseSpec {
  /** Short slug, unique in the lab (`wrong-selector`); exercises are also numbered from 1. */
  id: string;
  title: Localized;
  instructions: Localized;
  /** Revealed one at a time. */
  hints: Localized[];
  /** Applied in order after `up`. */
  faults: FaultSpec[];
  /** Names of the lab's checks that prove the fix; every one must FAIL on the starting state. */
  checks: string[];
  /** What fixes it (shell commands run on the host, `netlab` meaning this netlab), for tests and instructors. */
  solution: string[];
  at: SourceLocation;
}

export interface Lab {
  /** The lab's name: labels, container names and `down` use it. */
  name: string;
  title?: string;
  description?: string;
  /** Absolute path of the lab file. */
  file: string;
  dir: string;
  topology: Topology;
  /** Namespaces the lab's Namespace manifests create (the DEFAULT_NAMESPACES exist without them). */
  namespaces: NamespaceSpec[];
  deployments: DeploymentSpec[];
  /** Every pod, Deployments expanded into their replicas. */
  pods: PodSpec[];
  services: ServiceSpec[];
  ingresses: IngressSpec[];
  /** NetworkPolicies (src/labfile/policy-model.ts); undefined = none. */
  networkPolicies?: NetworkPolicySpec[];
  checks: CheckSpec[];
  exercises: ExerciseSpec[];
  /** Labels every object of the lab carries beside its own (a class's student: src/core/labels.ts EXTRA_LABELS). */
  labels?: Record<string, string>;
}

/** Names a check or `exec` may use for non-pod endpoints. */
export const RESERVED_NAMES = ['router', 'external', 'localhost'] as const;
