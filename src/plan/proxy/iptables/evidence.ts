// What a node's iptables rules say about a service, read back from `iptables-save -t nat -c`:
// whether its rules are there (the diagnosis) and which rules one request went through
// (explain's hops, from the counters before and after). Pure.
import type { NamespaceRef, SectionStep } from '../../../core/toolbox-request.js';
import type { ExplainInput, ProxyEvidence, ProxyHop, ServiceRef } from '../driver.js';
import { counters } from '../shared.js';
import { entryRule, parseIptablesSave, rulesText } from './parse.js';
import { KUBE_SERVICES } from './rules.js';

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

/** KUBE-SERVICES, the service's KUBE-SVC chain, each KUBE-SEP (its DNAT counter moved: chosen). */
export function iptablesHops({ service: s, where, before: read, sections }: ExplainInput): { hops: ProxyHop[]; chosen?: string } {
  const hops: ProxyHop[] = [];
  let chosen: string | undefined;
  const before = parseIptablesSave(read.nat ?? '');
  const after = parseIptablesSave(sections.get('nat.after') ?? '');
  const e0 = entryRule(before, KUBE_SERVICES, s);
  const e1 = entryRule(after, KUBE_SERVICES, s);
  hops.push({
    hop: 'KUBE-SERVICES',
    where,
    what: e1
      ? `nat PREROUTING → KUBE-SERVICES: ${s.clusterIP}:${s.port}/${s.protocol} matches, jump to ${e1.target}`
      : `no KUBE-SERVICES rule matches ${s.clusterIP}:${s.port}/${s.protocol}`,
    evidence: e1 ? rulesText([e1]) : [],
    counters: e1 ? counters(e0?.packets, e1.packets) : undefined,
  });
  hops.push({
    hop: s.chain,
    where,
    what: `${s.namespace}/${s.name}: ${s.endpoints.length} endpoint(s), one chosen at random (-m statistic --mode random)`,
    evidence: rulesText(after.filter((r) => r.chain === s.chain)),
    counters: e1 ? counters(e0?.packets, e1.packets) : undefined,
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
