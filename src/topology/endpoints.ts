// What a check's `from` / `to` names: a pod (and maybe a container and a port),
// a node, the router, the external client, an IP address or localhost.
import { parseIp } from './cidr.js';
import type { ContainerPort, ContainerSpec, Lab, NodeSpec, PodSpec } from './model.js';
import { didYouMean, suggestion } from './suggest.js';

export type EndpointRef =
  | { kind: 'pod'; pod: PodSpec; container?: ContainerSpec; port?: ContainerPort }
  | { kind: 'node'; node: NodeSpec }
  | { kind: 'router' }
  | { kind: 'external' }
  | { kind: 'ip'; ip: string; port?: number }
  | { kind: 'localhost'; port: number };

export interface EndpointError {
  error: string;
  hint?: string;
}

const SYNTAX =
  '<pod>, <pod>:<port>, <pod>/<container>, <pod>.<namespace>, a node name, router, external, a.b.c.d[:port] or localhost:<port>';

export function isEndpointError(value: EndpointRef | EndpointError): value is EndpointError {
  return 'error' in value;
}

/**
 * Resolves endpoint text against a lab:
 * `<pod>`, `<pod>:<port|portName>`, `<pod>/<container>[:<port|portName>]`,
 * `<pod>.<namespace>` (any of the above), a node name, `router` (routing: router),
 * `external` (topology.external), `a.b.c.d[:port]`, `localhost:<port>`.
 */
export function resolveEndpoint(lab: Pick<Lab, 'pods' | 'topology'>, text: string): EndpointRef | EndpointError {
  const written = text.trim();
  if (!written) return { error: 'empty endpoint', hint: `write ${SYNTAX}` };

  // Split off ":port" (pod, container and namespace names never hold ":").
  const colon = written.indexOf(':');
  const target = colon < 0 ? written : written.slice(0, colon);
  const portText = colon < 0 ? undefined : written.slice(colon + 1);
  if (portText !== undefined && portText === '') return { error: `"${written}" ends with ":" but names no port`, hint: `write a port after ":", e.g. ${target}:8080, or drop the ":"` };

  let portNumber: number | undefined;
  if (portText !== undefined && /^\d+$/.test(portText)) {
    portNumber = Number(portText);
    if (portNumber < 1 || portNumber > 65535) return { error: `port ${portText} is out of range`, hint: 'ports are 1 to 65535' };
  }

  // IP addresses.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(target)) {
    if (parseIp(target) === undefined) return { error: `${target} is not a valid IPv4 address`, hint: 'each of the four numbers is 0 to 255' };
    if (portText === undefined) return { kind: 'ip', ip: target };
    if (portNumber === undefined) return { error: `"${portText}" is not a port number`, hint: `after an IP address write a number, e.g. ${target}:8080` };
    return { kind: 'ip', ip: target, port: portNumber };
  }

  if (target === 'localhost') {
    if (portNumber === undefined)
      return {
        error: portText === undefined ? 'localhost needs a port' : `"${portText}" is not a port number`,
        hint: 'write localhost:<port>, e.g. localhost:8080 (a port of another container in the same pod)',
      };
    return { kind: 'localhost', port: portNumber };
  }

  const noPort = (what: string): EndpointError => ({
    error: `${what} takes no port here`,
    hint: `drop ":${portText}"; to reach a port, name a pod (e.g. server:8080) or an IP address`,
  });

  if (target === 'router') {
    if (lab.topology.routing !== 'router')
      return { error: 'this lab has no router (topology.routing is direct)', hint: 'set topology.routing: router, or name a node' };
    return portText === undefined ? { kind: 'router' } : noPort('router');
  }
  if (target === 'external') {
    if (!lab.topology.external) return { error: 'this lab has no external client', hint: 'set topology.external: true' };
    return portText === undefined ? { kind: 'external' } : noPort('external');
  }

  const node = lab.topology.nodes.find((n) => n.name === target);
  if (node) return portText === undefined ? { kind: 'node', node } : noPort(`node ${node.name}`);

  // Pods: <pod>[.<namespace>][/<container>]
  const slash = target.indexOf('/');
  const podPart = slash < 0 ? target : target.slice(0, slash);
  const containerName = slash < 0 ? undefined : target.slice(slash + 1);
  const dot = podPart.indexOf('.');
  const podName = dot < 0 ? podPart : podPart.slice(0, dot);
  const namespace = dot < 0 ? undefined : podPart.slice(dot + 1);

  const found = findPod(lab, podName, namespace);
  if ('error' in found) return found;
  const { pod } = found;
  const podLabel = displayPod(pod, lab.pods);

  let container: ContainerSpec | undefined;
  if (containerName !== undefined) {
    container = pod.containers.find((c) => c.name === containerName);
    if (!container) {
      const names = pod.containers.map((c) => c.name);
      return {
        error: `pod ${podLabel} has no container "${containerName}"`,
        hint: didYouMean(containerName, names) ?? `its containers: ${names.join(', ')}`,
      };
    }
  }

  if (portText === undefined) return container ? { kind: 'pod', pod, container } : { kind: 'pod', pod };

  const scope = container ? [container] : pod.containers;
  const declared = scope.flatMap((c) => c.ports);
  let port: ContainerPort | undefined;
  if (portNumber !== undefined) {
    port = declared.find((p) => p.containerPort === portNumber && p.protocol === 'TCP') ?? declared.find((p) => p.containerPort === portNumber);
    port ??= { containerPort: portNumber, protocol: 'TCP' };
  } else {
    port = declared.find((p) => p.name === portText);
    if (!port) {
      const names = declared.flatMap((p) => (p.name ? [p.name] : []));
      const owner = container ? `container ${podLabel}/${container.name}` : `pod ${podLabel}`;
      return {
        error: `${owner} declares no port named "${portText}"`,
        hint:
          didYouMean(portText!, names) ??
          (names.length
            ? `its port names: ${declared.filter((p) => p.name).map((p) => `${p.name} (${p.containerPort}/${p.protocol})`).join(', ')}; or write a number`
            : `it declares no named ports; write a number, e.g. ${target}:${declared[0]?.containerPort ?? 8080}`),
      };
    }
  }
  const ref: EndpointRef = { kind: 'pod', pod, port };
  if (container) ref.container = container;
  return ref;
}

function findPod(lab: Pick<Lab, 'pods' | 'topology'>, name: string, namespace: string | undefined): { pod: PodSpec } | EndpointError {
  const named = lab.pods.filter((p) => p.name === name);
  if (namespace !== undefined) {
    const pod = named.find((p) => p.namespace === namespace);
    if (pod) return { pod };
    if (named.length) {
      const spaces = named.map((p) => p.namespace);
      return {
        error: `no pod ${name} in namespace ${namespace}`,
        hint: didYouMean(namespace, spaces) ?? `${name} is in namespace ${spaces.join(', ')}: write ${spaces.map((s) => (s === 'default' && named.length === 1 ? name : `${name}.${s}`)).join(' or ')}`,
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
      ...lab.topology.nodes.map((n) => n.name),
      ...(lab.topology.routing === 'router' ? ['router'] : []),
      ...(lab.topology.external ? ['external'] : []),
    ]),
  ];
  const written = namespace === undefined ? name : `${name}.${namespace}`;
  return {
    error: `no pod or node named "${written}"`,
    hint: suggestion(name, known, 'known names') ?? `this lab has no pods; write ${SYNTAX}`,
  };
}

/** `web`, or `web.team-a` when the pod is outside default or its name is taken in another namespace. */
export function displayPod(pod: PodSpec, pods: readonly PodSpec[]): string {
  const unique = pods.filter((p) => p.name === pod.name).length <= 1;
  return unique && pod.namespace === 'default' ? pod.name : `${pod.name}.${pod.namespace}`;
}
