// The userspace mode as a driver: netlab-proxy runs in every node (started before a sync,
// told of a new config with SIGHUP) and the nat rules send each cluster IP:port (and
// NodePort) to its local port (rules.ts); read back with iptables-save and the config.
import { shq } from '../../scripts.js';
import type { NodeProxyState, ProxyModeDriverOf } from '../driver.js';
import { natEvidence, natRuleMissing } from '../iptables/evidence.js';
import { eachInNodeNet, heredoc, inNodeNet, servicePortsLine } from '../shared.js';
import type { ProxyInput } from '../types.js';
import { userspaceHops } from './evidence.js';
import { KUBE_NODEPORT_CONTAINER, KUBE_PORTALS_CONTAINER, PROXY_CONFIG, userspaceConfig, type UserspaceConfig } from './rules.js';

/** Starts netlab-proxy in the node unless it runs (with an empty config at first); prints its config. */
function setupScript(node: string): string {
  const empty = JSON.stringify(userspaceConfig({ node, nodeIP: '0.0.0.0', clusterCIDR: '0.0.0.0/0', services: [] }).config);
  return [
    `mkdir -p ${PROXY_CONFIG.replace(/\/[^/]+$/, '')}`,
    `[ -f ${PROXY_CONFIG} ] || printf '%s' ${shq(empty)} > ${PROXY_CONFIG}`,
    `pgrep -x netlab-proxy >/dev/null || { nohup netlab-proxy --config ${PROXY_CONFIG} >/dev/null 2>&1 & }`,
    `cat ${PROXY_CONFIG}`,
  ].join('\n');
}

/** The local ports of the config now in the node (`ns/svc:port/PROTO` -> port): they stay where they are. */
function proxyPorts(config: string): NodeProxyState {
  try {
    const current = JSON.parse(config) as UserspaceConfig;
    return Object.fromEntries(current.services.map((s) => [`${s.serviceport}/${s.protocol}`, s.proxyPort]));
  } catch {
    return {};
  }
}

function syncScript(input: ProxyInput, nodePid: number, kept: NodeProxyState = {}): string {
  const ns = inNodeNet(nodePid);
  const file = `/proc/${nodePid}/root${PROXY_CONFIG}`;
  const { config, iptablesRestore: rules, jumps } = userspaceConfig(input, undefined, kept);
  return [
    'set -e',
    ...eachInNodeNet(ns, jumps),
    heredoc(`cat > ${file}.new`, 'NETLAB_CONFIG', JSON.stringify(config, null, 1)),
    `mv ${file}.new ${file}`,
    heredoc(`${ns} iptables-restore --noflush`, 'NETLAB_RULES', rules),
    // The proxy re-reads its config on SIGHUP (nodeSetup started it in the node).
    `for p in $(pgrep -x netlab-proxy); do [ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/${nodePid}/ns/net)" ] && kill -HUP $p; done; true`,
    servicePortsLine(input),
  ].join('\n');
}

export const userspaceDriver: ProxyModeDriverOf<'userspace'> = {
  name: 'userspace',
  title: 'userspace (a proxy process per node)',
  description:
    "The seed's mode (kube-proxy before 1.26): nat rules REDIRECT a cluster IP:port to netlab-proxy in the node, which opens its own connection to an endpoint (round robin).",
  nodeSetup: { what: 'the userspace proxy', script: setupScript, state: proxyPorts },
  syncScript,
  serviceChain: () => KUBE_PORTALS_CONTAINER,
  endpointChain: () => '',
  evidenceSteps: natEvidence,
  // The node's own `cat` reads its config: a link in the node resolves inside the node.
  evidenceInNode: [{ section: 'proxyconfig', command: ['cat', PROXY_CONFIG] }],
  serviceRuleMissing: (evidence, s, node, lab) => natRuleMissing(evidence, s, node, lab, KUBE_PORTALS_CONTAINER, false),
  nodePortRule: {
    command: ['iptables-save', '-t', 'nat'],
    present: (text, port) => new RegExp(`-A KUBE-NODEPORT-(CONTAINER|HOST) .*--dport ${port}\\b`).test(text),
    where: KUBE_NODEPORT_CONTAINER,
  },
  explain: {
    serviceHops: userspaceHops,
    conntrack: { replyIsEndpoint: false, translated: (reply) => `redirected to the proxy on ${reply.src}:${reply.sport}` },
  },
};
