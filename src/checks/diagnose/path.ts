// The path a packet takes through a lab, as facts read off the running lab (for `diagnose`
// and `explain`): who sends, what it is sent to (a pod, a service's endpoints, a node, an IP),
// each namespace's links, addresses, routes and sockets, and kube-proxy's rules on the
// source's node. Building the facts is pure; gatherFacts() reads them in ONE toolbox exec
// (agent steps, each one's output a named section).
import { nsName, podContainerName } from '../../core/names.js';
import { sectionsRequest, type AgentStep, type NamespaceRef, type SectionStep, type StepResult } from '../../core/toolbox-request.js';
import type { LabTarget } from '../target.js';
import { DNS_NAMESPACE, DNS_POD } from '../../plan/addons.js';
import { dnsIP, planServices, type PlannedService } from '../../plan/services.js';
import type { LabPlan } from '../../plan/types.js';
import { servicePortName } from '../../plan/proxy/names.js';
import { podSourcesFrom } from '../../plan/readiness.js';
import { listLabContainers } from '../../engine/state.js';
import { containerName } from '../../engine/types.js';
import { proxyModeDriver, type ProxyMode } from '../../plan/proxy/registry.js';
import type { ServiceEntry } from '../../plan/proxy/driver.js';
import { type EndpointRef, resolveEndpoint } from '../../labfile/endpoints.js';
import { NetlabError } from '../../core/errors.js';
import type { Lab, PodSpec, ServicePortSpec, ServiceSpec } from '../../labfile/model.js';
import {
  dumpNetnsSteps,
  lookupRoute,
  parseAddrs,
  parseLinks,
  parseListening,
  parseRoutes,
  sectionText,
  sectionTexts,
  type Addr,
  type Link,
  type Listening,
  type RouteEntry,
} from './evidence.js';

export type Proto = 'tcp' | 'udp' | 'icmp';

export interface NetnsFacts {
  links: Link[];
  addrs: Addr[];
  routes: RouteEntry[];
  listening?: Listening[];
}

export interface NodeFacts {
  name: string;
  ip: string;
  bridgeIP: string;
  podCIDR: string;
  running: boolean;
  ns?: NetnsFacts;
}

export interface PodFacts {
  name: string;
  namespace: string;
  ip: string;
  node: string;
  running: boolean;
  labels: Record<string, string>;
  ns?: NetnsFacts;
}

export interface EndpointFacts {
  ip: string;
  port: number;
  node: string;
  /** The pod behind the endpoint. */
  pod?: string;
  /** The mode driver's endpointChain (iptables: KUBE-SEP-…; nftables: endpoint-…). */
  chain: string;
}

export interface ServiceFacts {
  name: string;
  namespace: string;
  clusterIP: string;
  port: number;
  protocol: 'tcp' | 'udp';
  targetPort: number | string;
  selector: Record<string, string>;
  /** ServicePortName (`ns/svc` or `ns/svc:port`). */
  portName: string;
  /** The mode driver's serviceChain (iptables: KUBE-SVC-…; nftables: service-…; userspace: the portal chain). */
  chain: string;
  /** The port's nodePort (type NodePort). */
  nodePort?: number;
  endpoints: EndpointFacts[];
}

export interface PathFacts {
  lab: string;
  mode: ProxyMode;
  underlay: string;
  source: { kind: 'pod' | 'node' | 'router' | 'external'; name: string; ip?: string; node?: string; namespace?: string };
  target: { text: string; ip: string; port?: number; proto: Proto; pod?: string; node?: string };
  nodes: NodeFacts[];
  router?: { ip: string; running: boolean; ns?: NetnsFacts };
  /** The source pod, the destination pod and the service's endpoint pods (with their namespaces read). */
  pods: PodFacts[];
  service?: ServiceFacts;
  /** Where the packet meets kube-proxy's rules for the service (its node, hook and way in). */
  entry?: ServiceEntry;
  /** Every pod of the lab with its labels and readiness (to say why a service has no endpoints). */
  allPods: { name: string; namespace: string; labels: Record<string, string>; ready: boolean }[];
  /** Raw node-side netfilter evidence of the source's node: `iptables-save -t nat -c`, `nft -a list table ip kube-proxy`, the userspace proxy config. */
  nat?: string;
  nft?: string;
  proxyConfig?: string;
  conntrack?: string;
  dns?: {
    resolv?: string;
    dnsIP: string;
    corednsRunning: boolean;
    corednsListening?: Listening[];
    answer?: string;
    name: string;
    expected?: string;
    /** The Service the name is (a dns check's name, or a check by: dns). */
    service?: DnsServiceFacts;
  };
}

/** A Service as its DNS records depend on it: a cluster IP (none: headless), its selector and ready endpoints. */
export interface DnsServiceFacts {
  namespace: string;
  name: string;
  /** Undefined for a headless Service (clusterIP: None). */
  clusterIP?: string;
  selector: Record<string, string>;
  /** How many ready endpoints it has (CoreDNS answers a headless name with them). */
  endpoints: number;
}

/** What explain/diagnose need to know before reading the lab. */
export interface PathPlan {
  facts: PathFacts;
  /** Container name per netns label (`src`, `node:<n>`, `router`, `pod:<ns>/<name>`). */
  containers: Map<string, string>;
  /** Labels whose sockets are read (`ss`). */
  listen: Set<string>;
  /** The container whose netns is the source. */
  sourceLabel: string;
  sourceNodeLabel?: string;
  /** The node whose kube-proxy rules the packet meets (the entry's node), read for them. */
  proxyNodeLabel?: string;
}

export const podLabel = (p: { namespace: string; name: string }) => `pod:${p.namespace}/${p.name}`;
export const nodeLabel = (n: string) => `node:${n}`;

type PlannedPod = LabPlan['pods'][number];
type ProxyDriver = ReturnType<typeof proxyModeDriver>;

function ipOf(plan: LabPlan, ip: string): { pod?: PlannedPod; node?: LabPlan['nodes'][number] } {
  return { pod: plan.pods.find((p) => p.ip === ip), node: plan.nodes.find((n) => n.ip === ip || n.bridgeIP === ip) };
}

/** What planPath collects while resolving: the containers and sockets to read, and the pods on the path. */
interface PathReads {
  plan: LabPlan;
  isReady: (p: { namespace: string; name: string }) => boolean;
  containers: Map<string, string>;
  listen: Set<string>;
  pods: Map<string, PodFacts>;
}

interface PathSource {
  source: PathFacts['source'];
  label: string;
  nodeLabel?: string;
}

interface PathTarget {
  target: PathFacts['target'];
  service?: ServiceFacts;
}

/** What the probe sends: the `to` text and the protocol; `sourceIP` is what localhost means. */
interface Sent {
  text: string;
  proto: Proto;
  sourceIP?: string;
}

/** The lab's services as planned from the pods' readiness, and the proxy mode's driver (for chain names). */
interface PathServices {
  planned: PlannedService[];
  driver: ProxyDriver;
}

/**
 * Resolves `from` and `to` (lab endpoint text) into the path to read: pure, given the pods'
 * readiness. `proto` is the probe's (http/tcp: tcp, udp: udp, ping/traceroute: icmp).
 */
export function planPath(lab: Lab, plan: LabPlan, ready: ReadonlyMap<string, boolean>, from: string, to: string, proto: Proto): PathPlan {
  const fromRef = resolveOrThrow(lab, from);
  const toRef = resolveOrThrow(lab, to, fromRef.kind === 'pod' ? fromRef.pod : undefined);
  const reads: PathReads = {
    plan,
    isReady: (p) => ready.get(`${p.namespace}/${p.name}`) ?? false,
    containers: new Map(),
    listen: new Set(),
    pods: new Map(),
  };
  const source = planSource(reads, fromRef, from);
  addNodeAndRouterContainers(reads);
  const services = pathServices(lab, reads);
  const { target, service } = planTarget(reads, services, toRef, { text: to, proto, sourceIP: source.source.ip });
  if (source.label !== 'external' && !reads.containers.has(source.label)) throw new NetlabError(`No container for ${from}.`);
  const facts = pathFacts(lab, reads, source.source, target, service);
  facts.entry = serviceEntry(source.source, target, service);
  return {
    facts,
    containers: reads.containers,
    listen: reads.listen,
    sourceLabel: source.label,
    sourceNodeLabel: source.nodeLabel,
    proxyNodeLabel: facts.entry ? nodeLabel(facts.entry.node) : undefined,
  };
}

/**
 * Where the packet meets kube-proxy's rules: a nodePort on the node it is sent to, a cluster IP
 * on the source's own node; from nat OUTPUT when that node sends it itself, PREROUTING otherwise.
 * None: no service, or a source without kube-proxy (the router, the external client) sending to a cluster IP.
 */
function serviceEntry(source: PathFacts['source'], target: PathFacts['target'], service: ServiceFacts | undefined): ServiceEntry | undefined {
  if (!service) return undefined;
  const hook = (node: string) => (source.kind === 'node' && source.node === node ? 'output' : 'prerouting');
  if (service.nodePort !== undefined && target.node && target.port === service.nodePort && target.ip !== service.clusterIP)
    return { kind: 'node-port', node: target.node, hook: hook(target.node), ip: target.ip, port: service.nodePort };
  if (!source.node) return undefined;
  return { kind: 'cluster-ip', node: source.node, hook: hook(source.node), ip: service.clusterIP, port: service.port };
}

function resolveOrThrow(lab: Lab, text: string, from?: { namespace: string }): EndpointRef {
  const ref = resolveEndpoint(lab, text, from);
  if ('error' in ref) throw new NetlabError(`"${text}": ${ref.error}`, { hint: ref.hint });
  return ref;
}

/** Adds a pod to the path (its netns read, its sockets too when `sockets`); returns its label. */
function addPod(reads: PathReads, p: PlannedPod, sockets: boolean): string {
  const label = podLabel(p);
  if (!reads.pods.has(label))
    reads.pods.set(label, { name: p.name, namespace: p.namespace, ip: p.ip, node: p.node, running: reads.isReady(p), labels: p.labels });
  reads.containers.set(label, podContainerName(reads.plan.lab, p));
  if (sockets) reads.listen.add(label);
  return label;
}

function findPlannedPod(plan: LabPlan, pod: { name: string; namespace: string }): PlannedPod {
  return plan.pods.find((x) => x.name === pod.name && x.namespace === pod.namespace)!;
}

/** Who sends: a pod, a node, the router or the external client. */
function planSource(reads: PathReads, ref: EndpointRef, from: string): PathSource {
  const { plan } = reads;
  switch (ref.kind) {
    case 'pod': {
      const p = findPlannedPod(plan, ref.pod);
      const source = {
        kind: 'pod' as const,
        name: p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`,
        ip: p.ip,
        node: p.node,
        namespace: p.namespace,
      };
      return { source, label: addPod(reads, p, false), nodeLabel: nodeLabel(p.node) };
    }
    case 'node': {
      const n = plan.nodes.find((x) => x.name === ref.node.name)!;
      return { source: { kind: 'node', name: n.name, ip: n.ip, node: n.name }, label: nodeLabel(n.name), nodeLabel: nodeLabel(n.name) };
    }
    case 'router':
      if (!plan.router) throw new NetlabError('This lab has no router.');
      return { source: { kind: 'router', name: 'router', ip: plan.router.ip }, label: 'router' };
    case 'external':
      if (!plan.external) throw new NetlabError('This lab has no external client.');
      reads.containers.set('external', plan.external.name);
      return { source: { kind: 'external', name: 'external', ip: plan.external.ip }, label: 'external' };
    default:
      throw new NetlabError(`"${from}" cannot send: name a pod, a node, router or external.`);
  }
}

function addNodeAndRouterContainers({ plan, containers }: PathReads): void {
  for (const n of plan.nodes) containers.set(nodeLabel(n.name), n.container.name);
  if (plan.router) containers.set('router', plan.router.name);
}

function pathServices(lab: Lab, { plan, isReady }: PathReads): PathServices {
  const planned = planServices(
    lab.services,
    plan.pods.map((p) => ({ pod: lab.pods.find((s) => s.name === p.name && s.namespace === p.namespace)!, ip: p.ip, node: p.node, ready: isReady(p) })),
    lab.topology.serviceCIDR,
  );
  return { planned, driver: proxyModeDriver(lab.topology.proxyMode) };
}

/** What is sent to: a pod, a service's cluster IP, a node, the router, the external client or an address. */
function planTarget(reads: PathReads, services: PathServices, ref: EndpointRef, sent: Sent): PathTarget {
  const { text, proto } = sent;
  switch (ref.kind) {
    case 'pod': {
      const p = findPlannedPod(reads.plan, ref.pod);
      addPod(reads, p, true);
      return { target: { text, ip: p.ip, port: ref.port?.containerPort, proto, pod: podLabel(p), node: p.node } };
    }
    case 'service':
      return serviceTarget(reads, services, ref.service, ref.port, sent);
    case 'node': {
      const n = reads.plan.nodes.find((x) => x.name === ref.node.name)!;
      reads.listen.add(nodeLabel(n.name));
      const target = { text, ip: n.ip, port: ref.port, proto, node: n.name };
      const owner = ref.port === undefined ? undefined : nodePortOwner(services, ref.port, proto);
      if (!owner) return { target };
      // A nodePort: kube-proxy's rules on that node send it to the service's endpoints.
      const service = serviceFacts(reads, services.driver, owner.service, owner.index);
      return { target: { ...target, proto: serviceProto(proto, service) }, service };
    }
    case 'router':
      reads.listen.add('router');
      return { target: { text, ip: reads.plan.router?.ip ?? '', proto } };
    case 'external':
      return { target: { text, ip: reads.plan.external?.ip ?? '', proto } };
    case 'ip':
      return addressTarget(reads, services, sent, ref.ip, ref.port);
    case 'localhost':
      return addressTarget(reads, services, sent, sent.sourceIP ?? '127.0.0.1', ref.port);
  }
}

/** A service (a written port picks its first port of that number) as the target, at its cluster IP. */
function serviceTarget(reads: PathReads, services: PathServices, spec: ServiceSpec, port: ServicePortSpec | undefined, sent: Sent): PathTarget {
  const planned = services.planned.find((x) => x.spec === spec) ?? services.planned.find((x) => nsName(x.spec) === nsName(spec))!;
  // A port the check names by name is that port; by number, the one in the probe's protocol.
  const byName = port && !/:\d+$/.test(sent.text) ? planned.ports.findIndex((p) => p.spec === port) : -1;
  const service = serviceFacts(reads, services.driver, planned, byName >= 0 ? byName : port ? portIndex(planned, port.port, sent.proto) : 0);
  return { target: { text: sent.text, ip: service.clusterIP, port: service.port, proto: serviceProto(sent.proto, service) }, service };
}

/** The service port whose nodePort this is (in the probe's protocol first). */
function nodePortOwner(services: PathServices, nodePort: number, proto: Proto): { service: PlannedService; index: number } | undefined {
  const all = services.planned.flatMap((service) => service.ports.map((p, index) => ({ service, index, p })));
  const found = all.find((x) => x.p.nodePort === nodePort && x.p.spec.protocol.toLowerCase() === proto) ?? all.find((x) => x.p.nodePort === nodePort);
  return found && { service: found.service, index: found.index };
}

/** The port of that number in the probe's protocol, else the first of that number, else the first. */
function portIndex(s: PlannedService, port: number | undefined, proto: Proto): number {
  const sameProto = s.ports.findIndex((p) => p.spec.port === port && p.spec.protocol.toLowerCase() === proto);
  return Math.max(0, sameProto >= 0 ? sameProto : s.ports.findIndex((p) => p.spec.port === port));
}

/** A probe's own protocol, unless it sends TCP or UDP to a service port: then the port's. */
function serviceProto(proto: Proto, service: ServiceFacts): Proto {
  return proto === 'icmp' ? proto : service.protocol;
}

/** An address: a service's cluster IP, a pod's IP, a node's or anything else. */
function addressTarget(reads: PathReads, services: PathServices, { text, proto }: Sent, ip: string, port?: number): PathTarget {
  const at = ipOf(reads.plan, ip);
  const svc = services.planned.find((s) => s.clusterIP === ip);
  if (svc) {
    const service = serviceFacts(reads, services.driver, svc, portIndex(svc, port, proto));
    return { target: { text, ip, port: port ?? service.port, proto: serviceProto(proto, service) }, service };
  }
  if (at.pod) {
    addPod(reads, at.pod, true);
    return { target: { text, ip, port, proto, pod: podLabel(at.pod), node: at.pod.node } };
  }
  if (at.node) reads.listen.add(nodeLabel(at.node.name));
  return { target: { text, ip, port, proto, node: at.node?.name } };
}

/** One port of a planned service, its endpoints' pods added to the path. */
function serviceFacts(reads: PathReads, driver: ProxyDriver, s: PlannedService, index: number): ServiceFacts {
  const sp = s.ports[index]!;
  const state = { namespace: s.spec.namespace, service: s.spec.name, portName: sp.spec.name ?? '', protocol: sp.spec.protocol };
  return {
    name: s.spec.name,
    namespace: s.spec.namespace,
    clusterIP: s.clusterIP ?? '',
    port: sp.spec.port,
    protocol: sp.spec.protocol.toLowerCase() as 'tcp' | 'udp',
    targetPort: sp.spec.targetPort,
    selector: s.spec.selector,
    portName: servicePortName(state),
    chain: driver.serviceChain(state),
    ...(sp.nodePort !== undefined ? { nodePort: sp.nodePort } : {}),
    endpoints: sp.endpoints.map((e) => {
      const pod = reads.plan.pods.find((p) => p.ip === e.ip);
      if (pod) addPod(reads, pod, true);
      return { ...e, pod: pod?.name, chain: driver.endpointChain(state, e) };
    }),
  };
}

function pathFacts(lab: Lab, reads: PathReads, source: PathFacts['source'], target: PathFacts['target'], service?: ServiceFacts): PathFacts {
  const { plan, isReady } = reads;
  return {
    lab: plan.lab,
    mode: lab.topology.proxyMode,
    underlay: plan.network.subnet,
    source,
    target,
    nodes: plan.nodes.map((n) => ({ name: n.name, ip: n.ip, bridgeIP: n.bridgeIP, podCIDR: n.podCIDR, running: false })),
    router: plan.router ? { ip: plan.router.ip, running: false } : undefined,
    pods: [...reads.pods.values()],
    service,
    allPods: plan.pods.map((p) => ({ name: p.name, namespace: p.namespace, labels: p.labels, ready: isReady(p) })),
  };
}

/**
 * The Service a name means to a pod of `namespace` (its resolver's search list), as its DNS
 * records depend on it, from the pods' readiness (pure). Undefined: the name is no Service's.
 */
export function dnsServiceFacts(lab: Lab, plan: LabPlan, ready: ReadonlyMap<string, boolean>, name: string, namespace?: string): DnsServiceFacts | undefined {
  const ref = resolveEndpoint(lab, name.replace(/\.$/, ''), namespace ? { namespace } : undefined);
  if ('error' in ref || ref.kind !== 'service') return undefined;
  const planned = pathServices(lab, {
    plan,
    isReady: (p) => ready.get(`${p.namespace}/${p.name}`) ?? false,
    containers: new Map(),
    listen: new Set(),
    pods: new Map(),
  });
  const s = planned.planned.find((x) => x.spec.namespace === ref.service.namespace && x.spec.name === ref.service.name);
  if (!s) return undefined;
  return {
    namespace: s.spec.namespace,
    name: s.spec.name,
    ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}),
    selector: s.spec.selector,
    endpoints: new Set(s.ports.flatMap((p) => p.endpoints.map((e) => e.ip))).size,
  };
}

/** The name a pod of `namespace` looks a Service up by: its short name in its own namespace, `name.namespace` elsewhere. */
export function serviceLookupName(service: { name: string; namespace: string }, namespace: string | undefined): string {
  return service.namespace === namespace ? service.name : `${service.name}.${service.namespace}`;
}

/** The network namespaces of the lab's containers (undefined: not running), and the pods' readiness (containers running, readiness probes passing). */
export async function labNamespaces(target: LabTarget): Promise<{
  ready: Map<string, boolean>;
  ns: (container: string) => Promise<NamespaceRef | undefined>;
}> {
  const { engine, lab, plan } = target;
  const containers = await listLabContainers(engine, plan.lab);
  const running = new Set(containers.filter((c) => c.State === 'running').map(containerName));
  const sources = podSourcesFrom(lab, plan, running, await target.probeReadiness?.(running));
  const ready = new Map(sources.map((s) => [nsName(s.pod), s.ready]));
  const ids = new Map(containers.map((c) => [containerName(c), c.Id]));
  const cache = new Map<string, Promise<NamespaceRef | undefined>>();
  const ns = (container: string) => {
    let p = cache.get(container);
    if (!p) {
      p = engine
        .pidOf(container)
        .catch(() => 0)
        .then((pid) => (pid > 0 ? { pid, container: ids.get(container) } : undefined));
      cache.set(container, p);
    }
    return p;
  };
  return { ready, ns };
}

/** The network namespace of each label of the path that runs. */
export type PathNamespaces = ReadonlyMap<string, NamespaceRef>;

/** Node-side reads that explain repeats after its request, as `<section>.after`. */
const REREAD = new Set(['nat', 'nft', 'conntrack']);

/** The source node's kube-proxy rules and conntrack entries for the service (none without a service or a running node). */
function netfilterSteps(path: PathPlan, namespaces: PathNamespaces): SectionStep[] {
  const node = path.proxyNodeLabel ? namespaces.get(path.proxyNodeLabel) : undefined;
  const service = path.facts.service;
  const entry = path.facts.entry;
  if (!node || !service || !entry) return [];
  const port = entry.kind === 'node-port' ? ['--orig-port-dst', String(entry.port)] : [];
  return [
    ...proxyModeDriver(path.facts.mode).evidenceSteps(node),
    {
      section: 'conntrack',
      step: { argv: ['conntrack', '-L', '-p', service.protocol, '--orig-dst', entry.ip, ...port], netns: node },
    },
  ];
}

/** The steps that read every namespace on the path, the source node's netfilter state and (`dnsName`) the source's resolver and its answer. */
export function gatherSteps(path: PathPlan, namespaces: PathNamespaces, extra: { dnsName?: string } = {}): SectionStep[] {
  const steps: SectionStep[] = [];
  for (const [label, netns] of namespaces) steps.push(...dumpNetnsSteps(label, netns, path.listen.has(label)));
  steps.push(...netfilterSteps(path, namespaces));
  const source = namespaces.get(path.sourceLabel);
  if (extra.dnsName && source) {
    // The source's own resolv.conf, shown to the programs as /etc/resolv.conf by the agent.
    steps.push({ section: 'resolv', step: { argv: ['cat', '/etc/resolv.conf'], resolvConfFrom: source } });
    steps.push({
      section: 'dig',
      step: {
        argv: ['dig', '+search', '+time=1', '+tries=1', '+noall', '+comments', '+answer', extra.dnsName],
        netns: source,
        resolvConfFrom: source,
      },
    });
  }
  return steps;
}

/** The same netfilter reads again, after explain's request, as `<section>.after`. */
export function rereadSteps(path: PathPlan, namespaces: PathNamespaces): SectionStep[] {
  return netfilterSteps(path, namespaces)
    .filter((s) => REREAD.has(s.section))
    .map((s) => ({ ...s, section: `${s.section}.after` }));
}

/** Fills the facts from gathered sections (pure). */
export function applySections(path: PathPlan, sections: ReadonlyMap<string, string>, running: ReadonlyMap<string, boolean>): PathFacts {
  const ns = (label: string): NetnsFacts | undefined => {
    const links = sections.get(`${label} links`);
    if (links === undefined) return undefined;
    const listen = sections.get(`${label} listen`);
    return {
      links: parseLinks(links),
      addrs: parseAddrs(sections.get(`${label} addrs`) ?? ''),
      routes: parseRoutes(sections.get(`${label} routes`) ?? ''),
      listening: listen === undefined ? undefined : parseListening(listen),
    };
  };
  const f = path.facts;
  const out: PathFacts = {
    ...f,
    nodes: f.nodes.map((n) => ({ ...n, running: running.get(nodeLabel(n.name)) ?? false, ns: ns(nodeLabel(n.name)) })),
    router: f.router ? { ...f.router, running: running.get('router') ?? false, ns: ns('router') } : undefined,
    pods: f.pods.map((p) => ({ ...p, ns: ns(podLabel(p)) })),
    nat: sections.get('nat'),
    nft: sections.get('nft'),
    proxyConfig: sections.get('proxyconfig'),
    conntrack: sections.get('conntrack'),
  };
  return out;
}

/** What explain does between the reads and the same netfilter reads again: steps before its request, and the request (the section `probe`). */
export interface ProbeSteps {
  before: AgentStep[];
  probe: AgentStep;
}

/** The source node's own reads (evidenceInNode: run in the node container, beside the toolbox's). */
async function readInNode(target: LabTarget, path: PathPlan, namespaces: PathNamespaces): Promise<Map<string, string>> {
  const sections = new Map<string, string>();
  const label = path.proxyNodeLabel;
  const container = label ? path.containers.get(label) : undefined;
  const reads = proxyModeDriver(path.facts.mode).evidenceInNode ?? [];
  if (!label || !container || !namespaces.has(label) || !path.facts.service) return sections;
  await Promise.all(
    reads.map(async (r) => {
      const out = await target.engine.exec(container, [...r.command]).catch(() => undefined);
      if (out) sections.set(r.section, sectionText(out));
    }),
  );
  return sections;
}

/**
 * Reads the facts of the path in one toolbox exec. With `probe` (explain): then the steps
 * before its request, the request, and the netfilter reads again (`<name>.after`), in that order.
 */
export async function gatherFacts(
  target: LabTarget,
  path: PathPlan,
  nsOf: (container: string) => Promise<NamespaceRef | undefined>,
  options: { probe?: (namespaces: PathNamespaces) => ProbeSteps | undefined; dnsName?: string; dnsService?: DnsServiceFacts } = {},
): Promise<{ facts: PathFacts; sections: Map<string, string>; results: Map<string, StepResult>; namespaces: Map<string, NamespaceRef> }> {
  const { plan } = target;
  const namespaces = new Map<string, NamespaceRef>();
  const found = await Promise.all([...path.containers].map(async ([label, container]) => [label, await nsOf(container)] as const));
  for (const [label, netns] of found) if (netns) namespaces.set(label, netns);
  const running = new Map(found.map(([label, netns]) => [label, netns !== undefined]));
  // The reads at once; explain's counter rules one by one (each takes the xtables lock), its
  // request, then the netfilter reads again at once.
  const phases: SectionStep[][] = [gatherSteps(path, namespaces, { dnsName: options.dnsName })];
  const probing = options.probe?.(namespaces);
  if (probing) {
    const { before, probe } = probing;
    phases.push(...before.map((step) => [{ section: 'counters', step }]), [{ section: 'probe', step: probe }], rereadSteps(path, namespaces));
  }
  const [results, inNode] = await Promise.all([target.toolbox.run(sectionsRequest('reading the path', phases)), readInNode(target, path, namespaces)]);
  const sections = new Map([...sectionTexts(results), ...inNode]);
  const facts = applySections(path, sections, running);
  const dnsPod = plan.pods.find((p) => p.namespace === DNS_NAMESPACE && p.name === DNS_POD);
  if (options.dnsName) {
    facts.dns = {
      resolv: sections.get('resolv'),
      dnsIP: dnsIP(plan.serviceCIDR),
      corednsRunning: dnsPod ? (await nsOf(podContainerName(plan.lab, dnsPod))) !== undefined : false,
      answer: sections.get('dig'),
      name: options.dnsName,
      expected: facts.service?.clusterIP,
      ...(options.dnsService ? { service: options.dnsService } : {}),
    };
  }
  return { facts, sections, results, namespaces };
}

// ---------------------------------------------------------------- walking the routes

export interface RouteStep {
  /** `node:<name>` or `router`. */
  at: string;
  where: string;
  route?: RouteEntry;
  /** What the step decides: `over cbr0`, `via 10.250.0.2 (router)`... */
  decision: string;
}

export interface Walk {
  steps: RouteStep[];
  /** The node whose cbr0 holds the destination (pod IPs), if reached. */
  endNode?: NodeFacts;
  /** Reached the destination on the underlay (a node, the router...). */
  arrived: boolean;
  error?: string;
}

function tableOf(routes: readonly RouteEntry[]): string {
  return routes.map((r) => (r.via ? `${r.dst} via ${r.via}` : `${r.dst} dev ${r.dev ?? '?'}`)).join(', ') || 'empty';
}

/** Follows the routing tables from a node (or the router) to `dst`, node by node (pure). */
export function walkRoutes(f: PathFacts, start: string, dst: string): Walk {
  const steps: RouteStep[] = [];
  let at = start;
  const nameOf = (ip: string) => (f.router?.ip === ip ? 'router' : f.nodes.find((n) => n.ip === ip)?.name);
  const podNode = f.nodes.find((n) => inPodCidr(n, dst));
  for (let i = 0; i < 6; i++) {
    const node = at.startsWith('node:') ? f.nodes.find((n) => nodeLabel(n.name) === at) : undefined;
    const where = node ? node.name : 'router';
    const ns = node ? node.ns : f.router?.ns;
    if (node && !node.running) return { steps, arrived: false, error: `node ${node.name} is not running` };
    if (!node && !f.router?.running) return { steps, arrived: false, error: 'the router is not running' };
    if (!ns) return { steps, arrived: false, error: `${where}'s routes could not be read` };
    const r = lookupRoute(ns.routes, dst);
    if (!r) {
      const cidr = podNode && podNode.name !== where ? podNode.podCIDR : dst;
      return { steps, arrived: false, error: `${where} has no route to ${cidr} (its table: ${tableOf(ns.routes)})` };
    }
    if (!r.via) {
      if (node && r.dev === 'cbr0') {
        steps.push({ at, where, route: r, decision: `${dst} is on ${where}'s own bridge: over cbr0` });
        return { steps, endNode: node, arrived: true };
      }
      steps.push({ at, where, route: r, decision: `${dst} is on the link ${r.dev ?? ''} (the underlay): delivered directly` });
      return { steps, arrived: true };
    }
    const next = nameOf(r.via);
    if (!next) return { steps, arrived: false, error: `${where} routes ${dst} via ${r.via}, which is neither the router nor a node (${r.text})` };
    if (next !== 'router' && podNode && next !== podNode.name && !at.startsWith('router')) {
      // A node sending straight to the wrong node.
      return { steps, arrived: false, error: `${where} sends ${dst} via ${r.via} (${next}), but ${podNode.podCIDR} is on ${podNode.name} (${podNode.ip})` };
    }
    if (at === 'router' && podNode && next !== podNode.name) {
      return { steps, arrived: false, error: `router sends ${r.dst} via ${r.via} (${next}), but ${dst} is on ${podNode.name} (${podNode.ip})` };
    }
    steps.push({ at, where, route: r, decision: `${r.dst === 'default' ? 'default route' : r.dst} via ${r.via} (${next})` });
    at = next === 'router' ? 'router' : nodeLabel(next);
    if (!podNode && (f.nodes.some((n) => n.ip === dst && nodeLabel(n.name) === at) || (at === 'router' && f.router?.ip === dst)))
      return { steps, arrived: true };
  }
  return { steps, arrived: false, error: `a routing loop towards ${dst} (${steps.map((s) => s.where).join(' → ')})` };
}

export function inPodCidr(n: Pick<NodeFacts, 'podCIDR'>, ip: string): boolean {
  return lookupRoute([{ dst: n.podCIDR, text: '' }], ip) !== undefined;
}

export type { PodSpec };
