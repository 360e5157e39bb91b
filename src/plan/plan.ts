// planLab: the lab model -> every Docker object, address, route and CNI config. Pure.
import { type ContainerLimits, TOOLBOX_LIMITS } from '../labfile/limits.js';
import { createHash } from 'node:crypto';
import type { ContainerCreate } from '../core/container-create.js';
import { networkName, podContainerName, podKey, toolboxName } from '../core/names.js';
import { nth, parseCidr } from '../core/cidr.js';
import { NetlabError } from '../core/errors.js';
import type { ContainerSpec, Lab, NodeSpec, PodSpec } from '../labfile/model.js';
import { type CurrentPlacement, placePods } from '../labfile/placement.js';
import { isDnsPod } from './addons.js';
import { guardContainer } from './isolation.js';
import { dnsIP } from './services.js';
import { defaultLoadBalancerPool } from './load-balancer.js';
import { portKey, publishedNodePorts } from './preflight.js';
import { resolvConf } from './dns/resolv.js';
import { containerEnv, expandedCommand } from './container-env.js';
import {
  LABEL_CONTAINER,
  LABEL_LAB,
  LABEL_LAB_FILE,
  LABEL_NAMESPACE,
  LABEL_NODE,
  LABEL_POD,
  LABEL_PORTS,
  LABEL_POD_IP,
  LABEL_PROXY_MODE,
  LABEL_ROLE,
  LABEL_SPEC,
  type Role,
} from '../core/labels.js';
import { UNDERLAY_EXTERNAL, UNDERLAY_FIRST_NODE, UNDERLAY_ROUTER, assignPodIPs, underlayAddress } from './addresses.js';
import { allContainers, type ContainerPlan, type ImageRefs, type LabPlan, type NetworkPlan, type NodePlan, type PodPlan, type Route } from './types.js';

export interface PlanInputs {
  images: ImageRefs;
  /** The underlay subnet: the lab's own, the existing network's, or one picked free. */
  underlay: string;
  /**
   * The pods of the lab as it runs now (`ns/name` -> node, IP): they keep both, and only new pods
   * are scheduled. Absent or empty (a fresh lab): every pod is placed as the lab file lists them.
   */
  current?: CurrentPlacement;
}

const NO_REDIRECTS = {
  'net.ipv4.conf.all.send_redirects': '0',
  'net.ipv4.conf.default.send_redirects': '0',
  'net.ipv4.conf.eth0.send_redirects': '0',
};

/** Capabilities only (never privileged mode): nodes and the router program their own network stack. */
const NET_CAPS = ['NET_ADMIN', 'NET_RAW'];
/**
 * The toolbox enters lab containers' network namespaces (setns needs SYS_ADMIN). Without
 * SYS_PTRACE it can open /proc/<pid>/ns only of processes whose capabilities are a subset of
 * its own: lab containers, never dockerd or the host's services.
 */
const TOOLBOX_CAPS = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'];

function specHash(create: ContainerCreate): string {
  return createHash('sha256').update(JSON.stringify(create)).digest('hex').slice(0, 12);
}

/** Stamps the labels every object carries, and the hash of the rest of the spec. */
function container(lab: Lab, key: string, name: string, role: Role, create: ContainerCreate, labels: Record<string, string>, ip?: string): ContainerPlan {
  const limits = limitsOf(lab, role);
  const withLabels: ContainerCreate = {
    ...create,
    HostConfig: { ...create.HostConfig, Memory: limits.memoryBytes, NanoCpus: limits.nanoCpus, PidsLimit: limits.pids },
    Labels: { ...lab.labels, [LABEL_LAB]: lab.name, [LABEL_ROLE]: role, [LABEL_LAB_FILE]: lab.file, ...labels },
  };
  withLabels.Labels![LABEL_SPEC] = specHash(withLabels);
  return { key, name, role, create: withLabels, ip };
}

/** Every container has ceilings: a pod's containers the lab's pod limits, nodes, router and external client its node limits. */
function limitsOf(lab: Lab, role: Role): ContainerLimits {
  if (role === 'toolbox' || role === 'guard') return TOOLBOX_LIMITS;
  return role === 'pause' || role === 'container' ? lab.topology.limits.pod : lab.topology.limits.node;
}

function onUnderlay(network: string, ip: string): ContainerCreate['NetworkingConfig'] {
  return { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: ip } } } };
}

/** The CNI config kubenet-style clusters ran: bridge cbr0 + host-local IPAM, state inside the node. */
export function cniConfig(podCIDR: string, bridgeIP: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'netlab',
    type: 'bridge',
    bridge: 'cbr0',
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: podCIDR, gateway: bridgeIP }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  };
}

/** `netlab/app` (or `netlab/app:latest`) means the image netlab built from docker/app. */
function netlabImage(image: string, images: ImageRefs): string | undefined {
  const m = /^netlab\/([a-z]+)(?::latest)?$/.exec(image);
  return m && m[1]! in images ? images[m[1] as keyof ImageRefs] : undefined;
}

/** Docker's restart policy for spec.restartPolicy: Docker too backs off between restarts. */
const DOCKER_RESTART = { Always: 'always', OnFailure: 'on-failure', Never: 'no' } as const;

function appContainer(lab: Lab, pod: PodSpec, spec: ContainerSpec, node: string, hostIP: string, ip: string, pause: string, images: ImageRefs) {
  const vars = containerEnv(spec, { pod, node, podIP: ip, hostIP });
  const env = new Map([
    // The downward-API values a pod commonly asks for, always present (the container's own win).
    ['POD_NAME', pod.name],
    ['POD_NAMESPACE', pod.namespace],
    ['NODE_NAME', node],
    ['POD_IP', ip],
    ...vars,
  ]);
  // An empty command or args is none, as in Kubernetes: the image's ENTRYPOINT or CMD stays.
  const { command, args } = expandedCommand(
    { ...(spec.command?.length ? { command: spec.command } : {}), ...(spec.args?.length ? { args: spec.args } : {}) },
    vars,
  );
  const image = netlabImage(spec.image, images) ?? spec.image;
  return container(
    lab,
    `${podKey(pod)}/${spec.name}`,
    `${podContainerName(lab.name, pod)}-${spec.name}`,
    'container',
    {
      Image: image,
      // command replaces the ENTRYPOINT and drops the image's CMD (Docker does so too); args replace CMD.
      ...(command ? { Entrypoint: command } : {}),
      ...(args ? { Cmd: args } : {}),
      ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
      Env: [...env].map(([k, v]) => `${k}=${v}`),
      HostConfig: {
        // Containers of a pod share the sandbox's network and IPC namespaces, as dockershim did.
        NetworkMode: `container:${pause}`,
        IpcMode: `container:${pause}`,
        RestartPolicy: { Name: DOCKER_RESTART[pod.restartPolicy ?? 'Always'] },
      },
    },
    {
      [LABEL_POD]: pod.name,
      [LABEL_NAMESPACE]: pod.namespace,
      [LABEL_NODE]: node,
      [LABEL_CONTAINER]: spec.name,
      // Docker refuses ExposedPorts on a container joined to another's network namespace.
      [LABEL_PORTS]: spec.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).join(','),
    },
  );
}

/** kubelet's resolv.conf for ClusterFirst pods: the cluster DNS, the namespace search list, ndots:5. */
export function dnsConfig(namespace: string, nameserver: string) {
  const conf = resolvConf(namespace, nameserver);
  return { Dns: conf.nameservers, DnsSearch: conf.search, DnsOptions: conf.options };
}

/** What every part of a lab's plan is built from. */
interface PlanContext {
  lab: Lab;
  images: ImageRefs;
  underlay: string;
  /** The lab's Docker network. */
  net: string;
  routerIP: string;
}

export function planLab(lab: Lab, inputs: PlanInputs): LabPlan {
  const ctx = planContext(lab, inputs);
  const nodes = planNodes(ctx);
  const router = planRouter(ctx, nodes);
  const external = planExternal(ctx);
  const toolbox = planToolbox(ctx);
  const guard = planGuard(ctx);
  const pods = planPods(ctx, new Map(nodes.map((n) => [n.name, n.ip])), inputs.current);
  const plan: LabPlan = {
    lab: lab.name,
    file: lab.file,
    network: planNetwork(ctx),
    nodes,
    router,
    external,
    toolbox,
    guard,
    pods,
    services: lab.services,
    serviceCIDR: lab.topology.serviceCIDR,
  };
  const pool = lab.topology.loadBalancerPool ?? defaultLoadBalancerPool(ctx.underlay, lab.topology.nodes.length);
  if (pool !== undefined) plan.loadBalancerPool = pool;
  assertUniqueNames(plan);
  return plan;
}

function planContext(lab: Lab, { images, underlay }: PlanInputs): PlanContext {
  const net = networkName(lab.name);
  if (!parseCidr(underlay)) throw new NetlabError(`The underlay ${underlay} is not a CIDR.`);
  return { lab, images, underlay, net, routerIP: underlayAddress(underlay, UNDERLAY_ROUTER) };
}

function planNetwork({ lab, net, underlay }: PlanContext): NetworkPlan {
  return {
    name: net,
    subnet: underlay,
    gateway: underlayAddress(underlay, 1),
    labels: { ...lab.labels, [LABEL_LAB]: lab.name, [LABEL_ROLE]: 'network', [LABEL_LAB_FILE]: lab.file },
  };
}

function planNodes(ctx: PlanContext): NodePlan[] {
  const { nodes } = ctx.lab.topology;
  const nodeIPs = new Map(nodes.map((n, i) => [n.name, underlayAddress(ctx.underlay, UNDERLAY_FIRST_NODE + i)]));
  const published = publishedPorts(ctx.lab);
  return nodes.map((n, index) => planNode(ctx, n, nodeIPs, index === 0 ? published : []));
}

/** --publish: every nodePort also on 127.0.0.1 of the host, through the first node (`30080/tcp`). */
function publishedPorts(lab: Lab): string[] {
  return publishedNodePorts(lab).map((p) => portKey(p.nodePort, p.protocol));
}

function planNode(ctx: PlanContext, n: NodeSpec, nodeIPs: ReadonlyMap<string, string>, published: readonly string[]): NodePlan {
  const ip = nodeIPs.get(n.name)!;
  const bridgeIP = nth(parseCidr(n.podCIDR)!, 1);
  return {
    name: n.name,
    podCIDR: n.podCIDR,
    bridgeIP,
    ip,
    routes: nodeRoutes(ctx, n, nodeIPs),
    cniConfig: cniConfig(n.podCIDR, bridgeIP),
    container: nodeContainer(ctx, n, ip, published),
  };
}

/** The other nodes' pod CIDRs: all through the router, or each straight to its node. */
function nodeRoutes({ lab, routerIP }: PlanContext, n: NodeSpec, nodeIPs: ReadonlyMap<string, string>): Route[] {
  if (lab.topology.routing === 'router') return [{ dst: 'default', via: routerIP }];
  return lab.topology.nodes.filter((o) => o.name !== n.name).map((o) => ({ dst: o.podCIDR, via: nodeIPs.get(o.name)! }));
}

function nodeContainer({ lab, images, net }: PlanContext, n: NodeSpec, ip: string, published: readonly string[]): ContainerPlan {
  return container(
    lab,
    `node/${n.name}`,
    `${lab.name}-${n.name}`,
    'node',
    {
      Image: images.node,
      Hostname: n.name,
      ...exposedPorts(published),
      HostConfig: {
        NetworkMode: net,
        CapAdd: NET_CAPS,
        ...portBindings(published),
        // /proc/sys is read-only inside containers: sysctls are set at create time. A node
        // forwards NodePort traffic back out eth0 (to the router): no ICMP redirects for it.
        Sysctls: { 'net.ipv4.ip_forward': '1', ...NO_REDIRECTS },
        RestartPolicy: { Name: 'no' },
      },
      NetworkingConfig: onUnderlay(net, ip),
    },
    // kube-proxy's mode is part of the node: switching modes starts from a clean netfilter.
    { [LABEL_NODE]: n.name, [LABEL_PROXY_MODE]: lab.topology.proxyMode },
    ip,
  );
}

function exposedPorts(published: readonly string[]): Pick<ContainerCreate, 'ExposedPorts'> {
  return published.length > 0 ? { ExposedPorts: Object.fromEntries(published.map((p) => [p, {}])) } : {};
}

/** Loopback only: a lab is never reachable from other machines. */
function portBindings(published: readonly string[]): Pick<NonNullable<ContainerCreate['HostConfig']>, 'PortBindings'> {
  return published.length > 0 ? { PortBindings: Object.fromEntries(published.map((p) => [p, [{ HostIp: '127.0.0.1', HostPort: p.split('/')[0]! }]])) } : {};
}

function planRouter({ lab, images, net, routerIP }: PlanContext, nodes: readonly NodePlan[]): LabPlan['router'] {
  if (lab.topology.routing !== 'router') return undefined;
  const create: ContainerCreate = {
    Image: images.router,
    Hostname: 'router',
    HostConfig: {
      NetworkMode: net,
      CapAdd: NET_CAPS,
      Sysctls: {
        'net.ipv4.ip_forward': '1',
        // A router forwarding back out the interface it received on would otherwise
        // tell nodes to bypass it (ICMP redirect); the seed's picture has every hop pass it.
        ...NO_REDIRECTS,
      },
      RestartPolicy: { Name: 'no' },
    },
    NetworkingConfig: onUnderlay(net, routerIP),
  };
  return {
    ...container(lab, 'router', `${lab.name}-router`, 'router', create, {}, routerIP),
    ip: routerIP,
    routes: nodes.map((n) => ({ dst: n.podCIDR, via: n.ip })),
  };
}

function planExternal({ lab, images, net, underlay }: PlanContext): LabPlan['external'] {
  if (!lab.topology.external) return undefined;
  const ip = underlayAddress(underlay, UNDERLAY_EXTERNAL);
  const create: ContainerCreate = {
    Image: images.probe,
    Hostname: 'external',
    HostConfig: { NetworkMode: net, RestartPolicy: { Name: 'no' } },
    NetworkingConfig: onUnderlay(net, ip),
  };
  return { ...container(lab, 'external', `${lab.name}-external`, 'external', create, {}, ip), ip };
}

function planToolbox({ lab, images }: PlanContext): ContainerPlan {
  const create: ContainerCreate = {
    Image: images.probe,
    Hostname: 'toolbox',
    HostConfig: {
      NetworkMode: 'none',
      // Sees every container's /proc/<pid>/ns/net, so CNI and probes can enter pods and nodes.
      PidMode: 'host',
      CapAdd: TOOLBOX_CAPS,
      RestartPolicy: { Name: 'no' },
    },
  };
  return container(lab, 'toolbox', toolboxName(lab.name), 'toolbox', create, {});
}

/** The lab's guard: it writes the lab's isolation table on the engine host (src/plan/isolation.ts). */
function planGuard({ lab, images }: PlanContext): ContainerPlan {
  return container(lab, 'guard', `${lab.name}.guard`, 'guard', guardContainer(lab.name, images.probe), {});
}

function planPods(ctx: PlanContext, nodeIPs: ReadonlyMap<string, string>, current: CurrentPlacement | undefined): PodPlan[] {
  const { pods, topology } = ctx.lab;
  const placed = placePods(pods, topology.nodes, current);
  const ips = assignPodIPs(placed, topology.nodes, current);
  return pods.map((pod) => planPod(ctx, pod, placed.get(pod)!.name, nodeIPs.get(placed.get(pod)!.name)!, ips.get(pod)!));
}

function planPod(ctx: PlanContext, pod: PodSpec, node: string, hostIP: string, ip: string): PodPlan {
  const pause = pauseContainer(ctx, pod, node, ip);
  return {
    name: pod.name,
    namespace: pod.namespace,
    node,
    ip,
    labels: pod.labels,
    pause,
    containers: pod.containers.map((c) => appContainer(ctx.lab, pod, c, node, hostIP, ip, pause.name, ctx.images)),
  };
}

function pauseContainer({ lab, images }: PlanContext, pod: PodSpec, node: string, ip: string): ContainerPlan {
  const create: ContainerCreate = {
    Image: images.pause,
    Hostname: pod.name,
    // The sandbox starts with no network; CNI gives it eth0 and the pod IP.
    HostConfig: {
      NetworkMode: 'none',
      IpcMode: 'shareable',
      RestartPolicy: { Name: 'no' },
      // kubelet's resolv.conf (dnsPolicy ClusterFirst); the pod's containers share this file.
      ...(lab.topology.dns && !isDnsPod(pod) ? dnsConfig(pod.namespace, dnsIP(lab.topology.serviceCIDR)) : {}),
    },
  };
  return container(lab, podKey(pod), podContainerName(lab.name, pod), 'pause', create, pauseLabels(pod, node, ip));
}

/** Where the pod runs, and the pod's own labels under netlab.k8s/. */
function pauseLabels(pod: PodSpec, node: string, ip: string): Record<string, string> {
  return {
    [LABEL_POD]: pod.name,
    [LABEL_NAMESPACE]: pod.namespace,
    [LABEL_NODE]: node,
    [LABEL_POD_IP]: ip,
    ...Object.fromEntries(Object.entries(pod.labels).map(([k, v]) => [`netlab.k8s/${k}`, v])),
  };
}

function assertUniqueNames(plan: LabPlan): void {
  const seen = new Map<string, string>();
  for (const c of allContainers(plan)) {
    const other = seen.get(c.name);
    if (other) {
      throw new NetlabError(`Two parts of lab ${plan.lab} would both be named ${c.name} (${other} and ${c.key}).`, {
        hint: 'Rename one of the pods or containers so that <pod>-<container> names do not collide.',
      });
    }
    seen.set(c.name, c.key);
  }
}
