// The iptables mode as a driver: kube-proxy's chains loaded with one iptables-restore per
// sync (rules.ts, sync.ts), read back with iptables-save (parse.ts, evidence.ts).
import type { NamespaceRef } from '../../../core/toolbox-request.js';
import type { NodeSync, ProxyModeDriverOf } from '../driver.js';
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
import { restoreSync } from './sync.js';

/**
 * The chains loaded with one restore; the jumps to them and kube-proxy's canary chains ensured,
 * and the chains of services and endpoints that are gone deleted (nothing jumps to them after the restore).
 */
function sync(input: ProxyInput, node: NamespaceRef): NodeSync {
  return restoreSync(node, iptablesRestore(input), iptablesJumps(), { removeStale: true, canary: { chain: KUBE_PROXY_CANARY, tables: CANARY_TABLES } });
}

export const iptablesDriver: ProxyModeDriverOf<'iptables'> = {
  name: 'iptables',
  title: 'iptables (KUBE-SERVICES chains)',
  description: "kube-proxy's default: nat chains KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-…, an endpoint chosen at random (-m statistic) and DNATed to.",
  sync,
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
