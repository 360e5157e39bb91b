// What a node's `ip kube-proxy` table says about a service, read back from `nft -a list
// table`: whether the service's map element is there (the diagnosis) and which chains one
// request went through (explain's hops). The table has no counters of its own, so explain
// adds one marked counter rule at the top of each chain for the request (nftCounterScripts).
// Pure.
import { shq } from '../../scripts.js';
import type { ExplainInput, ProxyEvidence, ProxyHop, ServiceRef } from '../driver.js';
import { counters, EXPLAIN_MARK } from '../shared.js';
import { parseNftRules, serviceIpsElements, type NftRule } from './parse.js';
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

/** A counter rule at the top of each chain (and the removal of exactly those rules, by handle). */
export function nftCounterScripts(nodePid: number, chains: string[]): { add: string; remove: string } {
  const nft = `nsenter --net=/proc/${nodePid}/ns/net nft`;
  return {
    add: chains.map((c) => `${nft} insert rule ip ${TABLE} ${shq(c)} counter comment '"${EXPLAIN_MARK}"' >/dev/null 2>&1`).join('\n'),
    remove: chains
      .map(
        (c) =>
          `for h in $(${nft} -a list chain ip ${TABLE} ${shq(c)} 2>/dev/null | sed -n 's/.*comment "${EXPLAIN_MARK}" # handle \\([0-9]*\\).*/\\1/p'); do ${nft} delete rule ip ${TABLE} ${shq(c)} handle $h; done`,
      )
      .join('\n'),
  };
}

/** The service's chain and its endpoints' chains: where explain counts. */
export function serviceCounters(nodePid: number, s: ServiceRef): { add: string; remove: string } {
  return nftCounterScripts(nodePid, [s.chain, ...s.endpoints.map((e) => e.chain)]);
}

const marked = (rules: NftRule[], chain: string) => rules.find((r) => r.chain === chain && r.text.includes(EXPLAIN_MARK));

/** The service-ips map element, the service chain's numgen rule, each endpoint chain (its counter moved: chosen). */
export function nftablesHops({ service: s, where, before: read, sections }: ExplainInput): { hops: ProxyHop[]; chosen?: string } {
  const hops: ProxyHop[] = [];
  let chosen: string | undefined;
  const before = parseNftRules(read.nft ?? '');
  const after = parseNftRules(sections.get('nft.after') ?? '');
  const element = serviceIpsElements(read.nft ?? '').find((e) => e.key === `${s.clusterIP} . ${s.protocol} . ${s.port}`);
  hops.push({
    hop: 'service-ips',
    where,
    what: element
      ? `nat prerouting → services: map service-ips sends ${element.key} to ${element.verdict}`
      : `map service-ips has no element for ${s.clusterIP} . ${s.protocol} . ${s.port}`,
    evidence: element ? [`${element.key} : ${element.verdict}`] : [],
  });
  const svc = after.filter((r) => r.chain === s.chain && !r.text.includes(EXPLAIN_MARK));
  const sc = marked(after, s.chain);
  hops.push({
    hop: s.chain,
    where,
    what: `${s.namespace}/${s.name}: ${svc.find((r) => r.text.includes('numgen'))?.text.replace(/\{.*\}/, '{ … }') ?? 'no numgen rule'}`,
    evidence: svc.map((r) => r.text),
    counters: sc ? counters(marked(before, s.chain)?.packets ?? 0, sc.packets) : undefined,
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
