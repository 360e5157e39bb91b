// The typed lab model: what a lab file means once parsed and validated.
// Everything here is plain data; planning (src/lab/plan) turns it into containers.

/** Where something was written, for error messages that point at the line. */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export type Routing = 'router' | 'direct';

export interface NodeSpec {
  name: string;
  /** The node's pod CIDR (kubelet's podCIDR / the seed's 10.0.1.0/24). */
  podCIDR: string;
  at: SourceLocation;
}

export interface Topology {
  /** Underlay (node network) subnet; undefined = pick a free one at `up`. */
  underlay?: string;
  /** `router`: a router container is every node's gateway; `direct`: nodes route to each other. */
  routing: Routing;
  nodes: NodeSpec[];
  /** Whether the lab has an "external" client container on the underlay. */
  external: boolean;
}

export type Protocol = 'TCP' | 'UDP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: EnvVar[];
  ports: ContainerPort[];
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
 * What a probe does:
 * - http: an HTTP GET; reachable = any HTTP answer.
 * - tcp / udp: a TCP connect / a UDP datagram answered.
 * - ping: one ICMP echo.
 * - traceroute: the path to the target; `via` names a hop that must be on it.
 * - netns: whether source and target share one network namespace.
 * - gateway: the source pod's default gateway is `via` (default: its node's cbr0).
 */
export type ProbeKind = 'http' | 'tcp' | 'udp' | 'ping' | 'traceroute' | 'netns' | 'gateway';

export type Expectation = 'reachable' | 'unreachable' | 'same-netns' | 'different-netns';

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
  /** http: a substring the answer must contain. */
  contains?: string;
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
  deployments: DeploymentSpec[];
  /** Every pod, Deployments expanded into their replicas. */
  pods: PodSpec[];
  checks: CheckSpec[];
}

/** Names a check or `exec` may use for non-pod endpoints. */
export const RESERVED_NAMES = ['router', 'external', 'localhost'] as const;
