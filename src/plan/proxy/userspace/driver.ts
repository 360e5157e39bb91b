// The userspace mode as a driver: netlab-proxy runs in every node (its config written by the
// sync, then started, or told to re-read it with SIGHUP) and the nat rules send each cluster
// IP:port (and NodePort) to its local port (rules.ts); read back with iptables-save and the config.
import type { NamespaceRef } from '../../../core/toolbox-request.js';
import type { NodeProxyState, NodeSync, ProxyModeDriverOf } from '../driver.js';
import { natEvidence, natRuleMissing } from '../iptables/evidence.js';
import { restoreSync } from '../iptables/sync.js';
import type { ProxyInput } from '../types.js';
import { userspaceHops } from './evidence.js';
import { KUBE_NODEPORT_CONTAINER, KUBE_PORTALS_CONTAINER, PROXY_CONFIG, userspaceConfig, type UserspaceConfig } from './rules.js';

/** The local ports of the config now in the node (`ns/svc:port/PROTO` -> port): they stay where they are. */
function proxyPorts(config: string): NodeProxyState {
  try {
    const current = JSON.parse(config) as UserspaceConfig;
    return Object.fromEntries(current.services.map((s) => [`${s.serviceport}/${s.protocol}`, s.proxyPort]));
  } catch {
    return {};
  }
}

/** The config into the node (nodeSetup's start then has the proxy read it), the portal rules and their jumps. */
function sync(input: ProxyInput, node: NamespaceRef, kept: NodeProxyState = {}): NodeSync {
  const { config, iptablesRestore: rules, jumps } = userspaceConfig(input, undefined, kept);
  return {
    ...restoreSync(node, rules, jumps, { removeStale: false }),
    // Put from the root, so that the config's directory is made when the node has none yet.
    files: { dir: '/', files: { [PROXY_CONFIG.slice(1)]: JSON.stringify(config, null, 1) } },
  };
}

export const userspaceDriver: ProxyModeDriverOf<'userspace'> = {
  name: 'userspace',
  title: 'userspace (a proxy process per node)',
  description:
    "The seed's mode (kube-proxy before 1.26): nat rules REDIRECT a cluster IP:port to netlab-proxy in the node, which opens its own connection to an endpoint (round robin).",
  nodeSetup: {
    what: 'the userspace proxy',
    read: ['cat', PROXY_CONFIG],
    state: proxyPorts,
    start: ['netlab-proxy', '--reload-or-start', '--config', PROXY_CONFIG],
  },
  sync,
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
