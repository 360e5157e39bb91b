// The nftables mode as a driver: kube-proxy's private table `ip kube-proxy`, written in one
// `nft -f` transaction per sync (rules.ts; a full sync rewrites it in place, full.ts, and a
// partial one only what changed, partial.ts), read back with `nft list` (parse.ts, evidence.ts).
import { type AgentStep, lastWords, type NamespaceRef, type StepResult } from '../../../core/toolbox-request.js';
import type { NodeSync, PlannedSync, ProxyModeDriverOf } from '../driver.js';
import type { ProxySyncState } from '../sync-state.js';
import { listingSteps, NFT_LIST_CHAINS, NFT_LIST_SETS, staleCleanup } from './full.js';
import { nftablesRules } from './partial.js';
import { LOAD_TIMEOUT_MS, loadStep } from '../shared.js';
import type { ProxyInput } from '../types.js';
import { masqueradingEvidence, nftablesHops, nftEvidence, serviceCounters, serviceElementMissing } from './evidence.js';
import { nftablesScript, servicePortChainNameBase, servicePortEndpointChainNameBase, TABLE } from './rules.js';

const NFT_LOAD: AgentStep['argv'] = ['nft', '-f', '-'];

/** The whole table in one `nft -f -` (one transaction): nothing to read back. */
function sync(input: ProxyInput, node: NamespaceRef): NodeSync {
  return { steps: [loadStep(node, NFT_LOAD, nftablesScript(input))], checks: [], after: () => [] };
}

/**
 * The whole table rewritten in place, its chains and sets listed at the same time and the stale
 * ones deleted after (full.ts); or (KEP-3453) one transaction with what changed since the previous sync.
 */
function partialSync(input: ProxyInput, node: NamespaceRef, nodeId: string, previous?: ProxySyncState): PlannedSync {
  const planned = nftablesRules(input, nodeId, previous);
  const steps = planned.text ? [loadStep(node, NFT_LOAD, planned.text)] : [];
  const declared = planned.declared;
  if (!declared) return { sync: { steps, checks: [], after: () => [] }, partial: planned.partial, state: planned.state };
  const sync: NodeSync = {
    steps,
    checks: listingSteps(node, LOAD_TIMEOUT_MS),
    after(results: StepResult[]): AgentStep[] {
      const [chains, sets] = results;
      for (const [i, r] of [chains, sets].entries()) {
        const argv = (i ? NFT_LIST_SETS : NFT_LIST_CHAINS).join(' ');
        if (!r) throw new Error(`${argv} gave no result`);
        if (r.exitCode !== 0) throw new Error(`${argv} failed: ${lastWords(r) || `exit code ${r.exitCode}`}`);
      }
      const text = staleCleanup(chains!.stdout, sets!.stdout, declared);
      return text ? [loadStep(node, NFT_LOAD, text)] : [];
    },
  };
  return { sync, partial: false, state: planned.state };
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
