// kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go), as text: one
// `iptables-restore --noflush` input with the filter and nat tables in kube-proxy's
// layout, and the base-chain jumps that kube-proxy ensures outside the restore.
// Pure and fast (string building only): 1000 services x 10 endpoints take milliseconds.
//
// Where netlab follows one of kube-proxy's configurations rather than its default:
// - --iptables-localhost-nodeports=false: NodePorts are not served on 127.0.0.1 (that
//   needs the route_localnet sysctl, which a node container cannot set at run time), so
//   the jump to KUBE-NODEPORTS carries `! -d 127.0.0.0/8` and there is no KUBE-FIREWALL rule.
// - The local-traffic detector is --detect-local-mode=ClusterCIDR (`! -s <clusterCIDR>`).
// - No external IPs (netlab's Services have none). Load-balancer IPs, both traffic policies
//   and loadBalancerSourceRanges are written as syncProxyRules writes them.
import { contains, parseCidr, parseIp } from '../../../core/cidr.js';
import { endpointString, hashPrefix, kubeProxyEndpointOrder, servicePortName } from '../names.js';
import type { ProxyInput, ServicePortState } from '../types.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** kubelet's chain, which kube-proxy also ensures jumps to. */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

/**
 * kube-proxy's canary: an empty chain in mangle, nat and filter that its iptables Monitor
 * (started with the proxier, not by syncProxyRules) ensures and polls; when it is gone,
 * someone flushed the tables and kube-proxy re-syncs everything.
 */
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';
export const CANARY_TABLES = ['mangle', 'nat', 'filter'] as const;

/** kube-proxy's --iptables-masquerade-bit 14. */
export const MASQUERADE_MARK = '0x4000';

/** Above this many endpoints in all, kube-proxy drops the per-endpoint comments ("large cluster mode"). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export type ServiceChainPrefix = 'KUBE-SVC' | 'KUBE-SVL' | 'KUBE-EXT' | 'KUBE-FW';

const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-SEP-', 'KUBE-FW-', 'KUBE-EXT-'] as const;

/**
 * The names of per-service and per-endpoint chains (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-,
 * KUBE-FW-, KUBE-SEP- + 16 base32 characters): a sync deletes the ones it no longer declares.
 */
export const KUBE_CHAIN_NAME = /^KUBE-[A-Z]{2,3}-[A-Z2-7]{16}$/;

/** The 16-character hash of a service port's chains: base32(sha256(servicePortName + protocol)). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hashPrefix(servicePortName + protocol.toLowerCase(), 16);
}

/** `KUBE-SVC-…`, `KUBE-EXT-…` (also KUBE-SVL, KUBE-FW) for a service port name such as `ns/svc:http`. */
export function servicePortChainName(prefix: ServiceChainPrefix | `${ServiceChainPrefix}-`, servicePortName: string, protocol: string): string {
  const p = prefix.endsWith('-') ? prefix : `${prefix}-`;
  return p + portProtoHash(servicePortName, protocol);
}

/** `KUBE-SEP-…`: base32(sha256(servicePortName + protocol + "ip:port")). */
export function servicePortEndpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hashPrefix(servicePortName + protocol.toLowerCase() + endpoint, 16)}`;
}

/** Whether a chain is one of kube-proxy's per-service or per-endpoint chains (pkg/proxy/iptables isServiceChainName). */
export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
}

/** The chains an `iptables-save` output declares (`:NAME POLICY [p:b]` lines), optionally of one table. */
export function chainsFromSave(save: string, table?: 'nat' | 'filter' | 'mangle'): string[] {
  const chains: string[] = [];
  let current = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1).trim();
    else if (line.startsWith(':') && (!table || current === table)) chains.push(line.slice(1).split(' ')[0]!);
  }
  return chains;
}

const probabilityCache: string[] = [];

/** Go's fmt.Sprintf("%0.10f", x): the exact binary value rounded half to even at 10 decimals. */
function formatTenDecimals(x: number): string {
  const exact = x.toFixed(100); // exact for these values (|x| <= 1, < 100 fractional binary digits)
  const dot = exact.indexOf('.');
  const head = exact.slice(0, dot + 11);
  const rest = exact.slice(dot + 11);
  const first = rest.charCodeAt(0) - 48;
  const beyond = /[1-9]/.test(rest.slice(1));
  const lastDigit = head.charCodeAt(head.length - 1) - 48;
  const roundUp = first > 5 || (first === 5 && (beyond || lastDigit % 2 === 1));
  if (!roundUp) return head;
  // Increment the decimal string (carries through 9s and the point).
  const digits = head.split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] === '.') continue;
    if (digits[i] === '9') {
      digits[i] = '0';
      if (i === 0) digits.unshift('1');
    } else {
      digits[i] = String.fromCharCode(digits[i]!.charCodeAt(0) + 1);
      break;
    }
  }
  return digits.join('');
}

/** kube-proxy's probability for the endpoint that has `n` endpoints left: 1/n with 10 decimals. */
export function probability(n: number): string {
  let p = probabilityCache[n];
  if (p === undefined) {
    p = formatTenDecimals(1 / n);
    probabilityCache[n] = p;
  }
  return p;
}

const q = (s: string) => `"${s}"`;

interface JumpRule {
  table: 'filter' | 'nat';
  /** The kube-proxy chain jumped to. */
  dst: string;
  /** The built-in chain that jumps. */
  src: string;
  comment: string;
  extra: string;
}

/** pkg/proxy/iptables iptablesJumpChains, then iptablesKubeletJumpChains, in upstream's order. */
const JUMPS: readonly JumpRule[] = [
  { table: 'filter', dst: KUBE_EXTERNAL_SERVICES, src: 'INPUT', comment: 'kubernetes externally-visible service portals', extra: '-m conntrack --ctstate NEW' },
  {
    table: 'filter',
    dst: KUBE_EXTERNAL_SERVICES,
    src: 'FORWARD',
    comment: 'kubernetes externally-visible service portals',
    extra: '-m conntrack --ctstate NEW',
  },
  { table: 'filter', dst: KUBE_NODEPORTS, src: 'INPUT', comment: 'kubernetes health check service ports', extra: '' },
  { table: 'filter', dst: KUBE_SERVICES, src: 'FORWARD', comment: 'kubernetes service portals', extra: '-m conntrack --ctstate NEW' },
  { table: 'filter', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', extra: '-m conntrack --ctstate NEW' },
  { table: 'filter', dst: KUBE_FORWARD, src: 'FORWARD', comment: 'kubernetes forwarding rules', extra: '' },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'INPUT', comment: 'kubernetes load balancer firewall', extra: '-m conntrack --ctstate NEW' },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'OUTPUT', comment: 'kubernetes load balancer firewall', extra: '-m conntrack --ctstate NEW' },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'FORWARD', comment: 'kubernetes load balancer firewall', extra: '-m conntrack --ctstate NEW' },
  { table: 'nat', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', extra: '' },
  { table: 'nat', dst: KUBE_SERVICES, src: 'PREROUTING', comment: 'kubernetes service portals', extra: '' },
  { table: 'nat', dst: KUBE_POSTROUTING, src: 'POSTROUTING', comment: 'kubernetes postrouting rules', extra: '' },
  { table: 'filter', dst: KUBE_FIREWALL, src: 'INPUT', comment: '', extra: '' },
  { table: 'filter', dst: KUBE_FIREWALL, src: 'OUTPUT', comment: '', extra: '' },
];

/**
 * A jump from a built-in chain to one of kube-proxy's, which kube-proxy ensures before every
 * full sync (EnsureChain, then EnsureRule: `iptables -C`, and `-I` (prepend) or `-A` when missing).
 */
export interface Jump {
  table: 'filter' | 'nat';
  /** The built-in chain that jumps. */
  chain: string;
  /** `-I`: prepended when missing; `-A`: appended. */
  position: '-I' | '-A';
  /** The rule after the chain's name, as iptables-save prints it (and iptables-restore reads it), ending with `-j <target>`. */
  rule: string;
  /** The kube-proxy chain jumped to. */
  target: string;
}

/** The rule line of a jump as iptables-save prints it (`-A <chain> <rule>`). */
export const jumpSaveLine = (j: Jump): string => `-A ${j.chain} ${j.rule}`;

/** pkg/proxy/iptables iptablesJumpChains, then iptablesKubeletJumpChains, in upstream's order (each one missing is prepended in turn). */
export function iptablesJumps(): Jump[] {
  return JUMPS.map((j) => ({
    table: j.table,
    chain: j.src,
    position: '-I',
    rule: [j.extra, j.comment ? `-m comment --comment ${q(j.comment)}` : '', `-j ${j.dst}`].filter(Boolean).join(' '),
    target: j.dst,
  }));
}

/** The per-service-port names computed once (kube-proxy's servicePortInfo / endpointInfo). */
interface PortNames {
  sp: ServicePortState;
  name: string;
  protocol: string;
  svcChain: string;
  svlChain: string;
  extChain: string;
  fwChain: string;
  endpoints: EndpointNames[];
}

interface EndpointNames {
  ep: string;
  ip: string;
  node: string;
  chain: string;
}

function namesOf(sp: ServicePortState): PortNames {
  const name = servicePortName(sp);
  const protocol = sp.protocol.toLowerCase();
  const hash = portProtoHash(name, protocol);
  return {
    sp,
    name,
    protocol,
    svcChain: `KUBE-SVC-${hash}`,
    svlChain: `KUBE-SVL-${hash}`,
    extChain: `KUBE-EXT-${hash}`,
    fwChain: `KUBE-FW-${hash}`,
    endpoints: kubeProxyEndpointOrder(sp.endpoints).map((e) => {
      const ep = endpointString(e);
      return { ep, ip: e.ip, node: e.node, chain: servicePortEndpointChainName(name, protocol, ep) };
    }),
  };
}

/**
 * How one node treats a service port (pkg/proxy CategorizeEndpoints and the policy chains of
 * syncProxyRules): which endpoints each traffic policy uses and where each kind of traffic goes.
 */
export interface PortPolicy {
  /** Endpoints of the Cluster policy ([] when no traffic uses it). */
  cluster: readonly EndpointNames[];
  /** Endpoints of the Local policy: those on this node ([] when no traffic uses it). */
  local: readonly EndpointNames[];
  /** The endpoints that get a chain: cluster's, or local's when only Local is used. */
  reachable: readonly EndpointNames[];
  hasEndpoints: boolean;
  externallyAccessible: boolean;
  externalLocal: boolean;
  internalLocal: boolean;
  hasInternalEndpoints: boolean;
  hasExternalEndpoints: boolean;
  usesExternalChain: boolean;
  usesFirewallChain: boolean;
}

const NONE: readonly never[] = [];

export function portPolicy<E extends { node: string }>(
  sp: ServicePortState,
  endpoints: readonly E[],
  node: string,
): Omit<PortPolicy, 'cluster' | 'local' | 'reachable'> & { cluster: readonly E[]; local: readonly E[]; reachable: readonly E[] } {
  const lbIPs = sp.loadBalancerIPs ?? [];
  const externallyAccessible = !!sp.nodePort || lbIPs.length > 0;
  const internalLocal = !!sp.internalPolicyLocal;
  const externalLocal = !!sp.externalPolicyLocal && externallyAccessible;
  // Cluster endpoints are needed for external traffic even under Local (its short-circuits).
  const usesCluster = !internalLocal || externallyAccessible;
  const usesLocal = internalLocal || externalLocal;
  const cluster = usesCluster ? endpoints : NONE;
  const local = usesLocal ? endpoints.filter((e) => e.node === node) : NONE;
  const hasEndpoints = endpoints.length > 0;
  return {
    cluster,
    local,
    reachable: usesCluster ? cluster : local,
    hasEndpoints,
    externallyAccessible,
    externalLocal,
    internalLocal,
    hasInternalEndpoints: hasEndpoints && (!internalLocal || local.length > 0),
    hasExternalEndpoints: hasEndpoints && (!externalLocal || local.length > 0),
    usesExternalChain: hasEndpoints && externallyAccessible,
    usesFirewallChain: hasEndpoints && lbIPs.length > 0 && (sp.loadBalancerSourceRanges?.length ?? 0) > 0,
  };
}

/** Told each service port's rules, apart from the rest (for partial syncs: partial.ts). */
export type PortTextSink = (index: number, filterRules: string, natChains: string, natRules: string) => void;

/**
 * One `iptables-restore --noflush` input (filter, then nat) that replaces every
 * kube-proxy chain, in pkg/proxy/iptables' layout and argument order (what kube-proxy
 * writes to iptables-restore; iptables-save prints the same rules normalised, e.g.
 * `-d 10.96.0.1/32 -p tcp -m comment … -m tcp --dport 443`).
 *
 * `previousChains` are the chains the node has now (from `iptables-save -t nat`, see
 * chainsFromSave): kube-proxy's per-service and per-endpoint chains among them that are no
 * longer wanted (a service or endpoint that went away) are flushed and deleted (`-X`).
 */
export function iptablesRestore(input: ProxyInput, previousChains: readonly string[] = [], eachPort?: PortTextSink): string {
  const ports = input.services.map(namesOf);
  // Every endpoint kube-proxy's endpoints map holds, ready or not (proxier.go totalEndpoints).
  let totalEndpoints = input.notReadyEndpoints ?? 0;
  for (const p of ports) totalEndpoints += p.endpoints.length;
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const mark = MASQUERADE_MARK;

  // Four texts, each a run of whole lines (string appends: the cheapest way to build
  // megabytes of rules in V8), joined at the end.
  let filterChains = '';
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains += `:${c} - [0:0]\n`;
  let filterRules = '';
  let natChains = '';
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natChains += `:${c} - [0:0]\n`;
  let natRules =
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN\n` +
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}\n` +
    `-A ${KUBE_POSTROUTING} -m comment --comment ${q('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully\n` +
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}\n`;
  const active = new Set<string>();
  const notLocal = input.clusterCIDR ? ` ! -s ${input.clusterCIDR}` : '';
  const isLocal = input.clusterCIDR ? ` -s ${input.clusterCIDR}` : '';

  /** writeServiceToEndpointRules: affinity first, then the random pick, from `chain` to each endpoint. */
  const toEndpoints = (p: PortNames, chain: string, endpoints: readonly EndpointNames[]) => {
    const affinity = p.sp.affinitySeconds;
    const n = endpoints.length;
    const rule = `-A ${chain}`;
    const comments = endpoints.map((e) => (largeCluster ? rule : `${rule} -m comment --comment "${p.name} -> ${e.ep}"`));
    if (affinity !== undefined) {
      endpoints.forEach((e, i) => {
        natRules += `${comments[i]} -m recent --name ${e.chain} --rcheck --seconds ${affinity} --reap -j ${e.chain}\n`;
      });
    }
    endpoints.forEach((e, i) => {
      natRules +=
        i < n - 1 ? `${comments[i]} -m statistic --mode random --probability ${probability(n - i)} -j ${e.chain}\n` : `${comments[i]} -j ${e.chain}\n`;
    });
  };

  // With eachPort, each port's rules are built apart (then told and added to the rest): slicing
  // them out of the whole texts would flatten megabytes of string per port.
  const whole = { filterRules, natChains, natRules };
  const portDone = (index: number) => {
    eachPort?.(index, filterRules, natChains, natRules);
    whole.filterRules += filterRules;
    whole.natChains += natChains;
    whole.natRules += natRules;
    filterRules = natChains = natRules = '';
  };
  if (eachPort) filterRules = natChains = natRules = '';
  for (const [index, p] of ports.entries()) {
    if (eachPort && index > 0) portDone(index - 1);
    const { sp, name, protocol, svcChain, svlChain, extChain, fwChain } = p;
    const policy = portPolicy(sp, p.endpoints, input.node);
    const lbIPs = sp.loadBalancerIPs ?? [];
    const match = `-m ${protocol} -p ${protocol}`;
    const dest = `${match} -d ${sp.clusterIP} --dport ${sp.port}`;
    const internalChain = policy.internalLocal ? svlChain : svcChain;
    const externalPolicyChain = policy.externalLocal ? svlChain : svcChain;
    const loadBalancerChain = policy.usesFirewallChain ? fwChain : extChain;
    // What filter does with traffic that has no endpoint to go to: none at all, or none on this node.
    const filterTarget = policy.hasEndpoints ? 'DROP' : 'REJECT';
    const filterComment = () => (policy.hasEndpoints ? `"${name} has no local endpoints"` : `"${name} has no endpoints"`);

    // Capture the cluster IP.
    if (policy.hasInternalEndpoints) natRules += `-A ${KUBE_SERVICES} -m comment --comment "${name} cluster IP" ${dest} -j ${internalChain}\n`;
    else filterRules += `-A ${KUBE_SERVICES} -m comment --comment ${filterComment()} ${dest} -j ${filterTarget}\n`;

    // Capture load-balancer ingress.
    for (const lbip of lbIPs) {
      const lbDest = `${match} -d ${lbip} --dport ${sp.port}`;
      if (policy.hasEndpoints) natRules += `-A ${KUBE_SERVICES} -m comment --comment "${name} loadbalancer IP" ${lbDest} -j ${loadBalancerChain}\n`;
      if (policy.usesFirewallChain)
        filterRules += `-A ${KUBE_PROXY_FIREWALL} -m comment --comment "${name} traffic not accepted by ${fwChain}" ${lbDest} -j DROP\n`;
    }
    if (!policy.hasExternalEndpoints) {
      for (const lbip of lbIPs)
        filterRules += `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${filterComment()} ${match} -d ${lbip} --dport ${sp.port} -j ${filterTarget}\n`;
    }

    // Capture nodeports.
    if (sp.nodePort) {
      if (policy.hasEndpoints) natRules += `-A ${KUBE_NODEPORTS} -m comment --comment ${name} ${match} --dport ${sp.nodePort} -j ${extChain}\n`;
      if (!policy.hasExternalEndpoints)
        filterRules += `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${filterComment()} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -j ${filterTarget}\n`;
    }

    // Capture health-check nodePorts: accepted whether or not the node has local endpoints.
    if (sp.healthCheckNodePort)
      filterRules += `-A ${KUBE_NODEPORTS} -m comment --comment "${name} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT\n`;

    if (!policy.hasEndpoints) continue;

    // Internal traffic: from outside the cluster CIDR to the cluster IP is masqueraded.
    if (policy.hasInternalEndpoints && notLocal)
      natRules += `-A ${internalChain} -m comment --comment "${name} cluster IP" ${dest}${notLocal} -j ${KUBE_MARK_MASQ}\n`;

    // External traffic (NodePort, load-balancer IP): all of it goes through the EXT chain.
    if (policy.usesExternalChain) {
      natChains += `:${extChain} - [0:0]\n`;
      active.add(extChain);
      if (!policy.externalLocal) {
        // Cluster: the endpoint may be on another node, so the reply must come back here.
        natRules += `-A ${extChain} -m comment --comment "masquerade traffic for ${name} external destinations" -j ${KUBE_MARK_MASQ}\n`;
      } else {
        // Local keeps the client's address, except for pods and the node itself, which go to
        // any endpoint as if out to the load balancer and back.
        if (isLocal) natRules += `-A ${extChain} -m comment --comment "pod traffic for ${name} external destinations"${isLocal} -j ${svcChain}\n`;
        natRules +=
          `-A ${extChain} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}\n` +
          `-A ${extChain} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}\n`;
      }
      if (policy.hasExternalEndpoints) natRules += `-A ${extChain} -j ${externalPolicyChain}\n`;
    }

    // loadBalancerSourceRanges: allowed sources go on to EXT; the rest falls to KUBE-PROXY-FIREWALL's DROP.
    if (policy.usesFirewallChain) {
      natChains += `:${fwChain} - [0:0]\n`;
      active.add(fwChain);
      const fwRule = `-A ${fwChain} -m comment --comment "${name} loadbalancer IP"`;
      let allowFromNode = false;
      const nodeIP = parseIp(input.nodeIP);
      for (const range of sp.loadBalancerSourceRanges ?? []) {
        natRules += `${fwRule} -s ${range} -j ${extChain}\n`;
        const cidr = parseCidr(range, false);
        if (cidr && nodeIP !== undefined && contains(cidr, nodeIP)) allowFromNode = true;
      }
      // The node's own requests to the address come back with the address as their source.
      if (allowFromNode) for (const lbip of lbIPs) natRules += `${fwRule} -s ${lbip} -j ${extChain}\n`;
      natRules += `-A ${fwChain} -m comment --comment "other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"\n`;
    }

    if (policy.cluster.length > 0) {
      natChains += `:${svcChain} - [0:0]\n`;
      active.add(svcChain);
      toEndpoints(p, svcChain, policy.cluster);
    }
    if (policy.local.length > 0) {
      natChains += `:${svlChain} - [0:0]\n`;
      active.add(svlChain);
      toEndpoints(p, svlChain, policy.local);
    }

    const sepComment = largeCluster ? '' : ` -m comment --comment ${name}`;
    for (const e of policy.reachable) {
      natChains += `:${e.chain} - [0:0]\n`;
      active.add(e.chain);
      // Hairpin: a pod reaching itself through its service is masqueraded.
      const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${e.chain} --set` : '';
      natRules +=
        `-A ${e.chain}${sepComment} -s ${e.ip} -j ${KUBE_MARK_MASQ}\n` + `-A ${e.chain}${sepComment}${recent} ${match} -j DNAT --to-destination ${e.ep}\n`;
    }
  }

  if (eachPort) {
    if (ports.length) portDone(ports.length - 1);
    ({ filterRules, natChains, natRules } = whole);
  }

  // Chains of services and endpoints that are gone: a chain line flushes, then -X deletes.
  for (const chain of new Set(previousChains)) {
    if (!isServiceChainName(chain) || active.has(chain)) continue;
    natChains += `:${chain} - [0:0]\n`;
    natRules += `-X ${chain}\n`;
  }

  // Last rule of KUBE-SERVICES (--nodeport-addresses unset, localhost NodePorts off).
  natRules += `-A ${KUBE_SERVICES} -m comment --comment ${q('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ${KUBE_NODEPORTS}\n`;

  filterRules +=
    `-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP\n` +
    `-A ${KUBE_FORWARD} -m comment --comment ${q('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT\n` +
    `-A ${KUBE_FORWARD} -m comment --comment ${q('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n`;

  return `*filter\n${filterChains}${filterRules}COMMIT\n*nat\n${natChains}${natRules}COMMIT\n`;
}
