// kube-proxy's userspace mode (pkg/proxy/userspace, removed in Kubernetes 1.26), the
// mode the seed describes: the proxy itself (netlab-proxy, docker/node/main.go) listens
// on one port per service port and copies bytes to an endpoint; these nat rules send
// the cluster IP:port (and the NodePort) to that port. Pure.
//
// The old proxier listened on 0.0.0.0, so its rules were: from containers
// (PREROUTING -> KUBE-PORTALS-CONTAINER) REDIRECT to the proxy port, from the node
// itself (OUTPUT -> KUBE-PORTALS-HOST) DNAT to <node IP>:<proxy port>; NodePorts
// likewise through KUBE-NODEPORT-CONTAINER / KUBE-NODEPORT-HOST, plus an ACCEPT of new
// connections to the proxy port in filter KUBE-NODEPORT-NON-LOCAL. It added them one
// by one (iptables -C/-A); netlab writes the same rules with one iptables-restore.
import type { Jump } from '../iptables/rules.js';
import { endpointString, servicePortName } from '../names.js';
import type { ProxyInput, ServicePortState } from '../types.js';

export const USERSPACE_BASE_PORT = 10400;

/** Where netlab-proxy reads its config in the node (`--config`). */
export const PROXY_CONFIG = '/etc/netlab/proxy.json';

export const KUBE_PORTALS_CONTAINER = 'KUBE-PORTALS-CONTAINER';
export const KUBE_PORTALS_HOST = 'KUBE-PORTALS-HOST';
export const KUBE_NODEPORT_CONTAINER = 'KUBE-NODEPORT-CONTAINER';
export const KUBE_NODEPORT_HOST = 'KUBE-NODEPORT-HOST';
export const KUBE_NODEPORT_NON_LOCAL = 'KUBE-NODEPORT-NON-LOCAL';

/** One entry of netlab-proxy's config (docker/node/main.go reads these fields). */
export interface UserspaceServicePort {
  /** ServicePortName: `ns/svc:port` (`ns/svc` for an unnamed port). */
  serviceport: string;
  protocol: 'TCP' | 'UDP';
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** The local port netlab-proxy listens on (0.0.0.0). */
  proxyPort: number;
  /** `ip:port`, in the input's order; netlab-proxy goes round robin through them. */
  endpoints: string[];
  /** ClientIP session affinity timeout; absent = no affinity. */
  affinitySeconds?: number;
}

export interface UserspaceConfig {
  node: string;
  nodeIP: string;
  services: UserspaceServicePort[];
}

export interface UserspaceResult {
  /** netlab-proxy's config (JSON.stringify it into --config; SIGHUP makes it re-read). */
  config: UserspaceConfig;
  /** `iptables-restore --noflush` input that replaces the userspace chains' rules. */
  iptablesRestore: string;
  /** The jumps from the built-in chains (see userspaceJumps). */
  jumps: Jump[];
}

/** The key a proxy port is allocated by: `ns/svc:port/TCP`. */
export function proxyPortKey(sp: ServicePortState): string {
  return `${servicePortName(sp)}/${sp.protocol}`;
}

const q = (s: string) => `"${s}"`;

/**
 * The jumps of the old proxier's iptablesInit: ClusterIP portals first in PREROUTING
 * and OUTPUT (prepended), NodePorts last (appended), the NodePort ACCEPT chain first in
 * filter INPUT. Each is ensured as it did: checked (`-C`), then added when missing.
 */
export function userspaceJumps(): Jump[] {
  const portals = `-m comment --comment ${q('handle ClusterIPs; NOTE: this must be before the NodePort rules')}`;
  const nodePorts = `-m addrtype --dst-type LOCAL -m comment --comment ${q('handle service NodePorts; NOTE: this must be the last rule in the chain')}`;
  const nonLocal = `-m comment --comment ${q('Ensure that non-local NodePort traffic can flow')}`;
  const jumps: { table: Jump['table']; src: string; how: Jump['position']; args: string; dst: string }[] = [
    { table: 'nat', src: 'PREROUTING', how: '-I', args: portals, dst: KUBE_PORTALS_CONTAINER },
    { table: 'nat', src: 'OUTPUT', how: '-I', args: portals, dst: KUBE_PORTALS_HOST },
    { table: 'nat', src: 'PREROUTING', how: '-A', args: nodePorts, dst: KUBE_NODEPORT_CONTAINER },
    { table: 'nat', src: 'OUTPUT', how: '-A', args: nodePorts, dst: KUBE_NODEPORT_HOST },
    { table: 'filter', src: 'INPUT', how: '-I', args: nonLocal, dst: KUBE_NODEPORT_NON_LOCAL },
  ];
  return jumps.map((j) => ({ table: j.table, chain: j.src, position: j.how, rule: `${j.args} -j ${j.dst}`, target: j.dst }));
}

/**
 * netlab-proxy's config and the nat rules for `input`. Proxy ports are allocated from
 * `basePort` (10400, the seed's port) upward in the order of proxyPortKey; pass the
 * previous allocation (`previous`: key -> port, e.g. from the config now in the node)
 * to keep every port that still exists where it is, so its listener and open connections
 * survive the reload.
 */
export function userspaceConfig(input: ProxyInput, basePort = USERSPACE_BASE_PORT, previous: Readonly<Record<string, number>> = {}): UserspaceResult {
  const ordered = [...input.services].sort((a, b) => {
    const ka = proxyPortKey(a);
    const kb = proxyPortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const ports = new Map<ServicePortState, number>();
  const used = new Set<number>();
  for (const sp of ordered) {
    const kept = previous[proxyPortKey(sp)];
    if (kept !== undefined && kept >= basePort && kept <= 65535 && !used.has(kept)) {
      ports.set(sp, kept);
      used.add(kept);
    }
  }
  let next = basePort;
  for (const sp of ordered) {
    if (ports.has(sp)) continue;
    while (used.has(next)) next++;
    if (next > 65535) throw new Error(`no proxy port left above ${basePort} for ${proxyPortKey(sp)}`);
    ports.set(sp, next);
    used.add(next);
  }

  const services: UserspaceServicePort[] = ordered.map((sp) => ({
    serviceport: servicePortName(sp),
    protocol: sp.protocol,
    clusterIP: sp.clusterIP,
    port: sp.port,
    ...(sp.nodePort ? { nodePort: sp.nodePort } : {}),
    proxyPort: ports.get(sp)!,
    endpoints: sp.endpoints.map(endpointString),
    ...(sp.affinitySeconds !== undefined ? { affinitySeconds: sp.affinitySeconds } : {}),
  }));

  const nat: string[] = [];
  const filter: string[] = [];
  const lbIPs = new Map(ordered.map((sp) => [servicePortName(sp) + sp.protocol, sp.loadBalancerIPs ?? []]));
  for (const s of services) {
    const proto = s.protocol.toLowerCase();
    // iptablesCommonPortalArgs: comment, protocol, --dport, then -d <ip>/32.
    const common = (dport: number) => `-m comment --comment ${s.serviceport} -p ${proto} -m ${proto} --dport ${dport}`;
    const portal = `${common(s.port)} -d ${s.clusterIP}/32`;
    nat.push(`-A ${KUBE_PORTALS_CONTAINER} ${portal} -j REDIRECT --to-ports ${s.proxyPort}`);
    nat.push(`-A ${KUBE_PORTALS_HOST} ${portal} -j DNAT --to-destination ${input.nodeIP}:${s.proxyPort}`);
    // The old proxier opened the same portals on each load-balancer ingress IP.
    for (const lbip of lbIPs.get(s.serviceport + s.protocol) ?? []) {
      nat.push(`-A ${KUBE_PORTALS_CONTAINER} ${common(s.port)} -d ${lbip}/32 -j REDIRECT --to-ports ${s.proxyPort}`);
      nat.push(`-A ${KUBE_PORTALS_HOST} ${common(s.port)} -d ${lbip}/32 -j DNAT --to-destination ${input.nodeIP}:${s.proxyPort}`);
    }
    if (s.nodePort) {
      nat.push(`-A ${KUBE_NODEPORT_CONTAINER} ${common(s.nodePort)} -j REDIRECT --to-ports ${s.proxyPort}`);
      nat.push(`-A ${KUBE_NODEPORT_HOST} ${common(s.nodePort)} -j DNAT --to-destination ${input.nodeIP}:${s.proxyPort}`);
      filter.push(`-A ${KUBE_NODEPORT_NON_LOCAL} ${common(s.proxyPort)} -m state --state NEW -j ACCEPT`);
    }
  }
  const natChains = [KUBE_PORTALS_CONTAINER, KUBE_PORTALS_HOST, KUBE_NODEPORT_CONTAINER, KUBE_NODEPORT_HOST].map((c) => `:${c} - [0:0]`);
  const iptablesRestore = ['*filter', `:${KUBE_NODEPORT_NON_LOCAL} - [0:0]`, ...filter, 'COMMIT', '*nat', ...natChains, ...nat, 'COMMIT', ''].join('\n');

  return { config: { node: input.node, nodeIP: input.nodeIP, services }, iptablesRestore, jumps: userspaceJumps() };
}
