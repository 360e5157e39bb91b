// A Service manifest -> a ServiceSpec, with the rules Kubernetes checks on the
// manifest alone (ports, names, types, affinity). Rules that need the rest of the
// lab (service CIDR, pods, other Services) are in validate-services.ts.
import { parseIp } from '../../core/cidr.js';
import { formatLocation } from '../../core/errors.js';
import { IGNORED_FIELDS, valueIn, warnIgnored } from './fields.js';
import { parseAt } from './issues.js';
import type { ServicePortSpec, ServiceSpec, SourceLocation } from '../model.js';
import { keyAt, valueAt, type Place } from './positions.js';
import type { Problems } from './problems.js';
import { DEFAULT_AFFINITY_SECONDS, serviceManifestSchema } from '../schema/services.js';

/** A Service as read, with where it was written. */
export interface ServiceEntry {
  service: ServiceSpec;
  /** The manifest's root. */
  place: Place;
  /** Whether spec.type was written (else ClusterIP by default). */
  typeWritten: boolean;
}

export const HEADLESS = 'None';

/** `Service web` or `Service web.team-a`, as messages name it. */
export function serviceLabel(service: Pick<ServiceSpec, 'name' | 'namespace'>): string {
  return `Service ${service.name}${service.namespace === 'default' ? '' : `.${service.namespace}`}`;
}

export function readService(value: unknown, place: Place, problems: Problems): ServiceEntry | undefined {
  const manifest = parseAt(serviceManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  const { spec } = manifest;
  const at = (...steps: (string | number)[]) => valueAt(place, 'spec', ...steps);
  const before = problems.errors.length;

  warnIgnored(value, place, [], IGNORED_FIELDS.manifest, problems);
  warnIgnored(valueIn(value, ['metadata']), place, ['metadata'], IGNORED_FIELDS.metadata, problems);
  warnIgnored(valueIn(value, ['spec']), place, ['spec'], IGNORED_FIELDS.serviceSpec, problems);
  for (let i = 0; i < spec.ports.length; i++)
    warnIgnored(valueIn(value, ['spec', 'ports', i]), place, ['spec', 'ports', i], IGNORED_FIELDS.servicePort, problems);

  const service: ServiceSpec = {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? 'default',
    type: spec.type,
    selector: { ...(spec.selector ?? {}) },
    ports: [],
    sessionAffinity: spec.sessionAffinity,
    affinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS,
    at: valueAt(place),
  };
  const label = serviceLabel(service);
  const typeWritten = valueIn(value, ['spec', 'type']) !== undefined;

  // clusterIP: an address (range checked against serviceCIDR later), None, or allocated ("" as in Kubernetes).
  const clusterIP = spec.clusterIP?.trim();
  if (clusterIP === HEADLESS) {
    service.clusterIP = HEADLESS;
    if (spec.type === 'NodePort')
      problems.error(
        at('clusterIP'),
        `a NodePort Service cannot be headless (clusterIP: None): ${label} needs a cluster IP`,
        'remove clusterIP: None, or use type: ClusterIP for a headless Service',
      );
  } else if (clusterIP !== undefined && clusterIP !== '') {
    if (parseIp(clusterIP) === undefined)
      problems.error(
        at('clusterIP'),
        `clusterIP ${JSON.stringify(spec.clusterIP)} is not an IPv4 address`,
        clusterIP.toLowerCase() === 'none'
          ? 'write None (with a capital N) for a headless Service'
          : 'write an address inside topology.serviceCIDR (e.g. 10.96.0.20), None for a headless Service, or leave clusterIP out to have one allocated',
      );
    else service.clusterIP = clusterIP;
  }

  // clusterIPs: IPv4 only, so nothing but [clusterIP].
  if (spec.clusterIPs !== undefined) {
    const same = clusterIP !== undefined && clusterIP !== '' && spec.clusterIPs.length === 1 && spec.clusterIPs[0]?.trim() === clusterIP;
    if (same) warnIgnored(valueIn(value, ['spec']), place, ['spec'], ['clusterIPs'], problems);
    else
      problems.error(
        at('clusterIPs'),
        clusterIP === undefined || clusterIP === ''
          ? 'clusterIPs without clusterIP: netlab takes clusterIPs only as [clusterIP]'
          : `clusterIPs [${spec.clusterIPs.join(', ')}] is not [clusterIP] ([${clusterIP}])`,
        spec.clusterIPs.length === 1 && (clusterIP === undefined || clusterIP === '')
          ? `netlab is IPv4 only: write clusterIP: ${spec.clusterIPs[0]} and remove clusterIPs`
          : 'netlab is IPv4 only: remove clusterIPs and write the address in clusterIP',
      );
  }

  // Ports.
  const many = spec.ports.length > 1;
  const names = new Map<string, SourceLocation>();
  const portsSeen = new Map<string, SourceLocation>();
  const nodePortsSeen = new Map<string, SourceLocation>();
  spec.ports.forEach((p, i) => {
    const port: ServicePortSpec = {
      ...(p.name === undefined ? {} : { name: p.name }),
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      ...(p.nodePort === undefined ? {} : { nodePort: p.nodePort }),
      at: at('ports', i),
    };
    service.ports.push(port);

    if (many && p.name === undefined)
      problems.error(
        at('ports', i),
        `${label} has ${spec.ports.length} ports, so each needs a name`,
        `add name: ${p.protocol.toLowerCase()}-${p.port} (or any name: at most 15 lowercase letters, digits and "-")`,
      );
    if (p.name !== undefined) {
      const first = names.get(p.name);
      if (first)
        problems.error(
          at('ports', i, 'name'),
          `port name ${p.name} is used twice in ${label} (first at ${formatLocation(first)})`,
          'give each port of a Service its own name',
        );
      else names.set(p.name, at('ports', i, 'name'));
    }
    const key = `${p.port}/${p.protocol}`;
    const first = portsSeen.get(key);
    if (first)
      problems.error(
        at('ports', i, 'port'),
        `port ${key} is listed twice in ${label} (first at ${formatLocation(first)})`,
        `list each port and protocol once: pick another port${p.protocol === 'TCP' ? ', or write protocol: UDP for the UDP one' : ''}`,
      );
    else portsSeen.set(key, at('ports', i, 'port'));

    if (p.nodePort !== undefined) {
      if (spec.type !== 'NodePort') {
        problems.error(
          at('ports', i, 'nodePort'),
          `nodePort only applies to type NodePort, and ${label} is ${spec.type}${typeWritten ? '' : ' (the default type)'}`,
          typeWritten ? 'write type: NodePort, or remove nodePort' : 'add `type: NodePort` under spec, or remove nodePort',
        );
      } else {
        // Kubernetes allows one nodePort for the TCP and the UDP port of one Service, not twice for one protocol.
        const nodeKey = `${p.nodePort}/${p.protocol}`;
        const firstNode = nodePortsSeen.get(nodeKey);
        if (firstNode)
          problems.error(
            at('ports', i, 'nodePort'),
            `nodePort ${nodeKey} is used twice in ${label} (first at ${formatLocation(firstNode)})`,
            'give each port its own nodePort, or leave it out to have one allocated',
          );
        else nodePortsSeen.set(nodeKey, at('ports', i, 'nodePort'));
      }
    }
  });

  // Session affinity.
  if (spec.sessionAffinityConfig !== undefined && spec.sessionAffinity !== 'ClientIP')
    problems.error(
      keyAt(place, 'spec', 'sessionAffinityConfig'),
      'sessionAffinityConfig only applies with sessionAffinity: ClientIP',
      'add `sessionAffinity: ClientIP` under spec, or remove sessionAffinityConfig',
    );

  if (spec.externalName !== undefined)
    problems.error(
      keyAt(place, 'spec', 'externalName'),
      'externalName only applies to type ExternalName, which netlab does not support',
      'remove externalName',
    );

  // No selector: Kubernetes would leave the endpoints to the user; netlab has no Endpoints objects.
  if (Object.keys(service.selector).length === 0 && problems.errors.length === before) {
    const written = valueIn(value, ['spec', 'selector']) !== undefined;
    problems.warn(
      written ? at('selector') : keyAt(place, 'spec'),
      `${label} has ${written ? 'an empty selector' : 'no selector'}: it will have no endpoints`,
      "add a selector matching the pods' labels, e.g. selector: {app: web}; netlab has no Endpoints objects to fill in by hand",
    );
  }

  return problems.errors.length > before ? undefined : { service, place, typeWritten };
}
