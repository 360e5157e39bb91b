// Plumbing a pod with the real CNI plugins, and the lab's routes, as netlab-agent steps (no
// shell: every value is one argument or one environment variable). Pure, so unit-tested
// without Docker; src/cluster decides from the steps' results what runs next.
import type { AgentStep, NamespaceRef, StepResult } from '../core/toolbox-request.js';
import type { Route } from './types.js';

export interface PlumbInput {
  /** Pause container ID: the CNI container ID, as kubelet passed the sandbox ID. */
  containerId: string;
  podPid: number;
  nodePid: number;
  /** The node container's ID (the agent checks that nodePid is its process). */
  nodeId?: string;
  ip: string;
  cniConfig: Record<string, unknown>;
}

/** Where CNI plugins are, in the toolbox. */
export const CNI_PATH = '/usr/lib/cni';
/** host-local's state, inside the node's own file system. */
const CNI_DATA_DIR = '/var/lib/cni/networks';

const netnsPath = (pid: number): string => `/proc/${pid}/ns/net`;
const nodeNetns = (p: Pick<PlumbInput, 'nodePid' | 'nodeId'>): NamespaceRef => ({ pid: p.nodePid, ...(p.nodeId ? { container: p.nodeId } : {}) });

/** The plugin's config: host-local keeps its state in the node (reached through /proc/<node pid>/root), so every node has its own allocations. */
export function pluginConfig(p: Pick<PlumbInput, 'nodePid' | 'cniConfig'>): string {
  const dataDir = `/proc/${p.nodePid}/root${CNI_DATA_DIR}`;
  return JSON.stringify({ ...p.cniConfig, ipam: { ...(p.cniConfig.ipam as object), dataDir } });
}

/** host-local's file for an address: `<container id>\r\n<ifname>`, named by the IP. */
export function reservationFile(p: Pick<PlumbInput, 'nodePid' | 'cniConfig' | 'ip'>): string {
  const network = typeof p.cniConfig.name === 'string' ? p.cniConfig.name : 'netlab';
  return `/proc/${p.nodePid}/root${CNI_DATA_DIR}/${network}/${p.ip}`;
}

/**
 * One CNI command the way kubelet drove it: the bridge plugin, run in the node's network
 * namespace, the config on stdin, the rest in CNI_* variables. `netns` is the sandbox's
 * namespace as a path the plugin opens ('' for a sandbox that is gone).
 */
export function cniStep(
  p: Pick<PlumbInput, 'nodePid' | 'nodeId' | 'cniConfig'>,
  command: 'ADD' | 'DEL',
  containerId: string,
  netns: string,
  args?: string,
): AgentStep {
  return {
    argv: ['cni-bridge'],
    netns: nodeNetns(p),
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH,
      ...(args !== undefined ? { CNI_ARGS: args } : {}),
    },
    stdin: pluginConfig(p),
  };
}

/** What a pod's sandbox holds now: read before anything changes it. */
export interface PodLook {
  /** eth0 already holds the planned IP: nothing to do. */
  unchanged: boolean;
  /** The container ID that holds the planned IP in the node's host-local state, if any. */
  owner?: string;
}

/** Read-only steps: the sandbox's eth0 addresses, and who holds the IP in host-local's state. */
export function podLookSteps(p: PlumbInput): AgentStep[] {
  return [
    { argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'], netns: { pid: p.podPid, container: p.containerId } },
    { argv: ['cat', reservationFile(p)] },
  ];
}

export function readPodLook(p: PlumbInput, [addr, owner]: StepResult[]): PodLook {
  const unchanged = addr?.exitCode === 0 && addr.stdout.includes(` inet ${p.ip}/`);
  const holder = owner?.exitCode === 0 ? owner.stdout.split('\n')[0]!.replace(/\r/g, '').trim() : '';
  return holder ? { unchanged, owner: holder } : { unchanged };
}

/** What to release before the CNI ADD. */
export interface PlumbRelease {
  /** Other sandboxes (gone, or replaced) that hold the IP: a CNI DEL each. */
  others: readonly string[];
  /** This sandbox may hold an address or an eth0 from before (a sandbox that ran before): a CNI DEL of it first. */
  self: boolean;
}

/**
 * Plumbs one pod, in order: release what other sandboxes held (a real CNI DEL each), this
 * sandbox's own earlier plumbing, then CNI ADD with the planned IP (CNI_ARGS IP=), then a
 * gratuitous ARP in the background: a re-plumbed pod keeps its IP but gets a new MAC, and
 * the neighbours' caches learn it at once instead of after their entries go stale.
 * `add` is the index of the ADD step.
 */
export function plumbSteps(p: PlumbInput, release: PlumbRelease): { steps: AgentStep[]; add: number } {
  const pod = netnsPath(p.podPid);
  const steps: AgentStep[] = [
    ...release.others.filter((id) => id !== p.containerId).map((id) => cniStep(p, 'DEL', id, '')),
    ...(release.self ? [cniStep(p, 'DEL', p.containerId, pod)] : []),
  ];
  const add = steps.length;
  steps.push(cniStep(p, 'ADD', p.containerId, pod, `IgnoreUnknown=1;IP=${p.ip}`), {
    argv: ['arping', '-q', '-U', '-c', '1', '-w', '1', '-I', 'eth0', p.ip],
    netns: { pid: p.podPid, container: p.containerId },
    detach: true,
  });
  return { steps, add };
}

/** A CNI DEL for a pod about to be removed, so host-local frees its address. */
export function unplumbPodStep(p: Omit<PlumbInput, 'podPid' | 'ip'> & { podPid?: number }): AgentStep {
  return cniStep(p, 'DEL', p.containerId, p.podPid ? netnsPath(p.podPid) : '');
}

export interface RouteTarget {
  pid: number;
  /** The container's ID (the agent checks that pid is its process). */
  container?: string;
  routes: Route[];
  /** Remove Docker's default route (the router drops what it has no route for). */
  dropDefault?: boolean;
}

/**
 * `ip route replace` for every target (idempotent), and `ip route del default` where asked
 * (its failure, no default route, is fine: `mayFail`). No step depends on another: they run at once.
 */
export function routeSteps(targets: RouteTarget[]): { step: AgentStep; mayFail?: true }[] {
  const out: { step: AgentStep; mayFail?: true }[] = [];
  for (const t of targets) {
    const netns: NamespaceRef = { pid: t.pid, ...(t.container ? { container: t.container } : {}) };
    // A default route of its own replaces Docker's anyway (and deleting it at the same time would race).
    if (t.dropDefault && !t.routes.some((r) => r.dst === 'default')) out.push({ step: { argv: ['ip', 'route', 'del', 'default'], netns }, mayFail: true });
    for (const r of t.routes) out.push({ step: { argv: ['ip', 'route', 'replace', r.dst, 'via', r.via], netns } });
  }
  return out;
}
