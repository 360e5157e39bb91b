// The iptables mode as a driver: kube-proxy's chains loaded with one iptables-restore per
// sync (rules.ts, sync.ts), read back with iptables-save (parse.ts, evidence.ts).
import type { NamespaceRef } from '../../../core/toolbox-request.js';
import type { NodeSync, PlannedSync, ProxyModeDriverOf } from '../driver.js';
import { loadStep } from '../shared.js';
import type { ProxySyncState } from '../sync-state.js';
import { endpointString, servicePortName } from '../names.js';
import type { ProxyInput } from '../types.js';
import { iptablesHops, natEvidence, natRuleMissing, postroutingEvidence } from './evidence.js';
import {
  CANARY_TABLES,
  iptablesJumps,
  iptablesRestore,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_CANARY,
  KUBE_SERVICES,
  servicePortChainName,
  servicePortEndpointChainName,
} from './rules.js';
import { iptablesRules } from './partial.js';
import { RESTORE, restoreSync } from './sync.js';

/**
 * The chains loaded with one restore; the jumps to them and kube-proxy's canary chains ensured,
 * and the chains of services and endpoints that are gone deleted (nothing jumps to them after the restore).
 */
function sync(input: ProxyInput, node: NamespaceRef): NodeSync {
  return fullSync(node, iptablesRestore(input));
}

function fullSync(node: NamespaceRef, rules: string): NodeSync {
  return restoreSync(node, rules, iptablesJumps(), { removeStale: true, canary: { chain: KUBE_PROXY_CANARY, tables: CANARY_TABLES } });
}

/**
 * A full sync as above, or (KEP-3453) one --noflush restore of what changed: like upstream's
 * partial syncs, it leaves the jumps and the canary to the full syncs, and it knows the stale
 * chains from the state rather than from a read-back.
 */
function partialSync(input: ProxyInput, node: NamespaceRef, nodeId: string, previous?: ProxySyncState): PlannedSync {
  const planned = iptablesRules(input, nodeId, previous);
  const sync: NodeSync = planned.partial
    ? { steps: planned.text ? [loadStep(node, RESTORE, planned.text)] : [], checks: [], after: () => [] }
    : fullSync(node, planned.text);
  return { sync, partial: planned.partial, state: planned.state };
}

export const iptablesDriver: ProxyModeDriverOf<'iptables'> = {
  name: 'iptables',
  title: 'iptables (KUBE-SERVICES chains)',
  description: "kube-proxy's default: nat chains KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-…, an endpoint chosen at random (-m statistic) and DNATed to.",
  sync,
  partialSync,
  serviceChain: (sp) => servicePortChainName('KUBE-SVC', servicePortName(sp), sp.protocol),
  endpointChain: (sp, ep) => servicePortEndpointChainName(servicePortName(sp), sp.protocol, endpointString(ep)),
  evidenceSteps: natEvidence,
  serviceRuleMissing: (evidence, s, node, lab) => natRuleMissing(evidence, s, node, lab, KUBE_SERVICES, true),
  nodePortRule: {
    command: ['iptables-save', '-t', 'nat'],
    present: (text, port) => new RegExp(`-A ${KUBE_NODEPORTS} .*--dport ${port}\\b`).test(text),
    where: KUBE_NODEPORTS,
  },
  explain: {
    serviceHops: iptablesHops,
    masquerade: { chain: `nat POSTROUTING → ${KUBE_POSTROUTING}`, evidence: postroutingEvidence },
    conntrack: { replyIsEndpoint: true, translated: (reply) => `DNATed to ${reply.src}:${reply.sport}` },
  },
};
