// A container's readinessProbe / livenessProbe, read: its handler with a named port resolved
// against the container's own ports (kubelet's findPortByName), an error at the line otherwise.
import type { ContainerPort, ContainerProbe, ProbeHandler } from '../model.js';
import type { ProbeInput } from '../schema/probes.js';
import { child, type Place, valueAt } from './positions.js';
import type { Problems } from './problems.js';

/** The probe as the model holds it; undefined (reported) when its port names no port of the container. */
export function readProbe(input: ProbeInput, ports: readonly ContainerPort[], place: Place, problems: Problems): ContainerProbe | undefined {
  const handler = readHandler(input, ports, place, problems);
  if (!handler) return undefined;
  return {
    handler,
    initialDelaySeconds: input.initialDelaySeconds,
    periodSeconds: input.periodSeconds,
    timeoutSeconds: input.timeoutSeconds,
    successThreshold: input.successThreshold,
    failureThreshold: input.failureThreshold,
    at: valueAt(place),
  };
}

function readHandler(input: ProbeInput, ports: readonly ContainerPort[], place: Place, problems: Problems): ProbeHandler | undefined {
  if (input.exec) return { kind: 'exec', command: [...input.exec.command] };
  const http = input.httpGet;
  const tcp = input.tcpSocket;
  const key = http ? 'httpGet' : 'tcpSocket';
  const written = (http ?? tcp)!.port;
  const port = resolvePort(written, ports, child(place, key, 'port'), problems);
  if (port === undefined) return undefined;
  const host = (http ?? tcp)!.host;
  if (http) {
    return {
      kind: 'httpGet',
      path: http.path.startsWith('/') ? http.path : `/${http.path}`,
      port,
      scheme: http.scheme,
      ...(host === undefined ? {} : { host }),
      headers: http.httpHeaders.map((h) => ({ name: h.name, value: h.value })),
    };
  }
  return { kind: 'tcpSocket', port, ...(host === undefined ? {} : { host }) };
}

function resolvePort(port: number | string, ports: readonly ContainerPort[], place: Place, problems: Problems): number | undefined {
  if (typeof port === 'number') return port;
  const found = ports.find((p) => p.name === port);
  if (found) return found.containerPort;
  const named = ports.filter((p) => p.name !== undefined).map((p) => `${p.name} (${p.containerPort})`);
  problems.error(
    valueAt(place),
    `the probe's port ${JSON.stringify(port)} is not a port of this container`,
    named.length ? `name one of its ports: ${named.join(', ')}, or write the number` : 'write the port number, or name the port under `ports:` (name: http)',
  );
  return undefined;
}
