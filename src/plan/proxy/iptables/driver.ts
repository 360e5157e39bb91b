// The iptables mode as a driver: kube-proxy's chains loaded with one iptables-restore per
// sync (rules.ts), read back with iptables-save (parse.ts, evidence.ts).
import type { ProxyModeDriverOf } from '../driver.js';
import { endpointString, servicePortName } from '../names.js';
import { eachInNodeNet, heredoc, inNodeNet, servicePortsLine } from '../shared.js';
import type { ProxyInput } from '../types.js';
import { iptablesHops, natEvidence, natRuleMissing } from './evidence.js';
import {
  iptablesJumps,
  iptablesRestore,
  KUBE_CHAIN_PATTERN,
  KUBE_NODEPORTS,
  KUBE_SERVICES,
  servicePortChainName,
  servicePortEndpointChainName,
} from './rules.js';

/** The kube-proxy chains a restore input declares, sorted (the ones a sync keeps). */
function declaredChains(rules: string): string[] {
  return [
    ...new Set(
      rules
        .split('\n')
        .filter((l) => l.startsWith(':KUBE-'))
        .map((l) => l.slice(1).split(' ')[0]!),
    ),
  ].sort();
}

/** Deletes the per-service and per-endpoint chains not in `wanted` (services and endpoints that are gone). */
function staleChainsScript(ns: string, wanted: readonly string[]): string[] {
  return [
    `w=$(mktemp); cat > "$w" <<'NETLAB_WANTED'\n${wanted.join('\n')}\nNETLAB_WANTED`,
    // (All flushed first: a stale service chain still jumps to stale endpoint chains.)
    `for t in nat filter; do stale=$(${ns} iptables-save -t $t | sed -n 's/^:\\(${KUBE_CHAIN_PATTERN}\\) .*/\\1/p' | sort | comm -23 - "$w")`,
    `  for c in $stale; do ${ns} iptables -w -t $t -F "$c"; done; for c in $stale; do ${ns} iptables -w -t $t -X "$c"; done; done; rm -f "$w"`,
  ];
}

function syncScript(input: ProxyInput, nodePid: number): string {
  const ns = inNodeNet(nodePid);
  const rules = iptablesRestore(input);
  return [
    'set -e',
    ...eachInNodeNet(ns, iptablesJumps()),
    heredoc(`${ns} iptables-restore --noflush`, 'NETLAB_RULES', rules),
    // Chains of services and endpoints that are gone: nothing jumps to them after the restore.
    ...staleChainsScript(ns, declaredChains(rules)),
    servicePortsLine(input),
  ].join('\n');
}

export const iptablesDriver: ProxyModeDriverOf<'iptables'> = {
  name: 'iptables',
  title: 'iptables (KUBE-SERVICES chains)',
  description: "kube-proxy's default: nat chains KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-…, an endpoint chosen at random (-m statistic) and DNATed to.",
  syncScript,
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
    conntrack: { replyIsEndpoint: true, translated: (reply) => `DNATed to ${reply.src}:${reply.sport}` },
  },
};
