// A Service manifest -> a ServiceSpec, with the rules Kubernetes checks on the
// manifest alone (ports, names, types, affinity). Rules that need the rest of the
// lab (service CIDR, pods, other Services) are in validate-services.ts.
import { parseCidr, parseIp } from '../../core/cidr.js';
import { formatLocation } from '../../core/errors.js';
import { IGNORED_FIELDS, valueIn, warnIgnored } from './fields.js';
import { parseAt } from './issues.js';
import type { ServicePortSpec, ServiceSpec, SourceLocation } from '../model.js';
import { keyAt, valueAt, type Place } from './positions.js';
import type { Problems } from './problems.js';
import { DEFAULT_AFFINITY_SECONDS, type ServiceManifest, serviceManifestSchema } from '../schema/services.js';
import { serviceLabel } from '../service-label.js';

/** A Service as read, with where it was written. */
export interface ServiceEntry {
  service: ServiceSpec;
  /** The manifest's root. */
  place: Place;
  /** Whether spec.type was written (else ClusterIP by default). */
  typeWritten: boolean;
}

export const HEADLESS = 'None';

export { serviceLabel } from '../service-label.js';

type Spec = ServiceManifest['spec'];
type Port = Spec['ports'][number];

/** One Service manifest being read: what it says, how messages name it, and where problems go. */
interface ServiceRead {
  /** The manifest as written. */
  value: unknown;
  place: Place;
  spec: Spec;
  label: string;
  typeWritten: boolean;
  problems: Problems;
  /** Where spec.<steps> was written. */
  at: (...steps: (string | number)[]) => SourceLocation;
}

export function readService(value: unknown, place: Place, problems: Problems): ServiceEntry | undefined {
  const manifest = parseAt(serviceManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  const { spec } = manifest;
  const at = (...steps: (string | number)[]) => valueAt(place, 'spec', ...steps);
  const before = problems.errors.length;
  warnIgnoredFields(value, place, spec.ports.length, problems);

  const service = serviceOf(manifest, place, at);
  const typeWritten = valueIn(value, ['spec', 'type']) !== undefined;
  const read: ServiceRead = { value, place, spec, label: serviceLabel(service), typeWritten, problems, at };
  const clusterIP = spec.clusterIP?.trim();
  const address = readClusterIP(read, clusterIP);
  if (address !== undefined) service.clusterIP = address;
  checkClusterIPs(read, clusterIP);
  checkPorts(read);
  checkSpecFields(read);
  checkExternalFields(read);
  if (problems.errors.length === before) warnNoSelector(read, service);

  return problems.errors.length > before ? undefined : { service, place, typeWritten };
}

/** Kubernetes fields netlab accepts and ignores, each with a warning. */
function warnIgnoredFields(value: unknown, place: Place, ports: number, problems: Problems): void {
  warnIgnored(value, place, [], IGNORED_FIELDS.manifest, problems);
  warnIgnored(valueIn(value, ['metadata']), place, ['metadata'], IGNORED_FIELDS.metadata, problems);
  warnIgnored(valueIn(value, ['spec']), place, ['spec'], IGNORED_FIELDS.serviceSpec, problems);
  for (let i = 0; i < ports; i++) warnIgnored(valueIn(value, ['spec', 'ports', i]), place, ['spec', 'ports', i], IGNORED_FIELDS.servicePort, problems);
}

/** The model, without clusterIP (that needs checking first). */
function serviceOf({ metadata, spec }: ServiceManifest, place: Place, at: ServiceRead['at']): ServiceSpec {
  return {
    name: metadata.name,
    namespace: metadata.namespace ?? 'default',
    type: spec.type,
    selector: { ...(spec.selector ?? {}) },
    ports: spec.ports.map((p, i) => portOf(p, at('ports', i))),
    sessionAffinity: spec.sessionAffinity,
    affinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS,
    ...(spec.externalTrafficPolicy === undefined ? {} : { externalTrafficPolicy: spec.externalTrafficPolicy }),
    ...(spec.internalTrafficPolicy === undefined ? {} : { internalTrafficPolicy: spec.internalTrafficPolicy }),
    ...(spec.loadBalancerIP === undefined || spec.loadBalancerIP.trim() === '' ? {} : { loadBalancerIP: spec.loadBalancerIP.trim() }),
    ...(spec.loadBalancerSourceRanges === undefined ? {} : { loadBalancerSourceRanges: spec.loadBalancerSourceRanges.map((r) => r.trim()) }),
    ...(spec.healthCheckNodePort === undefined ? {} : { healthCheckNodePort: spec.healthCheckNodePort }),
    at: valueAt(place),
  };
}

function portOf(p: Port, at: SourceLocation): ServicePortSpec {
  return {
    ...(p.name === undefined ? {} : { name: p.name }),
    protocol: p.protocol,
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    ...(p.nodePort === undefined ? {} : { nodePort: p.nodePort }),
    at,
  };
}

/**
 * clusterIP (trimmed): an address (range checked against serviceCIDR later), None, or
 * allocated ("" as in Kubernetes). Returns what the model keeps, if anything.
 */
function readClusterIP({ spec, label, problems, at }: ServiceRead, clusterIP: string | undefined): string | undefined {
  if (clusterIP === HEADLESS) {
    if (spec.type !== 'ClusterIP')
      problems.error(
        at('clusterIP'),
        `a ${spec.type} Service cannot be headless (clusterIP: None): ${label} needs a cluster IP`,
        'remove clusterIP: None, or use type: ClusterIP for a headless Service',
      );
    return HEADLESS;
  }
  if (clusterIP === undefined || clusterIP === '') return undefined;
  if (parseIp(clusterIP) !== undefined) return clusterIP;
  problems.error(
    at('clusterIP'),
    `clusterIP ${JSON.stringify(spec.clusterIP)} is not an IPv4 address`,
    clusterIP.toLowerCase() === 'none'
      ? 'write None (with a capital N) for a headless Service'
      : 'write an address inside topology.serviceCIDR (e.g. 10.96.0.20), None for a headless Service, or leave clusterIP out to have one allocated',
  );
  return undefined;
}

/** clusterIPs: IPv4 only, so nothing but [clusterIP]. */
function checkClusterIPs({ value, place, spec, problems, at }: ServiceRead, clusterIP: string | undefined): void {
  if (spec.clusterIPs === undefined) return;
  const noClusterIP = clusterIP === undefined || clusterIP === '';
  if (!noClusterIP && spec.clusterIPs.length === 1 && spec.clusterIPs[0]?.trim() === clusterIP) {
    warnIgnored(valueIn(value, ['spec']), place, ['spec'], ['clusterIPs'], problems);
    return;
  }
  problems.error(
    at('clusterIPs'),
    noClusterIP
      ? 'clusterIPs without clusterIP: netlab takes clusterIPs only as [clusterIP]'
      : `clusterIPs [${spec.clusterIPs.join(', ')}] is not [clusterIP] ([${clusterIP}])`,
    spec.clusterIPs.length === 1 && noClusterIP
      ? `netlab is IPv4 only: write clusterIP: ${spec.clusterIPs[0]} and remove clusterIPs`
      : 'netlab is IPv4 only: remove clusterIPs and write the address in clusterIP',
  );
}

/** Each port: named when there are several, names and port/protocol once each, nodePort only for NodePort and LoadBalancer. */
function checkPorts(read: ServiceRead): void {
  const names = new Map<string, SourceLocation>();
  const ports = new Map<string, SourceLocation>();
  const nodePorts = new Map<string, SourceLocation>();
  read.spec.ports.forEach((p, i) => {
    checkPortName(read, p, i, names);
    checkPortOnce(read, p, i, ports);
    if (p.nodePort !== undefined) checkNodePort(read, p, p.nodePort, i, nodePorts);
  });
}

function checkPortName({ spec, label, problems, at }: ServiceRead, p: Port, i: number, seen: Map<string, SourceLocation>): void {
  if (spec.ports.length > 1 && p.name === undefined)
    problems.error(
      at('ports', i),
      `${label} has ${spec.ports.length} ports, so each needs a name`,
      `add name: ${p.protocol.toLowerCase()}-${p.port} (or any name: at most 15 lowercase letters, digits and "-")`,
    );
  if (p.name === undefined) return;
  const first = seen.get(p.name);
  if (first)
    problems.error(
      at('ports', i, 'name'),
      `port name ${p.name} is used twice in ${label} (first at ${formatLocation(first)})`,
      'give each port of a Service its own name',
    );
  else seen.set(p.name, at('ports', i, 'name'));
}

function checkPortOnce({ label, problems, at }: ServiceRead, p: Port, i: number, seen: Map<string, SourceLocation>): void {
  const key = `${p.port}/${p.protocol}`;
  const first = seen.get(key);
  if (first)
    problems.error(
      at('ports', i, 'port'),
      `port ${key} is listed twice in ${label} (first at ${formatLocation(first)})`,
      `list each port and protocol once: pick another port${p.protocol === 'TCP' ? ', or write protocol: UDP for the UDP one' : ''}`,
    );
  else seen.set(key, at('ports', i, 'port'));
}

function checkNodePort({ spec, label, typeWritten, problems, at }: ServiceRead, p: Port, nodePort: number, i: number, seen: Map<string, SourceLocation>): void {
  if (spec.type === 'ClusterIP') {
    problems.error(
      at('ports', i, 'nodePort'),
      `nodePort only applies to types NodePort and LoadBalancer, and ${label} is ${spec.type}${typeWritten ? '' : ' (the default type)'}`,
      typeWritten ? 'write type: NodePort, or remove nodePort' : 'add `type: NodePort` under spec, or remove nodePort',
    );
    return;
  }
  // Kubernetes allows one nodePort for the TCP and the UDP port of one Service, not twice for one protocol.
  const key = `${nodePort}/${p.protocol}`;
  const first = seen.get(key);
  if (first)
    problems.error(
      at('ports', i, 'nodePort'),
      `nodePort ${key} is used twice in ${label} (first at ${formatLocation(first)})`,
      'give each port its own nodePort, or leave it out to have one allocated',
    );
  else seen.set(key, at('ports', i, 'nodePort'));
}

/** Fields that only apply to something else: sessionAffinityConfig, externalName. */
function checkSpecFields({ place, spec, problems }: ServiceRead): void {
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
}

/**
 * The fields of traffic from outside, where the API server accepts them: externalTrafficPolicy
 * on NodePort and LoadBalancer Services, the load balancer's own fields on LoadBalancer ones,
 * healthCheckNodePort only with externalTrafficPolicy Local.
 */
function checkExternalFields({ place, spec, label, problems, at }: ServiceRead): void {
  const external = spec.type !== 'ClusterIP';
  if (spec.externalTrafficPolicy !== undefined && !external)
    problems.error(
      at('externalTrafficPolicy'),
      `externalTrafficPolicy may only be set for externally-accessible Services, and ${label} is ClusterIP`,
      'write type: NodePort or type: LoadBalancer, or remove externalTrafficPolicy (internalTrafficPolicy is the one for cluster-IP traffic)',
    );
  for (const field of ['loadBalancerIP', 'loadBalancerSourceRanges'] as const)
    if (spec[field] !== undefined && spec.type !== 'LoadBalancer')
      problems.error(
        keyAt(place, 'spec', field),
        `${field} only applies to type LoadBalancer, and ${label} is ${spec.type}`,
        `write type: LoadBalancer, or remove ${field}`,
      );
  const lbip = spec.loadBalancerIP?.trim();
  if (lbip && parseIp(lbip) === undefined)
    problems.error(
      at('loadBalancerIP'),
      `loadBalancerIP ${JSON.stringify(spec.loadBalancerIP)} is not an IPv4 address`,
      'write an address of topology.loadBalancerPool, or leave loadBalancerIP out to have one allocated',
    );
  spec.loadBalancerSourceRanges?.forEach((range, i) => {
    if (parseCidr(range.trim(), false) === undefined)
      problems.error(
        at('loadBalancerSourceRanges', i),
        `loadBalancerSourceRanges entry ${JSON.stringify(range)} is not an IPv4 CIDR`,
        'write a.b.c.d/n, e.g. 172.30.5.0/24',
      );
  });
  if (spec.healthCheckNodePort !== undefined && (spec.type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local'))
    problems.error(
      at('healthCheckNodePort'),
      `healthCheckNodePort only applies to type LoadBalancer with externalTrafficPolicy: Local, and ${label} is ${spec.type}${spec.type === 'LoadBalancer' ? ` with externalTrafficPolicy ${spec.externalTrafficPolicy ?? 'Cluster'}` : ''}`,
      spec.type === 'LoadBalancer' ? 'add externalTrafficPolicy: Local, or remove healthCheckNodePort' : 'remove healthCheckNodePort',
    );
}

/** No selector: Kubernetes would leave the endpoints to the user; netlab has no Endpoints objects. */
function warnNoSelector({ value, place, label, problems, at }: ServiceRead, service: ServiceSpec): void {
  if (Object.keys(service.selector).length > 0) return;
  const written = valueIn(value, ['spec', 'selector']) !== undefined;
  problems.warn(
    written ? at('selector') : keyAt(place, 'spec'),
    `${label} has ${written ? 'an empty selector' : 'no selector'}: it will have no endpoints`,
    "add a selector matching the pods' labels, e.g. selector: {app: web}; netlab has no Endpoints objects to fill in by hand",
  );
}
