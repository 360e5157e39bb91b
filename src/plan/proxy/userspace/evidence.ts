// What a node's userspace proxy does with a service, read back from `iptables-save -t nat -c`
// and netlab-proxy's config: the portal rule that REDIRECTs the cluster IP:port to the proxy's
// local port, and the endpoints the proxy itself connects to (explain's hops). Pure.
import type { ExplainInput, ProxyHop } from '../driver.js';
import { counters } from '../shared.js';
import { entryRule, parseIptablesSave, rulesText } from '../iptables/parse.js';
import { KUBE_PORTALS_CONTAINER, KUBE_PORTALS_HOST } from './rules.js';

interface ConfiguredPort {
  clusterIP: string;
  port: number;
  protocol: string;
  proxyPort: number;
  endpoints: string[];
}

/** The service's entry in netlab-proxy's config (undefined when it cannot be read). */
function configuredPort(config: string | undefined, s: ExplainInput['service']): ConfiguredPort | undefined {
  try {
    return (JSON.parse(config ?? '') as { services: ConfiguredPort[] }).services.find(
      (x) => x.clusterIP === s.clusterIP && x.port === s.port && x.protocol.toLowerCase() === s.protocol,
    );
  } catch {
    return undefined;
  }
}

/** The portal rule (its counter), then the proxy, which picks the endpoint itself (no counter shows which). */
export function userspaceHops({ service: s, where, before: read, sections, entry }: ExplainInput): { hops: ProxyHop[]; chosen?: string } {
  // The node's own traffic meets the host portals in nat OUTPUT (DNAT to the node's proxy port).
  const own = entry?.hook === 'output';
  const chain = own ? KUBE_PORTALS_HOST : KUBE_PORTALS_CONTAINER;
  const e0 = entryRule(parseIptablesSave(read.nat ?? ''), chain, s);
  const e1 = entryRule(parseIptablesSave(sections.get('nat.after') ?? ''), chain, s);
  const config = configuredPort(read.proxyConfig, s);
  const hops: ProxyHop[] = [
    {
      hop: chain,
      where,
      what: e1
        ? `${own ? 'nat OUTPUT' : 'nat PREROUTING'} → ${chain}: ${s.clusterIP}:${s.port} ${own ? 'DNATed' : 'REDIRECTed'} to the proxy's local port ${config?.proxyPort ?? '?'}`
        : `no ${chain} rule for ${s.clusterIP}:${s.port}`,
      evidence: e1 ? rulesText([e1]) : [],
      counters: e1 ? counters(e0?.packets, e1.packets) : undefined,
    },
    {
      hop: 'netlab-proxy',
      where,
      what: `the userspace proxy accepts on :${config?.proxyPort ?? '?'} and opens its own connection to one of ${config?.endpoints.join(', ') || 'no endpoint'} (round robin)`,
      evidence: config ? [JSON.stringify(config)] : [],
    },
  ];
  return { hops };
}
