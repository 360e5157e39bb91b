// Rules for Services that span the lab: names unique per namespace, cluster IPs
// inside serviceCIDR and apart (and off the DNS address), nodePorts unique, and
// selectors and named target ports that find pods.
import { INGRESS_CLASS, selectsIngressController } from '../schema/ingresses.js';
import { contains, nth, parseCidr, parseIp, size, type Cidr } from '../../core/cidr.js';
import { selects } from '../endpoints.js';
import { formatLocation } from '../../core/errors.js';
import type { PodSpec, ServiceSpec, SourceLocation, Topology } from '../model.js';
import { valueAt } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import type { LabDraft } from '../read/read-lab.js';
import { NODE_PORT_RANGE } from '../schema/services.js';
import { HEADLESS, serviceLabel, type ServiceEntry } from '../read/services.js';
import { clusterDnsIP, DNS_ADDRESS_INDEX, DNS_SERVICE } from '../cluster-dns.js';

export { clusterDnsIP, DNS_ADDRESS_INDEX, DNS_SERVICE } from '../cluster-dns.js';

export { selects } from '../endpoints.js';

/** Checks the Services against each other, the topology and the pods; returns them. */
export function validateServices(draft: LabDraft, topology: Topology, pods: PodSpec[], problems: Problems): ServiceSpec[] {
  const entries = draft.workloads.services;
  const nameAt = (e: ServiceEntry) => valueAt(e.place, 'metadata', 'name');
  const specAt = (e: ServiceEntry, ...steps: (string | number)[]) => valueAt(e.place, 'spec', ...steps);
  const serviceCidr = draft.broken.topology ? undefined : parseCidr(topology.serviceCIDR);
  const dnsIP = topology.dns ? clusterDnsIP(topology.serviceCIDR) : undefined;

  const names = new Map<string, ServiceEntry>();
  const clusterIPs = new Map<string, ServiceEntry>();
  const nodePorts = new Map<number, { entry: ServiceEntry; at: SourceLocation }>();
  const written = new Set(entries.flatMap((e) => (e.service.clusterIP === undefined ? [] : [e.service.clusterIP])));
  const used = new Set(entries.flatMap((e) => e.service.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort]))));

  for (const entry of entries) {
    const { service } = entry;
    const label = serviceLabel(service);
    const key = `${service.namespace}/${service.name}`;

    // Names.
    const first = names.get(key);
    if (first)
      problems.error(
        nameAt(entry),
        `${label} is defined twice in namespace ${service.namespace} (first at ${formatLocation(nameAt(first))})`,
        'Service names must be unique in a namespace: rename one of them',
      );
    else names.set(key, entry);
    if (topology.dns && service.name === DNS_SERVICE.name && service.namespace === DNS_SERVICE.namespace && !draft.broken.topology)
      problems.error(
        nameAt(entry),
        "kube-dns in kube-system is netlab's own cluster DNS (CoreDNS) while topology.dns is on",
        "rename this Service, or set topology.dns: false to run without netlab's DNS",
      );

    // Cluster IP: inside serviceCIDR, not its network or broadcast address, not the DNS address, not taken.
    const ip = service.clusterIP;
    if (ip !== undefined && ip !== HEADLESS && serviceCidr) {
      const n = parseIp(ip)!;
      const example = freeClusterIP(serviceCidr, written, dnsIP);
      const other = clusterIPs.get(ip);
      if (!contains(serviceCidr, n))
        problems.error(
          specAt(entry, 'clusterIP'),
          `clusterIP ${ip} is outside serviceCIDR ${topology.serviceCIDR}`,
          `write an address inside it, e.g. clusterIP: ${example}, or leave clusterIP out to have one allocated`,
        );
      else if (n === serviceCidr.base || n === serviceCidr.base + size(serviceCidr) - 1)
        problems.error(
          specAt(entry, 'clusterIP'),
          `clusterIP ${ip} is the ${n === serviceCidr.base ? 'network' : 'broadcast'} address of serviceCIDR ${topology.serviceCIDR}`,
          `write another address, e.g. clusterIP: ${example}, or leave clusterIP out`,
        );
      else if (ip === dnsIP)
        problems.error(
          specAt(entry, 'clusterIP'),
          `clusterIP ${ip} is the cluster DNS address (kube-dns, the 10th address of serviceCIDR)`,
          `write another address, e.g. clusterIP: ${example}, or leave clusterIP out (or set topology.dns: false)`,
        );
      else if (other)
        problems.error(
          specAt(entry, 'clusterIP'),
          `clusterIP ${ip} is already ${serviceLabel(other.service)}'s (${formatLocation(specAt(other, 'clusterIP'))})`,
          'give each Service its own clusterIP, or leave clusterIP out to have one allocated',
        );
      else clusterIPs.set(ip, entry);
    }

    // nodePorts: one per Service across the lab (a Service may use one for its TCP and its UDP port).
    service.ports.forEach((port, i) => {
      if (port.nodePort === undefined || service.type === 'ClusterIP') return;
      const at = specAt(entry, 'ports', i, 'nodePort');
      const owner = nodePorts.get(port.nodePort);
      if (owner && owner.entry !== entry) {
        problems.error(
          at,
          `nodePort ${port.nodePort} is already used by ${serviceLabel(owner.entry.service)} (${formatLocation(owner.at)})`,
          `every node listens on a nodePort for one Service: pick another, e.g. nodePort: ${freeNodePort(port.nodePort, used)}, or leave it out`,
        );
      } else if (!owner) nodePorts.set(port.nodePort, { entry, at });
    });

    // Endpoints: pods the selector matches, and their named ports.
    if (Object.keys(service.selector).length === 0) continue; // warned when read
    const chosen = pods.filter((p) => selects(service, p));
    // The ingress controller's pod is netlab's (deployed with the lab's Ingresses), not the lab file's.
    if (chosen.length === 0 && selectsIngressController(service) && draft.workloads.ingresses.some((i) => i.ingress.className === INGRESS_CLASS)) continue;
    if (chosen.length === 0) {
      if (draft.workloads.broken.length === 0)
        problems.warn(
          specAt(entry, 'selector'),
          `the selector of ${label} matches no pod${service.namespace === 'default' ? '' : ` in namespace ${service.namespace}`}: it will have no endpoints`,
          selectorHint(service, pods),
        );
      continue;
    }
    service.ports.forEach((port, i) => {
      if (typeof port.targetPort !== 'string') return;
      const name = port.targetPort;
      const declared = chosen.flatMap((p) => p.containers.flatMap((c) => c.ports));
      if (declared.some((cp) => cp.name === name && cp.protocol === port.protocol)) return;
      const otherProtocol = declared.find((cp) => cp.name === name);
      const named = [...new Set(declared.flatMap((cp) => (cp.name && cp.protocol === port.protocol ? [cp.name] : [])))];
      problems.warn(
        specAt(entry, 'ports', i, 'targetPort'),
        `no pod selected by ${label} declares a ${port.protocol} container port named ${name}: Kubernetes would give this port no endpoints`,
        otherProtocol
          ? `their port ${name} is ${otherProtocol.protocol}: write protocol: ${otherProtocol.protocol} on this Service port`
          : named.length
            ? `name one of their ${port.protocol} ports (${named.join(', ')}), or write the port number`
            : `add \`name: ${name}\` to the container port, or write the port number as targetPort`,
      );
    });
  }
  return entries.map((e) => e.service);
}

function selectorHint(service: ServiceSpec, pods: PodSpec[]): string {
  const [key, value] = Object.entries(service.selector)[0]!;
  const values = [...new Set(pods.filter((p) => p.namespace === service.namespace && p.labels[key] !== undefined).map((p) => p.labels[key]!))];
  if (values.length)
    return `pods in namespace ${service.namespace} have ${key}: ${values.slice(0, 5).join(', ')}, not ${value}: make the selector match a pod's labels`;
  const inOthers = pods.filter((p) => p.namespace !== service.namespace && Object.entries(service.selector).every(([k, v]) => p.labels[k] === v));
  if (inOthers.length) return `the matching pods are in namespace ${inOthers[0]!.namespace}: a Service selects pods of its own namespace only`;
  return 'make the selector match the labels of the pods that should answer (spec.template.metadata.labels of a Deployment)';
}

/** An address of the service CIDR no Service has, from the 20th on (a round number for hints). */
function freeClusterIP(cidr: Cidr, taken: ReadonlySet<string>, dnsIP: string | undefined): string {
  const last = size(cidr) - 2;
  for (let i = Math.min(DNS_ADDRESS_INDEX * 2, last); i <= last; i++) {
    const ip = nth(cidr, i);
    if (!taken.has(ip) && ip !== dnsIP) return ip;
  }
  return nth(cidr, Math.min(DNS_ADDRESS_INDEX * 2, last));
}

function freeNodePort(from: number, used: ReadonlySet<number>): number {
  for (let p = from + 1; p <= NODE_PORT_RANGE.max; p++) if (!used.has(p)) return p;
  for (let p = NODE_PORT_RANGE.min; p < from; p++) if (!used.has(p)) return p;
  return from;
}
