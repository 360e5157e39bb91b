// An answer that names another client than the check's source: a node masqueraded the packet.
// kube-proxy does that to external traffic of a Service with externalTrafficPolicy: Cluster
// (it may forward to another node's pod, and the answer must come back through it); only Local
// keeps the client's address. Pure: from the check's detail, the lab and the path.
import type { Lab } from '../../labfile/model.js';
import type { PathFacts } from './path.js';

/** The sentence when a check that wants the client's own address got a node's (undefined: not that). */
export function sourceIpLost(lab: Pick<Lab, 'services'>, f: Pick<PathFacts, 'source' | 'service' | 'nodes'>, detail: string): string | undefined {
  const said = /the answer lacks "client ([\d.]+):".*client ([\d.]+):/.exec(detail);
  const s = f.service;
  if (!said || !s || said[1] !== f.source.ip || said[2] === said[1]) return undefined;
  const spec = lab.services.find((x) => x.namespace === s.namespace && x.name === s.name);
  if (!spec || spec.type === 'ClusterIP' || spec.externalTrafficPolicy === 'Local') return undefined;
  const node = f.nodes.find((n) => n.ip === said[2]);
  return (
    `the pod saw ${node ? `${node.name} (${said[2]})` : said[2]}, not ${f.source.name} (${said[1]}): the node masqueraded it, as kube-proxy does to external traffic of ` +
    `service ${s.namespace}/${s.name}, whose externalTrafficPolicy is Cluster; only Local keeps the client's address`
  );
}
