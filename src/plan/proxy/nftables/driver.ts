// The nftables mode as a driver: kube-proxy's private table `ip kube-proxy`, replaced in one
// `nft -f` transaction per sync (rules.ts), read back with `nft list` (parse.ts, evidence.ts).
import type { NamespaceRef } from '../../../core/toolbox-request.js';
import type { NodeSync, PlannedSync, ProxyModeDriverOf } from '../driver.js';
import type { ProxySyncState } from '../sync-state.js';
import { nftablesRules } from './partial.js';
import { loadStep } from '../shared.js';
import type { ProxyInput } from '../types.js';
import { masqueradingEvidence, nftablesHops, nftEvidence, serviceCounters, serviceElementMissing } from './evidence.js';
import { nftablesScript, servicePortChainNameBase, servicePortEndpointChainNameBase, TABLE } from './rules.js';

/** The whole table in one `nft -f -` (one transaction): nothing to read back. */
function sync(input: ProxyInput, node: NamespaceRef): NodeSync {
  return { steps: [loadStep(node, ['nft', '-f', '-'], nftablesScript(input))], checks: [], after: () => [] };
}

/** The whole table, or (KEP-3453) one transaction with what changed since the previous sync. */
function partialSync(input: ProxyInput, node: NamespaceRef, nodeId: string, previous?: ProxySyncState): PlannedSync {
  const planned = nftablesRules(input, nodeId, previous);
  const steps = planned.text ? [loadStep(node, ['nft', '-f', '-'], planned.text)] : [];
  return { sync: { steps, checks: [], after: () => [] }, partial: planned.partial, state: planned.state };
}

export const nftablesDriver: ProxyModeDriverOf<'nftables'> = {
  name: 'nftables',
  title: 'nftables (the ip kube-proxy table)',
  description: "kube-proxy's nftables mode: one verdict-map lookup (service-ips) per packet, then numgen random picks an endpoint chain that DNATs.",
  sync,
  partialSync,
  serviceChain: (sp) => `service-${servicePortChainNameBase(sp)}`,
  endpointChain: (sp, ep) => `endpoint-${servicePortEndpointChainNameBase(sp, ep)}`,
  evidenceSteps: nftEvidence,
  serviceRuleMissing: serviceElementMissing,
  nodePortRule: {
    command: ['nft', 'list', 'map', 'ip', TABLE, 'service-nodeports'],
    present: (text, port) => new RegExp(`\\b${port}\\s*:`).test(text),
    where: 'the service-nodeports map',
  },
  explain: {
    counters: serviceCounters,
    serviceHops: nftablesHops,
    masquerade: { chain: 'nat-postrouting (hook postrouting) → masquerading', evidence: masqueradingEvidence },
    conntrack: { replyIsEndpoint: true, translated: (reply) => `DNATed to ${reply.src}:${reply.sport}` },
  },
};
