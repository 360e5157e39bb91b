// What a node's iptables rules say about a service, read back from `iptables-save -t nat -c`:
// whether its rules are there (the diagnosis) and which rules one request went through
// (explain's hops, from the counters before and after, entering by a cluster IP or a nodePort). Pure.
import type { NamespaceRef, SectionStep } from '../../../core/toolbox-request.js';
import type { ExplainInput, ProxyEvidence, ProxyHop, ServiceRef } from '../driver.js';
import { counters } from '../shared.js';
import { entryRule, parseIptablesSave, rulesText, type IptRule } from './parse.js';
import { KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_SERVICES, MASQUERADE_MARK } from './rules.js';

/** The node's nat table with its counters (`iptables-save -t nat -c`), as the section `nat`. */
export function natEvidence(node: NamespaceRef): SectionStep[] {
  return [{ section: 'nat', step: { argv: ['iptables-save', '-t', 'nat', '-c'], netns: node } }];
}

/**
 * No rule in `chain` (the nat table's entry: KUBE-SERVICES, or the userspace portals) for the
 * service's cluster IP:port; with `endpoints`, also a service chain that jumps to no KUBE-SEP.
 */
export function natRuleMissing(evidence: ProxyEvidence, s: ServiceRef, node: string, lab: string, chain: string, endpoints: boolean): string | undefined {
  if (evidence.nat === undefined) return undefined;
  const rules = parseIptablesSave(evidence.nat);
  if (!entryRule(rules, chain, s))
    return `node ${node} has no ${chain} rule for ${s.clusterIP}:${s.port}/${s.protocol} in its nat table (sync the lab: netlab sync ${lab})`;
  if (endpoints && !rules.some((r) => r.chain === s.chain && r.target?.startsWith('KUBE-SEP-'))) {
    return `node ${node}'s ${s.chain} (${s.namespace}/${s.name}) jumps to no KUBE-SEP chain`;
  }
  return undefined;
}

const NAT_HOOK = { prerouting: 'nat PREROUTING', output: 'nat OUTPUT' } as const;

/** The rule of `chain` that takes the nodePort (KUBE-NODEPORTS: `-p tcp ... --dport 30500 -j KUBE-EXT-…`). */
function nodePortRule(rules: readonly IptRule[], chain: string, port: number, proto: string): IptRule | undefined {
  return rules.find((r) => r.chain === chain && new RegExp(`-p ${proto}(\\s|$)`).test(r.spec) && new RegExp(`--dport ${port}(\\s|$)`).test(r.spec));
}

/** The same rule (same chain and spec) in another read, for its counter before. */
const sameRule = (rules: readonly IptRule[], r: IptRule | undefined) => (r ? rules.find((x) => x.chain === r.chain && x.spec === r.spec) : undefined);

/**
 * The rules one request went through on the node, from its entry: KUBE-SERVICES by cluster IP,
 * or (a nodePort) KUBE-SERVICES' last rule → KUBE-NODEPORTS → KUBE-EXT-… (KUBE-MARK-MASQ), then
 * the service chain (KUBE-SVC-…, or KUBE-SVL-… under a Local policy) and each KUBE-SEP (its DNAT
 * counter moved: chosen). Each chain is followed by the jump its rules make, as loaded.
 */
export function iptablesHops({ service: s, where, before: read, sections, entry }: ExplainInput): { hops: ProxyHop[]; chosen?: string } {
  const hops: ProxyHop[] = [];
  let chosen: string | undefined;
  const before = parseIptablesSave(read.nat ?? '');
  const after = parseIptablesSave(sections.get('nat.after') ?? '');
  const hook = NAT_HOOK[entry?.hook ?? 'prerouting'];
  const counted = (r: IptRule | undefined) => (r ? counters(sameRule(before, r)?.packets, r.packets) : undefined);
  // The chain the packet goes to next, and the rule that sent it there (its counter is the chain's).
  let next: string | undefined;
  let into: IptRule | undefined;
  if (entry?.kind === 'node-port') {
    const toNodePorts = after.find((r) => r.chain === KUBE_SERVICES && r.target === KUBE_NODEPORTS);
    hops.push({
      hop: KUBE_SERVICES,
      where,
      what: toNodePorts
        ? `${hook} → ${KUBE_SERVICES}: ${entry.ip}:${entry.port}/${s.protocol} is no cluster IP; the chain's last rule sends the node's own addresses (addrtype LOCAL) to ${KUBE_NODEPORTS}`
        : `${hook} → ${KUBE_SERVICES}: no rule sends the node's own addresses to ${KUBE_NODEPORTS}`,
      evidence: toNodePorts ? rulesText([toNodePorts]) : [],
      counters: counted(toNodePorts),
    });
    const np = nodePortRule(after, KUBE_NODEPORTS, entry.port, s.protocol);
    hops.push({
      hop: KUBE_NODEPORTS,
      where,
      what: np
        ? `nodePort ${entry.port}/${s.protocol} of ${s.namespace}/${s.name}: jump to ${np.target}`
        : `no ${KUBE_NODEPORTS} rule for nodePort ${entry.port}/${s.protocol}`,
      evidence: np ? rulesText([np]) : [],
      counters: counted(np),
    });
    next = np?.target;
    into = np;
  } else {
    const e1 = entryRule(after, KUBE_SERVICES, s);
    hops.push({
      hop: KUBE_SERVICES,
      where,
      what: e1
        ? `${hook} → ${KUBE_SERVICES}: ${s.clusterIP}:${s.port}/${s.protocol} matches, jump to ${e1.target}`
        : `no ${KUBE_SERVICES} rule matches ${s.clusterIP}:${s.port}/${s.protocol}`,
      evidence: e1 ? rulesText([e1]) : [],
      counters: counted(e1),
    });
    next = e1?.target;
    into = e1;
  }

  // External traffic's chain: mark for masquerade (Cluster policy), then the service chain.
  if (next?.startsWith('KUBE-EXT-')) {
    const ext = after.filter((r) => r.chain === next);
    const mark = ext.find((r) => r.target === KUBE_MARK_MASQ);
    const jump = ext.find((r) => r.target?.startsWith('KUBE-SVC-') || r.target?.startsWith('KUBE-SVL-'));
    hops.push({
      hop: next,
      where,
      what: `external traffic to ${s.namespace}/${s.name}: ${mark ? `${KUBE_MARK_MASQ}, ` : ''}then jump to ${jump?.target ?? 'no service chain'}`,
      evidence: rulesText(ext),
      counters: counted(jump),
    });
    if (mark)
      hops.push({
        hop: KUBE_MARK_MASQ,
        where,
        what: `MARK ${MASQUERADE_MARK}: this connection is masqueraded as it leaves the node (${KUBE_POSTROUTING}), since the endpoint may be on another node (externalTrafficPolicy: Cluster)`,
        evidence: rulesText(after.filter((r) => r.chain === KUBE_MARK_MASQ)),
        counters: counted(mark),
      });
    next = jump?.target;
    into = jump;
  }

  const chain = next ?? s.chain;
  const svcRules = after.filter((r) => r.chain === chain);
  hops.push({
    hop: chain,
    where,
    what: `${s.namespace}/${s.name}: ${s.endpoints.length} endpoint(s), one chosen at random (-m statistic --mode random)`,
    evidence: rulesText(svcRules),
    counters: counted(into),
  });
  for (const ep of s.endpoints) {
    const dnat0 = before.find((r) => r.chain === ep.chain && r.target === 'DNAT');
    const dnat1 = after.find((r) => r.chain === ep.chain && r.target === 'DNAT');
    const c = counters(dnat0?.packets, dnat1?.packets);
    if (c?.moved) chosen = ep.ip;
    hops.push({
      hop: ep.chain,
      where,
      what: `DNAT to ${ep.ip}:${ep.port} (pod ${ep.pod ?? '?'} on ${ep.node})${c?.moved ? ': chosen for this connection' : ''}`,
      evidence: rulesText(after.filter((r) => r.chain === ep.chain)),
      counters: c,
    });
  }
  return { hops, chosen };
}

/** KUBE-POSTROUTING's rules (the MASQUERADE of marked connections), with their counters after the request. */
export function postroutingEvidence(sections: ReadonlyMap<string, string>): string[] {
  return rulesText(parseIptablesSave(sections.get('nat.after') ?? '').filter((r) => r.chain === KUBE_POSTROUTING));
}
