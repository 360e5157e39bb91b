// What a check's `from` / `to` names: a pod (and maybe a container and a port),
// a Service (and maybe one of its ports), a node, the router, the external client,
// an IP address or localhost.
import { parseIp } from '../core/cidr.js';
import type { ContainerPort, ContainerSpec, Lab, NodeSpec, PodSpec, ServicePortSpec, ServiceSpec } from './model.js';
import { didYouMean, suggestion } from '../core/suggest.js';

export type EndpointRef =
  | { kind: 'pod'; pod: PodSpec; container?: ContainerSpec; port?: ContainerPort }
  /** `port` is set only when written (a Service with exactly one port may go without). */
  | { kind: 'service'; service: ServiceSpec; port?: ServicePortSpec }
  /** `port`: `<node>:<port>`, e.g. a nodePort (30000-32767) on the node's own address. */
  | { kind: 'node'; node: NodeSpec; port?: number }
  | { kind: 'router' }
  | { kind: 'external' }
  | { kind: 'ip'; ip: string; port?: number }
  | { kind: 'localhost'; port: number };

export interface EndpointError {
  error: string;
  hint?: string;
}

type LabView = Pick<Lab, 'pods' | 'topology' | 'services'>;

/** `service/<name>` always names a Service (so no pod may be named "service"). */
export const SERVICE_PREFIX = 'service';

const SYNTAX =
  '<pod>, <pod>:<port>, <pod>/<container>, <pod>.<namespace>, <service>[:<port>], service/<service>, <node>[:<port>], router, external, a.b.c.d[:port] or localhost:<port>';

export function isEndpointError(value: EndpointRef | EndpointError): value is EndpointError {
  return 'error' in value;
}

/**
 * Resolves endpoint text against a lab:
 * `<pod>`, `<pod>:<port|portName>`, `<pod>/<container>[:<port|portName>]`,
 * `<pod>.<namespace>` (any of the above), `<node>[:<port>]`, `router` (routing: router),
 * `external` (topology.external), `a.b.c.d[:port]`, `localhost:<port>`, and Services:
 * `service/<name>[.<namespace>][:<port|portName>]`, or without `service/` when no pod
 * (nor node, router, external) has that name. A Service's port is matched by its
 * `port` number or its name. A Service's DNS name is a Service too (`<name>.<namespace>.svc`,
 * `<name>.<namespace>.svc.cluster.local`, with or without the final dot); `from` is the
 * namespace of the pod that sends, whose resolv.conf search list tries its own namespace first:
 * a bare name in several namespaces is the one in that namespace.
 */
export function resolveEndpoint(lab: LabView, text: string, from?: { namespace: string }): EndpointRef | EndpointError {
  const written = text.trim();
  if (!written) return { error: 'empty endpoint', hint: `write ${SYNTAX}` };
  const split = splitPort(written);
  if ('error' in split) return split;
  const parts: Written = { ...split, ...serviceDnsName(split.target), ...(from ? { namespace: from.namespace } : {}) };
  // The first form that claims the text resolves it (a pod cannot shadow an IP, localhost, service/..., router, external or a node).
  return (
    resolveIp(parts) ??
    resolveLocalhost(parts) ??
    resolveServicePath(lab, parts) ??
    resolveRouter(lab, parts) ??
    resolveExternal(lab, parts) ??
    resolveNode(lab, parts) ??
    resolvePodOrService(lab, parts)
  );
}

/** Endpoint text split at its first ":"; `portNumber` is set when the port is written as a number. */
interface Written {
  written: string;
  target: string;
  portText?: string;
  portNumber?: number;
  /** The sender's namespace (its resolver's search list starts there). */
  namespace?: string;
}

/** The cluster domain netlab's CoreDNS serves. */
const CLUSTER_DOMAIN = 'cluster.local';

/** A Service's DNS name (`web.default.svc[.cluster.local][.]`) as `service/web.default`; other text unchanged. */
function serviceDnsName(target: string): { target: string } | undefined {
  const m = /^([^./:]+)\.([^./:]+)\.svc(?:\.([^/:]+?))?\.?$/.exec(target);
  if (!m || (m[3] !== undefined && m[3] !== CLUSTER_DOMAIN)) return undefined;
  return { target: `${SERVICE_PREFIX}/${m[1]}.${m[2]}` };
}

/** A resolution, or undefined when the text is not of this form. */
type Resolved = EndpointRef | EndpointError | undefined;

function splitPort(written: string): Written | EndpointError {
  // Pod, container and namespace names never hold ":".
  const colon = written.indexOf(':');
  const target = colon < 0 ? written : written.slice(0, colon);
  const portText = colon < 0 ? undefined : written.slice(colon + 1);
  if (portText !== undefined && portText === '')
    return { error: `"${written}" ends with ":" but names no port`, hint: `write a port after ":", e.g. ${target}:8080, or drop the ":"` };
  if (portText === undefined || !/^\d+$/.test(portText)) return { written, target, portText };
  const portNumber = Number(portText);
  if (portNumber < 1 || portNumber > 65535) return { error: `port ${portText} is out of range`, hint: 'ports are 1 to 65535' };
  return { written, target, portText, portNumber };
}

function resolveIp({ target, portText, portNumber }: Written): Resolved {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(target)) return undefined;
  if (parseIp(target) === undefined) return { error: `${target} is not a valid IPv4 address`, hint: 'each of the four numbers is 0 to 255' };
  if (portText === undefined) return { kind: 'ip', ip: target };
  if (portNumber === undefined) return { error: `"${portText}" is not a port number`, hint: `after an IP address write a number, e.g. ${target}:8080` };
  return { kind: 'ip', ip: target, port: portNumber };
}

function resolveLocalhost({ target, portText, portNumber }: Written): Resolved {
  if (target !== 'localhost') return undefined;
  if (portNumber === undefined)
    return {
      error: portText === undefined ? 'localhost needs a port' : `"${portText}" is not a port number`,
      hint: 'write localhost:<port>, e.g. localhost:8080 (a port of another container in the same pod)',
    };
  return { kind: 'localhost', port: portNumber };
}

/** `service/<name>[.<namespace>][:<port>]`. */
function resolveServicePath(lab: LabView, parts: Written): Resolved {
  if (!parts.target.startsWith(`${SERVICE_PREFIX}/`)) return undefined;
  const rest = parts.target.slice(SERVICE_PREFIX.length + 1);
  if (!rest || rest.includes('/'))
    return {
      error: `"${parts.written}" names no Service`,
      hint: `write service/<name>[.<namespace>][:<port>], e.g. service/${lab.services[0]?.name ?? 'web'}`,
    };
  const found = findService(lab, rest, true, parts.namespace);
  if ('error' in found) return found;
  return serviceRef(lab, found.service, parts.portText, parts.portNumber, parts.written);
}

function resolveRouter(lab: LabView, parts: Written): Resolved {
  if (parts.target !== 'router') return undefined;
  if (lab.topology.routing !== 'router')
    return { error: 'this lab has no router (topology.routing is direct)', hint: 'set topology.routing: router, or name a node' };
  return parts.portText === undefined ? { kind: 'router' } : noPort('router', parts.portText);
}

function resolveExternal(lab: LabView, parts: Written): Resolved {
  if (parts.target !== 'external') return undefined;
  if (!lab.topology.external) return { error: 'this lab has no external client', hint: 'set topology.external: true' };
  return parts.portText === undefined ? { kind: 'external' } : noPort('external', parts.portText);
}

function noPort(what: string, portText: string): EndpointError {
  return {
    error: `${what} takes no port here`,
    hint: `drop ":${portText}"; to reach a port, name a pod (e.g. server:8080), a Service, a node (a nodePort) or an IP address`,
  };
}

function resolveNode(lab: LabView, { target, portText, portNumber }: Written): Resolved {
  const node = lab.topology.nodes.find((n) => n.name === target);
  if (!node) return undefined;
  if (portText === undefined) return { kind: 'node', node };
  if (portNumber === undefined)
    return {
      error: `"${portText}" is not a port number`,
      hint: `a node has no named ports: write a number, e.g. ${node.name}:${nodePortOf(lab) ?? 30080} (a nodePort)`,
    };
  return { kind: 'node', node, port: portNumber };
}

/** `<pod>[.<namespace>][/<container>]`, split. */
interface PodText {
  /** `<pod>[.<namespace>]`. */
  podPart: string;
  podName: string;
  namespace?: string;
  containerName?: string;
}

function splitPodText(target: string): PodText {
  const slash = target.indexOf('/');
  const podPart = slash < 0 ? target : target.slice(0, slash);
  const containerName = slash < 0 ? undefined : target.slice(slash + 1);
  const dot = podPart.indexOf('.');
  const podName = dot < 0 ? podPart : podPart.slice(0, dot);
  const namespace = dot < 0 ? undefined : podPart.slice(dot + 1);
  return { podPart, podName, namespace, containerName };
}

/** A pod (maybe a container of it, maybe a port), or a Service by its bare name. */
function resolvePodOrService(lab: LabView, parts: Written): EndpointRef | EndpointError {
  const podText = splitPodText(parts.target);
  const service = resolveBareService(lab, parts, podText);
  if (service) return service;
  const found = findPod(lab, podText.podName, podText.namespace);
  if ('error' in found) return found;
  const { pod } = found;
  const podLabel = displayPod(pod, lab.pods);
  const container = findContainer(pod, podLabel, podText.containerName);
  if (container && 'error' in container) return container;
  if (parts.portText === undefined) return container ? { kind: 'pod', pod, container } : { kind: 'pod', pod };
  const port = podPort(parts, podLabel, pod, container);
  if ('error' in port) return port;
  const ref: EndpointRef = { kind: 'pod', pod, port };
  if (container) ref.container = container;
  return ref;
}

/** A Service by its bare name, when no pod has that name (in that namespace). */
function resolveBareService(lab: LabView, parts: Written, { podPart, podName, namespace, containerName }: PodText): Resolved {
  if (containerName !== undefined) return undefined;
  const inScope = (o: { name: string; namespace: string }) => o.name === podName && (namespace === undefined || o.namespace === namespace);
  if (lab.pods.some(inScope) || !lab.services.some(inScope)) return undefined;
  const service = findService(lab, podPart, false, parts.namespace);
  if ('error' in service) return service;
  return serviceRef(lab, service.service, parts.portText, parts.portNumber, parts.written);
}

/** The container named (undefined when none is written). */
function findContainer(pod: PodSpec, podLabel: string, containerName: string | undefined): ContainerSpec | EndpointError | undefined {
  if (containerName === undefined) return undefined;
  const container = pod.containers.find((c) => c.name === containerName);
  if (container) return container;
  const names = pod.containers.map((c) => c.name);
  return {
    error: `pod ${podLabel} has no container "${containerName}"`,
    hint: didYouMean(containerName, names) ?? `its containers: ${names.join(', ')}`,
  };
}

/** The port written after a pod: a number (declared or not, TCP first) or a declared port's name. */
function podPort(parts: Written, podLabel: string, pod: PodSpec, container: ContainerSpec | undefined): ContainerPort | EndpointError {
  const declared = (container ? [container] : pod.containers).flatMap((c) => c.ports);
  const { portNumber } = parts;
  if (portNumber !== undefined)
    return (
      declared.find((p) => p.containerPort === portNumber && p.protocol === 'TCP') ??
      declared.find((p) => p.containerPort === portNumber) ?? { containerPort: portNumber, protocol: 'TCP' }
    );
  const portText = parts.portText!;
  const port = declared.find((p) => p.name === portText);
  if (port) return port;
  const names = declared.flatMap((p) => (p.name ? [p.name] : []));
  const owner = container ? `container ${podLabel}/${container.name}` : `pod ${podLabel}`;
  return {
    error: `${owner} declares no port named "${portText}"`,
    hint:
      didYouMean(portText, names) ??
      (names.length
        ? `its port names: ${declared
            .filter((p) => p.name)
            .map((p) => `${p.name} (${p.containerPort}/${p.protocol})`)
            .join(', ')}; or write a number`
        : `it declares no named ports; write a number, e.g. ${parts.target}:${declared[0]?.containerPort ?? 8080}`),
  };
}

function findPod(lab: LabView, name: string, namespace: string | undefined): { pod: PodSpec } | EndpointError {
  const named = lab.pods.filter((p) => p.name === name);
  if (namespace !== undefined) {
    const pod = named.find((p) => p.namespace === namespace);
    if (pod) return { pod };
    if (named.length) {
      const spaces = named.map((p) => p.namespace);
      return {
        error: `no pod ${name} in namespace ${namespace}`,
        hint:
          didYouMean(namespace, spaces) ??
          `${name} is in namespace ${spaces.join(', ')}: write ${spaces.map((s) => (s === 'default' && named.length === 1 ? name : `${name}.${s}`)).join(' or ')}`,
      };
    }
  } else {
    if (named.length === 1) return { pod: named[0]! };
    if (named.length > 1) {
      return {
        error: `"${name}" names pods in several namespaces (${named.map((p) => p.namespace).join(', ')})`,
        hint: `write ${named.map((p) => `${name}.${p.namespace}`).join(' or ')}`,
      };
    }
  }
  const known = [
    ...new Set([
      ...lab.pods.map((p) => p.name),
      ...lab.services.map((s) => s.name),
      ...lab.topology.nodes.map((n) => n.name),
      ...(lab.topology.routing === 'router' ? ['router'] : []),
      ...(lab.topology.external ? ['external'] : []),
    ]),
  ];
  const written = namespace === undefined ? name : `${name}.${namespace}`;
  return {
    error: `no pod${lab.services.length ? ', Service' : ''} or node named "${written}"`,
    hint: suggestion(name, known, 'known names') ?? `this lab has no pods; write ${SYNTAX}`,
  };
}

/** `web`, or `web.team-a` when the pod is outside default or its name is taken in another namespace. */
export function displayPod(pod: PodSpec, pods: readonly PodSpec[]): string {
  const unique = pods.filter((p) => p.name === pod.name).length <= 1;
  return unique && pod.namespace === 'default' ? pod.name : `${pod.name}.${pod.namespace}`;
}

// ---------------------------------------------------------------- Services

/** `<name>[.<namespace>]` -> the Service; `explicit`: written as service/<...>. */
function findService(lab: LabView, text: string, explicit: boolean, searchFrom?: string): { service: ServiceSpec } | EndpointError {
  const dot = text.indexOf('.');
  const name = dot < 0 ? text : text.slice(0, dot);
  const namespace = dot < 0 ? undefined : text.slice(dot + 1);
  const prefix = explicit ? `${SERVICE_PREFIX}/` : '';
  const named = lab.services.filter((s) => s.name === name);
  if (namespace !== undefined) {
    const service = named.find((s) => s.namespace === namespace);
    if (service) return { service };
    if (named.length) {
      const spaces = named.map((s) => s.namespace);
      return {
        error: `no Service ${name} in namespace ${namespace}`,
        hint: didYouMean(namespace, spaces) ?? `${name} is in namespace ${spaces.join(', ')}: write ${spaces.map((s) => `${prefix}${name}.${s}`).join(' or ')}`,
      };
    }
  } else {
    if (named.length === 1) return { service: named[0]! };
    const own = named.find((s) => s.namespace === searchFrom);
    if (own) return { service: own };
    if (named.length > 1)
      return {
        error: `"${name}" names Services in several namespaces (${named.map((s) => s.namespace).join(', ')})`,
        hint: `write ${named.map((s) => `${prefix}${name}.${s.namespace}`).join(' or ')}`,
      };
  }
  const names = [...new Set(lab.services.map((s) => s.name))];
  return {
    error: `no Service named "${text}"`,
    hint: suggestion(name, names, 'its Services') ?? 'this lab has no Services; add a Service manifest (kind: Service) under workloads',
  };
}

function serviceRef(
  lab: LabView,
  service: ServiceSpec,
  portText: string | undefined,
  portNumber: number | undefined,
  written: string,
): EndpointRef | EndpointError {
  if (portText === undefined) return { kind: 'service', service };
  const label = `Service ${displayService(service, lab.services)}`;
  const base = written.slice(0, written.lastIndexOf(':'));
  const listed = service.ports.map((p) => `${p.name ? `${p.name} (${p.port}/${p.protocol})` : `${p.port}/${p.protocol}`}`).join(', ');
  if (portNumber !== undefined) {
    const port = service.ports.find((p) => p.port === portNumber && p.protocol === 'TCP') ?? service.ports.find((p) => p.port === portNumber);
    if (port) return { kind: 'service', service, port };
    // The pods' port written instead of the Service's: a number, or what a named targetPort means on its pods.
    const declared = lab.pods.filter((pod) => selects(service, pod)).flatMap((pod) => pod.containers.flatMap((c) => c.ports));
    const target = service.ports.find(
      (p) => p.targetPort === portNumber || declared.some((d) => d.name === p.targetPort && d.containerPort === portNumber && d.protocol === p.protocol),
    );
    return {
      error: `${label} has no port ${portNumber}`,
      hint: target
        ? `${portNumber} is the pods' port (targetPort); the Service listens on ${target.port}: write ${base}:${target.port}`
        : `its ports: ${listed}`,
    };
  }
  const port = service.ports.find((p) => p.name === portText);
  if (port) return { kind: 'service', service, port };
  const names = service.ports.flatMap((p) => (p.name ? [p.name] : []));
  return {
    error: `${label} has no port named "${portText}"`,
    hint:
      didYouMean(portText!, names) ??
      (names.length
        ? `its ports: ${listed}; or write a port number`
        : `its ports have no names; write the number, e.g. ${base}:${service.ports[0]?.port ?? 80}`),
  };
}

/** The first nodePort a NodePort Service of the lab declares, for examples. */
function nodePortOf(lab: LabView): number | undefined {
  return lab.services.flatMap((s) => (s.type !== 'ClusterIP' ? s.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort])) : []))[0];
}

/** Whether `pod` is one of the Service's endpoints (same namespace, every selector label matched). */
export function selects(service: Pick<ServiceSpec, 'namespace' | 'selector'>, pod: PodSpec): boolean {
  const entries = Object.entries(service.selector);
  return entries.length > 0 && pod.namespace === service.namespace && entries.every(([k, v]) => pod.labels[k] === v);
}

/** `web`, or `web.team-a` when the Service is outside default or its name is taken in another namespace. */
export function displayService(service: ServiceSpec, services: readonly ServiceSpec[]): string {
  const unique = services.filter((s) => s.name === service.name).length <= 1;
  return unique && service.namespace === 'default' ? service.name : `${service.name}.${service.namespace}`;
}
