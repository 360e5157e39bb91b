// kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go, the layout of 1.33+),
// as one `nft -f` script that replaces kube-proxy's private table `ip kube-proxy` in
// a single atomic transaction. Pure.
//
// As with the iptables mode, netlab's services have no external IPs; load-balancer IPs,
// Local traffic policies (`local-` chains) and source ranges are as upstream writes them;
// --nodeport-addresses is nftables mode's default
// "primary" (the node IP); the local-traffic detector is ClusterCIDR.
// This is the whole table (as one script that replaces it); full.ts loads it in place as a full
// sync, partial.ts writes only what changed, as kube-proxy does.
import { contains, parseCidr, parseIp } from '../../../core/cidr.js';
import { portPolicy } from '../iptables/rules.js';
import { endpointString, hashPrefix, kubeProxyEndpointOrder, servicePortName } from '../names.js';
import type { ProxyInput, ServicePortState } from '../types.js';

export const TABLE = 'kube-proxy';
const T = `ip ${TABLE}`;
export const MASQUERADE_MARK = '0x4000';

/** knftables.NameLengthMax (256) minus the longest chain-name prefix (16). */
const CHAIN_NAME_BASE_LENGTH_MAX = 240;

/** `HASH-name`: 8 base32 characters of sha256(name), then the name, cut to 240 characters. */
export function hashAndTruncate(name: string): string {
  let out = `${hashPrefix(name, 8)}-${name}`;
  if (out.length > CHAIN_NAME_BASE_LENGTH_MAX) out = `${out.slice(0, CHAIN_NAME_BASE_LENGTH_MAX - 3)}...`;
  return out;
}

/** `HASH-ns/svc/proto/port`, the base of a service port's chains (`service-`, `external-`). */
export function servicePortChainNameBase(sp: Pick<ServicePortState, 'namespace' | 'service' | 'portName' | 'protocol'>): string {
  return hashAndTruncate(`${sp.namespace}/${sp.service}/${sp.protocol.toLowerCase()}/${sp.portName}`);
}

/** `HASH-ns/svc/proto/port__ip/port`, the base of an endpoint's chain and affinity set. */
export function servicePortEndpointChainNameBase(
  sp: Pick<ServicePortState, 'namespace' | 'service' | 'portName' | 'protocol'>,
  ep: { ip: string; port: number },
): string {
  return hashAndTruncate(`${sp.namespace}/${sp.service}/${sp.protocol.toLowerCase()}/${sp.portName}__${ep.ip}/${ep.port}`);
}

const BASE_CHAINS: readonly { name: string; type: 'filter' | 'nat'; hook: string; priority: number }[] = [
  { name: 'filter-prerouting-pre-dnat', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-output-pre-dnat', type: 'filter', hook: 'output', priority: -110 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: 0 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: 0 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

/** Regular chains jumped to from the base chains (nftablesJumpChains), in upstream's order. */
const JUMP_CHAINS: readonly { dst: string; src: string; extra: string }[] = [
  { dst: 'nodeport-endpoints-check', src: 'filter-input', extra: 'ct state new' },
  { dst: 'service-endpoints-check', src: 'filter-input', extra: 'ct state new' },
  { dst: 'service-endpoints-check', src: 'filter-forward', extra: 'ct state new' },
  { dst: 'service-endpoints-check', src: 'filter-output', extra: 'ct state new' },
  { dst: 'firewall-check', src: 'filter-prerouting-pre-dnat', extra: 'ct state new' },
  { dst: 'firewall-check', src: 'filter-output-pre-dnat', extra: 'ct state new' },
  { dst: 'services', src: 'nat-output', extra: '' },
  { dst: 'services', src: 'nat-prerouting', extra: '' },
  { dst: 'masquerading', src: 'nat-postrouting', extra: '' },
  { dst: 'cluster-ips-check', src: 'filter-forward', extra: 'ct state new' },
  { dst: 'cluster-ips-check', src: 'filter-output', extra: 'ct state new' },
];

/**
 * The `nft -f` script: `add table` + `delete table` (so the delete never fails), then
 * the whole table as kube-proxy builds it: base chains, dispatch maps, per-service
 * `service-…` / `external-…` / `endpoint-…` chains, affinity sets, map elements.
 */
export function nftablesScript(input: ProxyInput, eachPort?: (index: number, lines: readonly string[]) => void): string {
  return nftablesLines(input, eachPort).join('\n');
}

/** nftablesScript's lines (the full sync uses them as they are, partial.ts and full.ts). */
export function nftablesLines(input: ProxyInput, eachPort?: (index: number, lines: readonly string[]) => void): string[] {
  const out: string[] = [
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T} { comment "rules for kube-proxy" ; }`,
    '',
    `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
    `add set ${T} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
    `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    '',
  ];
  for (const c of BASE_CHAINS) out.push(`add chain ${T} ${c.name} { type ${c.type} hook ${c.hook} priority ${c.priority} ; }`);
  for (const c of [
    'cluster-ips-check',
    'firewall-check',
    'mark-for-masquerade',
    'masquerading',
    'nodeport-endpoints-check',
    'services',
    'service-endpoints-check',
  ]) {
    out.push(`add chain ${T} ${c}`);
  }
  out.push(`add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`, '');
  for (const j of JUMP_CHAINS) out.push(`add rule ${T} ${j.src} ${j.extra ? `${j.extra} ` : ''}jump ${j.dst}`);
  out.push(
    `add rule ${T} mark-for-masquerade mark set mark or ${MASQUERADE_MARK}`,
    `add rule ${T} masquerading mark and ${MASQUERADE_MARK} == 0 return`,
    `add rule ${T} masquerading mark set mark xor ${MASQUERADE_MARK}`,
    `add rule ${T} masquerading masquerade fully-random`,
    `add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
  );
  if (input.serviceCIDR) {
    out.push(`add rule ${T} cluster-ips-check ip daddr { ${input.serviceCIDR} } drop comment "Drop traffic to unallocated ClusterIPs"`);
  }
  out.push(
    `add rule ${T} reject-chain reject`,
    `add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
    `add rule ${T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
    `add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`,
    `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
    `add element ${T} nodeport-ips { ${input.nodeIP} }`,
  );

  const clusterIPs = new Set<string>();
  for (const [index, sp] of input.services.entries()) {
    const lines = servicePortLines(sp, input, clusterIPs);
    eachPort?.(index, lines);
    out.push('', `# ${servicePortName(sp)}`, ...lines);
  }
  out.push('');
  return out;
}

function servicePortLines(sp: ServicePortState, input: ProxyInput, clusterIPs: Set<string>): string[] {
  const lines: string[] = [];
  const { clusterCIDR } = input;
  const name = servicePortName(sp);
  const protocol = sp.protocol.toLowerCase();
  const base = servicePortChainNameBase(sp);
  const svcChain = `service-${base}`;
  const localChain = `local-${base}`;
  const extChain = `external-${base}`;
  const fwChain = `firewall-${base}`;
  const all = kubeProxyEndpointOrder(sp.endpoints).map((e) => {
    const epBase = servicePortEndpointChainNameBase(sp, e);
    return { ip: e.ip, node: e.node, target: endpointString(e), chain: `endpoint-${epBase}`, affinitySet: `affinity-${epBase}` };
  });
  type Endpoint = (typeof all)[number];
  const policy = portPolicy(sp, all, input.node);
  const lbIPs = sp.loadBalancerIPs ?? [];
  const ranges = sp.loadBalancerSourceRanges ?? [];
  const usesFirewall = lbIPs.length > 0 && ranges.length > 0;
  const internalChain = policy.internalLocal ? localChain : svcChain;
  const externalPolicyChain = policy.externalLocal ? localChain : svcChain;
  const filterVerdict = policy.hasEndpoints ? 'drop' : 'goto reject-chain';
  const affinity = sp.affinitySeconds;
  const key = (ip: string) => `${ip} . ${protocol} . ${sp.port}`;

  // Chains first (a rule or map element can only name a chain that exists), then
  // affinity sets, rules, and the map elements that make the service reachable.
  for (const e of policy.reachable) lines.push(`add chain ${T} ${e.chain}`);
  if (policy.cluster.length) lines.push(`add chain ${T} ${svcChain}`);
  if (policy.local.length) lines.push(`add chain ${T} ${localChain}`);
  if (policy.usesExternalChain) lines.push(`add chain ${T} ${extChain}`);
  if (usesFirewall) lines.push(`add chain ${T} ${fwChain}`);
  if (affinity !== undefined) {
    for (const e of policy.reachable) lines.push(`add set ${T} ${e.affinitySet} { type ipv4_addr ; flags dynamic,timeout ; timeout ${affinity}s ; }`);
  }

  // loadBalancerSourceRanges: every other source is dropped (the node's own requests come from the address itself).
  if (usesFirewall) {
    const nodeIP = parseIp(input.nodeIP);
    const fromNode =
      nodeIP !== undefined &&
      ranges.some((r) => {
        const c = parseCidr(r, false);
        return c !== undefined && contains(c, nodeIP);
      });
    const sources = [...ranges, ...(fromNode ? lbIPs : [])].join(' , ');
    lines.push(`add rule ${T} ${fwChain} ip saddr != { ${sources} } drop`);
  }

  if (policy.hasInternalEndpoints && clusterCIDR)
    lines.push(`add rule ${T} ${internalChain} ip daddr ${sp.clusterIP} ip saddr != ${clusterCIDR} jump mark-for-masquerade`);

  if (policy.usesExternalChain) {
    if (!policy.externalLocal) {
      lines.push(`add rule ${T} ${extChain} jump mark-for-masquerade`);
    } else {
      if (clusterCIDR) lines.push(`add rule ${T} ${extChain} ip saddr ${clusterCIDR} goto ${svcChain} comment "short-circuit pod traffic"`);
      lines.push(
        `add rule ${T} ${extChain} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
        `add rule ${T} ${extChain} fib saddr type local goto ${svcChain} comment "short-circuit local traffic"`,
      );
    }
    if (policy.hasExternalEndpoints) lines.push(`add rule ${T} ${extChain} goto ${externalPolicyChain}`);
  }

  const toEndpoints = (chain: string, endpoints: readonly Endpoint[]) => {
    if (affinity !== undefined) for (const e of endpoints) lines.push(`add rule ${T} ${chain} ip saddr @${e.affinitySet} goto ${e.chain}`);
    const vmap = endpoints.map((e, i) => `${i} : goto ${e.chain}`).join(' , ');
    lines.push(`add rule ${T} ${chain} numgen random mod ${endpoints.length} vmap { ${vmap} }`);
  };
  if (policy.cluster.length) toEndpoints(svcChain, policy.cluster);
  if (policy.local.length) toEndpoints(localChain, policy.local);

  for (const e of policy.reachable) {
    lines.push(`add rule ${T} ${e.chain} ip saddr ${e.ip} jump mark-for-masquerade`);
    if (affinity !== undefined) lines.push(`add rule ${T} ${e.chain} update @${e.affinitySet} { ip saddr }`);
    lines.push(`add rule ${T} ${e.chain} meta l4proto ${protocol} dnat to ${e.target}`);
  }

  if (!clusterIPs.has(sp.clusterIP)) {
    clusterIPs.add(sp.clusterIP);
    lines.push(`add element ${T} cluster-ips { ${sp.clusterIP} }`);
  }
  if (policy.hasInternalEndpoints) lines.push(`add element ${T} service-ips { ${key(sp.clusterIP)} : goto ${internalChain} }`);
  else lines.push(`add element ${T} no-endpoint-services { ${key(sp.clusterIP)} comment "${name}" : ${filterVerdict} }`);
  for (const lbip of lbIPs) {
    if (policy.hasEndpoints) lines.push(`add element ${T} service-ips { ${key(lbip)} : goto ${extChain} }`);
    if (usesFirewall) lines.push(`add element ${T} firewall-ips { ${key(lbip)} : goto ${fwChain} }`);
  }
  if (!policy.hasExternalEndpoints)
    for (const lbip of lbIPs) lines.push(`add element ${T} no-endpoint-services { ${key(lbip)} comment "${name}" : ${filterVerdict} }`);
  if (sp.nodePort) {
    if (policy.hasEndpoints) lines.push(`add element ${T} service-nodeports { ${protocol} . ${sp.nodePort} : goto ${extChain} }`);
    if (!policy.hasExternalEndpoints)
      lines.push(`add element ${T} no-endpoint-nodeports { ${protocol} . ${sp.nodePort} comment "${name}" : ${filterVerdict} }`);
  }
  return lines;
}
