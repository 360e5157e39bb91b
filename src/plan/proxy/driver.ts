// One kube-proxy mode as a driver: everything netlab does differently per mode, in one
// place. Syncing writes a node's rules with sync's agent steps (and nodeSetup for a mode that
// runs a process in the node); the path facts name a service's chains with serviceChain and
// endpointChain; the diagnosis reads the node's rules with evidenceSteps and judges them
// with serviceRuleMissing and nodePortRule; `explain` narrates them with explain.
//
// A mode is a folder (iptables/, nftables/, userspace/) whose driver.ts implements this, plus
// one line in registry.ts. Every member is pure: drivers build text and steps and read what
// they printed, and the callers (src/cluster, src/checks) run them in the lab.
import type { ProxyMode } from '../../core/proxy-modes.js';
import type { AgentStep, NamespaceRef, SectionStep, StepResult } from '../../core/toolbox-request.js';
import type { ProxySyncState } from './sync-state.js';
import type { ProxyInput, ServicePortState } from './types.js';

/** A node's sync and what it leaves for the next one. */
export interface PlannedSync {
  sync: NodeSync;
  /** It writes only what changed (else the whole rule set). */
  partial: boolean;
  state: ProxySyncState;
}

/** What names a service port's chains (kube-proxy's ServicePortName and protocol). */
export type ServicePortRef = Pick<ServicePortState, 'namespace' | 'service' | 'portName' | 'protocol'>;

/**
 * Where one packet meets kube-proxy's rules: which way in (a cluster IP:port in the service
 * map, or a node's port in the NodePort one; a LoadBalancer IP is one more kind), on which
 * node, from which nat hook (OUTPUT for the node's own traffic, PREROUTING for what arrives).
 */
export interface ServiceEntry {
  kind: 'cluster-ip' | 'node-port';
  node: string;
  hook: 'prerouting' | 'output';
  /** What the packet is sent to: the cluster IP and port, or the node's IP and the nodePort. */
  ip: string;
  port: number;
}

/** The service a diagnosis or an explanation is about (what the path facts know of it). */
export interface ServiceRef {
  namespace: string;
  name: string;
  clusterIP: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** The port's nodePort (type NodePort). */
  nodePort?: number;
  /** The driver's serviceChain. */
  chain: string;
  endpoints: readonly { ip: string; port: number; node: string; pod?: string /** The driver's endpointChain. */; chain: string }[];
}

/**
 * A node's kube-proxy state as evidenceSteps (and evidenceInNode) read it (the sections `nat`,
 * `nft` and `proxyconfig`); each mode reads what it wrote, the rest is undefined.
 */
export interface ProxyEvidence {
  /** `iptables-save -t nat -c`. */
  nat?: string;
  /** `nft -a list table ip kube-proxy`. */
  nft?: string;
  /** The userspace proxy's config file. */
  proxyConfig?: string;
}

/** What the mode keeps in a node from one sync to the next (userspace: proxy ports by `ns/svc:port/PROTO`). */
export type NodeProxyState = Readonly<Record<string, number>>;

/**
 * A process the mode runs in every node (the userspace proxy). Each is a program in the node
 * container, by argv (the node image is netlab's own): `read` before the sync, `start` once the
 * sync's files are in the node.
 */
export interface ProxyNodeSetup {
  /** What runs, for an error: "Could not start <what> on node1". */
  readonly what: string;
  /** Prints what the mode keeps in the node (a failure: nothing kept yet). */
  readonly read: readonly [string, ...string[]];
  /** The state `read` printed ({} when it cannot be read), for sync. */
  state(stdout: string): NodeProxyState;
  /** Starts the process on the files sync wrote, or has the running one re-read them. */
  readonly start: readonly [string, ...string[]];
}

/**
 * One node's sync as netlab-agent steps, all in the node's network namespace (the toolbox runs
 * them). `steps` and `checks` run at once; whatever `after` finds left to do runs after them. (Not `then`: a thenable would be taken for a promise.)
 */
export interface NodeSync {
  /** The rules loaded (iptables-restore, nft -f): each must succeed. */
  readonly steps: AgentStep[];
  /** Reads whose results `after` judges (the rules as the kernel has them now). */
  readonly checks: AgentStep[];
  /**
   * What is left once steps and checks ran, from the checks' results (in order): steps that
   * must succeed, run at once, [] when nothing is (the usual case). Throws when the checks
   * cannot be read.
   */
  after(checks: StepResult[]): AgentStep[];
  /** Files written into the node container before the steps run (the userspace proxy's config). */
  readonly files?: { readonly dir: string; readonly files: Readonly<Record<string, string>> };
}

/** Is a NodePort's rule on a node: one command in the node container, and how to read it. */
export interface NodePortRule {
  readonly command: readonly string[];
  /** Whether the command's output has a rule for `nodePort`. */
  present(output: string, nodePort: number): boolean;
  /** Where the rule belongs, for the diagnosis ("KUBE-NODEPORTS has none"). */
  readonly where: string;
}

export interface Counters {
  before: number;
  after: number;
  moved: boolean;
}

/** One step of `explain`'s narration (src/checks/diagnose/explain.ts calls it Hop). */
export interface ProxyHop {
  /** What kind of step: `pod`, `veth`, `bridge`, `KUBE-SERVICES`, `KUBE-SVC-…`, `conntrack`, `route`, `answer`... */
  hop: string;
  /** The container it happens in. */
  where: string;
  /** One line of narration. */
  what: string;
  /** The lines read off the lab that show it. */
  evidence: string[];
  counters?: Counters;
}

/** What `explain` read around its one request, for the hops of kube-proxy's rules. */
export interface ExplainInput {
  service: ServiceRef;
  /** The node whose rules the packet meets. */
  where: string;
  /** How it enters them (default: the cluster IP from nat PREROUTING). */
  entry?: ServiceEntry;
  /** Read before the request. */
  before: ProxyEvidence;
  /** Every section gathered; the same reads after the request are `<section>.after` (`nat.after`). */
  sections: ReadonlyMap<string, string>;
}

export interface ExplainHooks {
  /**
   * For a mode whose rules count nothing by themselves: steps (in the node's network namespace)
   * that add counters to the service's chains before the request, and the steps that remove
   * exactly those, found in what was read after it (the `<section>.after` sections).
   */
  counters?(node: NamespaceRef, service: ServiceRef): { add: AgentStep[]; remove(after: ReadonlyMap<string, string>): AgentStep[] };
  /** The hops of the service's rules on the node (entry rule, external chain, service, endpoints) and the endpoint IP the counters show chosen. */
  serviceHops(input: ExplainInput): { hops: ProxyHop[]; chosen?: string };
  /** Where the mode masquerades a marked connection as it leaves (nat POSTROUTING), for the masquerade hop; absent: it does not. */
  readonly masquerade?: { readonly chain: string; evidence(sections: ReadonlyMap<string, string>): string[] };
  /** conntrack's reply tuple: its source is the chosen endpoint (DNAT modes), and what the translation was. */
  readonly conntrack: { readonly replyIsEndpoint: boolean; translated(reply: { src: string; sport?: number }): string };
}

export interface ProxyModeDriver {
  readonly name: ProxyMode;
  /** A few words: what programs the node. */
  readonly title: string;
  /** A sentence: how a packet to a service is sent to an endpoint. */
  readonly description: string;

  /** Absent: the mode runs nothing in the node. */
  readonly nodeSetup?: ProxyNodeSetup;
  /** What programs one node (`node`: its network namespace); `kept` is what nodeSetup read there. */
  sync(input: ProxyInput, node: NamespaceRef, kept?: NodeProxyState): NodeSync;
  /**
   * Absent: every sync is a full one. Present: a sync that writes only what changed since the
   * `previous` sync's state (undefined: in full), with the state to keep for the next
   * (`nodeId` names the node's start; see sync-state.ts).
   */
  partialSync?(input: ProxyInput, node: NamespaceRef, nodeId: string, previous?: ProxySyncState): PlannedSync;

  /** The chain a service port's traffic goes through (KUBE-SVC-…, service-…, the portal chain). */
  serviceChain(sp: ServicePortRef): string;
  /** The chain of one endpoint (KUBE-SEP-…, endpoint-…; '' when the mode has none). */
  endpointChain(sp: ServicePortRef, ep: { ip: string; port: number }): string;

  /** Steps (in the toolbox) that read the node's rules, each a section of ProxyEvidence. */
  evidenceSteps(node: NamespaceRef): SectionStep[];
  /**
   * Commands run in the node container itself (a file of the node's, read where its own root
   * resolves its links), each a section of ProxyEvidence. Absent: none.
   */
  readonly evidenceInNode?: readonly { readonly section: string; readonly command: readonly string[] }[];
  /** Why the node's rules do not send the service's cluster IP:port on (undefined: they do, or nothing was read). */
  serviceRuleMissing(evidence: ProxyEvidence, service: ServiceRef, node: string, lab: string): string | undefined;
  readonly nodePortRule: NodePortRule;

  readonly explain: ExplainHooks;
}

/** The driver of mode M (the registry checks that each name's driver says that name). */
export type ProxyModeDriverOf<M extends ProxyMode> = ProxyModeDriver & { readonly name: M };
