// What a node's `ip kube-proxy` table says about a service, read back from `nft -a list
// table`: whether the service's map element is there (the diagnosis) and which chains one
// request went through (explain's hops). The table has no counters of its own, so explain
// adds one marked counter rule at the top of each chain for the request (nftCounterSteps).
// Pure.
import type { AgentStep, NamespaceRef, SectionStep } from '../../../core/toolbox-request.js';
import type { ExplainInput, ProxyEvidence, ProxyHop, ServiceRef } from '../driver.js';
import { counters, EXPLAIN_MARK } from '../shared.js';
import { mapElements, parseNftRules, serviceIpsElements, type NftRule } from './parse.js';
import { TABLE } from './rules.js';

/** No kube-proxy table, or no service-ips element for the service's cluster IP:port. */
export function serviceElementMissing(evidence: ProxyEvidence, s: ServiceRef, node: string, lab: string): string | undefined {
  if (evidence.nft === undefined) return undefined;
  if (!evidence.nft.includes(`table ip ${TABLE}`))
    return `node ${node} has no kube-proxy nftables table (nft list table ip ${TABLE}: ${evidence.nft.split('\n')[0]})`;
  if (!serviceIpsElements(evidence.nft).some((e) => e.key === `${s.clusterIP} . ${s.protocol} . ${s.port}`)) {
    return `node ${node}'s kube-proxy map service-ips has no element for ${s.clusterIP}:${s.port}/${s.protocol} (sync the lab: netlab sync ${lab})`;
  }
  return undefined;
}

/** The node's kube-proxy table with rule handles (`nft -a list table ip kube-proxy`), as the section `nft`. */
export function nftEvidence(node: NamespaceRef): SectionStep[] {
  return [{ section: 'nft', step: { argv: ['nft', '-a', 'list', 'table', 'ip', TABLE], netns: node } }];
}

/** A marked counter rule in one chain (nft reads its arguments as one command: the comment keeps its quotes). */
const counterRule = (chain: string): string[] => [chain, 'counter', 'comment', `"${EXPLAIN_MARK}"`];

/**
 * A counter rule at the top of each chain, and the removal of exactly those rules by handle,
 * the handles read from the table as listed after the request (`nft.after`, `nft -a`). A sync
 * in between replaces the whole table, which removes them as well (and lists none).
 */
export function nftCounterSteps(node: NamespaceRef, chains: readonly string[]): { add: AgentStep[]; remove(after: ReadonlyMap<string, string>): AgentStep[] } {
  return {
    add: chains.map((c) => ({ argv: ['nft', 'insert', 'rule', 'ip', TABLE, ...counterRule(c)], netns: node })),
    remove: (after) =>
      parseNftRules(after.get('nft.after') ?? '')
        .filter((r) => chains.includes(r.chain) && r.handle !== undefined && r.text.includes(`comment "${EXPLAIN_MARK}"`))
        .map((r) => ({ argv: ['nft', 'delete', 'rule', 'ip', TABLE, r.chain, 'handle', String(r.handle)], netns: node })),
  };
}

/** A service port's `external-…` chain (its NodePort traffic), named as its `service-…` chain is. */
export const externalChain = (s: Pick<ServiceRef, 'chain'>) => s.chain.replace(/^service-/, 'external-');

/** The service's chain, its endpoints' chains and (a nodePort) its external chain: where explain counts. */
export function serviceCounters(node: NamespaceRef, s: ServiceRef): ReturnType<typeof nftCounterSteps> {
  return nftCounterSteps(node, [...(s.nodePort ? [externalChain(s)] : []), s.chain, ...s.endpoints.map((e) => e.chain)]);
}

/** The masquerading chain's rules (hook postrouting: marked connections are masqueraded). */
export function masqueradingEvidence(sections: ReadonlyMap<string, string>): string[] {
  return parseNftRules(sections.get('nft.after') ?? '')
    .filter((r) => r.chain === 'masquerading')
    .map((r) => r.text);
}

const NAT_HOOK = { prerouting: 'nat-prerouting (hook prerouting)', output: 'nat-output (hook output)' } as const;

const marked = (rules: NftRule[], chain: string) => rules.find((r) => r.chain === chain && r.text.includes(EXPLAIN_MARK));

/**
 * The request's way through the table: into `services` from nat-prerouting (or nat-output, for
 * the node's own traffic), the service-ips map by cluster IP, or the nodeport-ips set and the
 * service-nodeports map by nodePort → the external chain (mark-for-masquerade); then the
 * service chain's numgen rule and each endpoint chain (its counter moved: chosen).
 */
export function nftablesHops({ service: s, where, before: read, sections, entry }: ExplainInput): { hops: ProxyHop[]; chosen?: string } {
  const hops: ProxyHop[] = [];
  let chosen: string | undefined;
  const before = parseNftRules(read.nft ?? '');
  const after = parseNftRules(sections.get('nft.after') ?? '');
  const hook = NAT_HOOK[entry?.hook ?? 'prerouting'];
  const counted = (chain: string) => {
    const m = marked(after, chain);
    return m ? counters(marked(before, chain)?.packets ?? 0, m.packets) : undefined;
  };
  if (entry?.kind === 'node-port') {
    const local = mapElements(read.nft ?? '', 'set', 'nodeport-ips').find((e) => e.key === entry.ip);
    const element = mapElements(read.nft ?? '', 'map', 'service-nodeports').find((e) => e.key === `${s.protocol} . ${entry.port}`);
    hops.push({
      hop: 'service-nodeports',
      where,
      what: !local
        ? `${hook} → services: ${entry.ip} is not in the set nodeport-ips, so no nodePort is taken on it`
        : element
          ? `${hook} → services: ${entry.ip} is in the set nodeport-ips; map service-nodeports sends ${element.key} to ${element.verdict}`
          : `map service-nodeports has no element for ${s.protocol} . ${entry.port}`,
      evidence: [...(local ? [`nodeport-ips: ${local.key}`] : []), ...(element ? [`service-nodeports: ${element.key} : ${element.verdict}`] : [])],
    });
    const ext = /goto (\S+)/.exec(element?.verdict ?? '')?.[1] ?? externalChain(s);
    const extRules = after.filter((r) => r.chain === ext && !r.text.includes(EXPLAIN_MARK));
    const masq = extRules.some((r) => r.text.includes('mark-for-masquerade'));
    hops.push({
      hop: ext,
      where,
      what: `external traffic to ${s.namespace}/${s.name}: ${masq ? 'jump mark-for-masquerade, ' : ''}then ${extRules.find((r) => /goto|jump/.test(r.text) && !r.text.includes('mark-for-masquerade'))?.text ?? 'no service chain'}`,
      evidence: extRules.map((r) => r.text),
      counters: counted(ext),
    });
    if (masq)
      hops.push({
        hop: 'mark-for-masquerade',
        where,
        what: 'mark the connection: it is masqueraded as it leaves the node (chain masquerading), since the endpoint may be on another node (externalTrafficPolicy: Cluster)',
        evidence: after.filter((r) => r.chain === 'mark-for-masquerade').map((r) => r.text),
      });
  } else {
    const element = serviceIpsElements(read.nft ?? '').find((e) => e.key === `${s.clusterIP} . ${s.protocol} . ${s.port}`);
    hops.push({
      hop: 'service-ips',
      where,
      what: element
        ? `${hook} → services: map service-ips sends ${element.key} to ${element.verdict}`
        : `map service-ips has no element for ${s.clusterIP} . ${s.protocol} . ${s.port}`,
      evidence: element ? [`${element.key} : ${element.verdict}`] : [],
    });
  }
  const svc = after.filter((r) => r.chain === s.chain && !r.text.includes(EXPLAIN_MARK));
  hops.push({
    hop: s.chain,
    where,
    what: `${s.namespace}/${s.name}: ${svc.find((r) => r.text.includes('numgen'))?.text.replace(/\{.*\}/, '{ … }') ?? 'no numgen rule'}`,
    evidence: svc.map((r) => r.text),
    counters: counted(s.chain),
  });
  for (const ep of s.endpoints) {
    const m = marked(after, ep.chain);
    const c = m ? counters(0, m.packets) : undefined;
    if (c?.moved) chosen = ep.ip;
    hops.push({
      hop: ep.chain,
      where,
      what: `dnat to ${ep.ip}:${ep.port} (pod ${ep.pod ?? '?'} on ${ep.node})${c?.moved ? ': chosen for this connection' : ''}`,
      evidence: after.filter((r) => r.chain === ep.chain && !r.text.includes(EXPLAIN_MARK)).map((r) => r.text),
      counters: c,
    });
  }
  return { hops, chosen };
}
