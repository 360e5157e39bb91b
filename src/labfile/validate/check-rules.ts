// A check as written -> a CheckSpec: endpoints resolved, probe and expectation
// defaulted, and combinations that make no sense reported at their line.
import { parseIp } from '../../core/cidr.js';
import {
  a,
  checkConntrackTarget,
  checkDnsTarget,
  checkOptions,
  checkServiceTarget,
  PORT_PROBES,
  portWritten,
  servicePort,
  type FieldError,
} from './check-services.js';
import { isEndpointError, resolveEndpoint, type EndpointRef } from '../endpoints.js';
import type { CheckSpec, Expectation, Lab, ProbeKind, ServiceSpec } from '../model.js';
import { keyAt, valueAt, type Place } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import { waitSeconds, type CheckInput } from '../schema/schema.js';
import { suggestion } from '../../core/suggest.js';

type LabView = Pick<Lab, 'pods' | 'topology' | 'services'>;

/**
 * The probe a check gets when it names none: http for a TCP port, udp for a UDP port
 * (of a pod, a Service or a node's nodePort; a one-port Service needs no port written), else ping.
 */
export function defaultProbe(to: EndpointRef | undefined, services: readonly ServiceSpec[] = []): ProbeKind {
  if (!to) return 'ping';
  if (to.kind === 'pod' && to.port) return to.port.protocol === 'UDP' ? 'udp' : 'http';
  if (to.kind === 'node' && to.port !== undefined) {
    // A nodePort only UDP Service ports use is probed with udp.
    const uses = services.flatMap((s) => (s.type === 'NodePort' ? s.ports.filter((p) => p.nodePort === to.port) : []));
    return uses.length > 0 && uses.every((p) => p.protocol === 'UDP') ? 'udp' : 'http';
  }
  if (to.kind === 'service') return servicePort(to)?.protocol === 'UDP' ? 'udp' : 'http';
  if ((to.kind === 'ip' && to.port !== undefined) || to.kind === 'localhost') return 'http';
  return 'ping';
}

export function defaultExpectation(probe: ProbeKind): Expectation {
  return probe === 'netns' ? 'same-netns' : 'reachable';
}

/** Probes that run inside a pod's network namespace and need a pod as `from`. */
const POD_ONLY: Partial<Record<ProbeKind, string>> = {
  dns: "a dns check asks a pod's resolver (its resolv.conf)",
  conntrack: 'a conntrack check sends from a pod and reads its node\'s conntrack table',
};

/**
 * Builds the CheckSpec, reporting every problem of this check. `excused(text)` says
 * whether an endpoint that does not resolve is already explained by another error.
 */
export function buildCheck(
  input: CheckInput,
  place: Place,
  lab: LabView,
  problems: Problems,
  excused: (text: string) => boolean = () => false,
): CheckSpec | undefined {
  const before = problems.errors.length;
  const error: FieldError = (field, message, hint, key = false) =>
    problems.error(field === undefined ? valueAt(place) : key ? keyAt(place, field) : valueAt(place, field), message, hint);

  // Endpoints. `null` = written but unresolvable (already reported or excused).
  const resolve = (field: 'from' | 'to', text: string): EndpointRef | null => {
    const ref = resolveEndpoint(lab, text);
    if (!isEndpointError(ref)) return ref;
    if (!excused(text)) error(field, `${field}: ${ref.error}`, ref.hint);
    return null;
  };
  const from = resolve('from', input.from);
  // A dns check's `to` is a name for the pod's resolver, not a lab endpoint.
  const to = input.to === undefined || input.probe === 'dns' ? undefined : resolve('to', input.to);

  if (from) {
    if (from.kind === 'ip' || from.kind === 'localhost')
      error(
        'from',
        `a check starts from a pod, a node, router or external, not ${from.kind === 'ip' ? 'an IP address' : 'localhost'}`,
        'write the name of the pod or node the probe runs in, e.g. from: client',
      );
    else if (from.kind === 'service')
      error('from', 'a check starts from a pod, a node, router or external, not a Service', 'write the name of the pod or node the probe runs in (e.g. a pod the Service selects), and put the Service in `to`');
    else if (from.kind === 'pod' && from.port)
      error('from', `from: ${input.from} names a port, but a check's source has none`, `write from: ${input.from.split(':')[0]} and put the port in \`to\``);
  }

  // The probe: as written, or from what `to` names.
  if (input.probe === undefined && input.to === undefined) {
    error(undefined, `check "${input.name}" has no \`to\``, 'add `to: <pod>[:port]` (what the check reaches); only `probe: gateway` goes without one');
    return undefined;
  }
  if (input.probe === undefined && to === null) return undefined; // cannot tell the probe
  const probe: ProbeKind = input.probe ?? defaultProbe(to ?? undefined, lab.services);
  const probeField: keyof CheckInput = input.probe === undefined ? 'to' : 'probe';

  const podOnly = POD_ONLY[probe];
  if (podOnly && from && from.kind !== 'pod' && from.kind !== 'ip' && from.kind !== 'localhost' && from.kind !== 'service')
    error('from', `${podOnly}, but from: ${input.from} is not a pod`, 'write from: <pod>');

  // `to` per probe.
  if (probe === 'gateway') {
    if (from && from.kind !== 'pod' && from.kind !== 'ip' && from.kind !== 'localhost')
      error('from', `a gateway check looks at a pod's default route, but from: ${input.from} is not a pod`, 'write from: <pod>');
    if (input.to !== undefined) error('to', 'a gateway check takes no `to`', 'remove `to`; write the expected gateway in `via` (default: the node\'s cbr0 bridge)', true);
  } else if (input.to === undefined) {
    error(probeField, `${a(probe)} check needs \`to\``, NEEDS_TO[probe] ?? 'add `to:` with the pod, node or address to reach');
  } else if (probe === 'dns') {
    checkDnsTarget(input, lab, error);
  } else if (to) {
    if (probe === 'conntrack') checkConntrackTarget(to, input.to, error);
    if (to.kind === 'service') checkServiceTarget(to, input.to, probe, input, lab, error);
    const hasPort =
      to.kind === 'service'
        ? portWritten(input.to)
        : ((to.kind === 'pod' || to.kind === 'ip' || to.kind === 'node') && to.port !== undefined) || to.kind === 'localhost';
    if (PORT_PROBES.includes(probe) || probe === 'conntrack') {
      // Services and conntrack targets are checked above.
      if (to.kind !== 'service' && probe !== 'conntrack') checkPortTarget(to, input.to, probe, hasPort, lab.services, error);
    } else if (hasPort && to.kind !== 'localhost') {
      error('to', `${a(probe)} check takes no port`, `drop ":${input.to.slice(input.to.indexOf(':') + 1)}", or use probe: tcp or http to test the port`);
    } else if (to.kind === 'localhost') {
      error('to', `${a(probe)} check cannot use localhost:<port>`, 'use probe: tcp or http for localhost:<port>');
    }
    if (probe === 'netns' && to.kind !== 'pod')
      error('to', `a netns check compares network namespaces of pods: to: ${input.to} is not a pod`, 'write to: <pod> or to: <pod>/<container>');
  }

  // Expectation.
  const netnsExpectation = input.expect === 'same-netns' || input.expect === 'different-netns';
  if (probe === 'netns' && input.expect !== undefined && !netnsExpectation)
    error('expect', `a netns check expects same-netns or different-netns, not ${input.expect}`, 'write expect: same-netns or expect: different-netns');
  else if (probe === 'dns' && input.expect !== undefined && input.expect !== 'reachable' && input.expect !== 'nxdomain')
    error('expect', `a dns check expects reachable (an answer) or nxdomain, not ${input.expect}`, 'write expect: nxdomain for a name that must not exist, or remove expect');
  else if (probe === 'conntrack' && input.expect !== undefined && input.expect !== 'reachable')
    error('expect', `a conntrack check expects reachable (the translation is in the table), not ${input.expect}`, 'remove expect');
  else if (probe !== 'netns' && netnsExpectation)
    error('expect', `expect: ${input.expect} only applies to probe: netns`, `write probe: netns, or expect: reachable / unreachable`);
  else if (probe !== 'dns' && input.expect === 'nxdomain')
    error('expect', 'expect: nxdomain only applies to probe: dns', 'write probe: dns with a name in `to`, or expect: reachable / unreachable');
  const expect: Expectation = input.expect ?? defaultExpectation(probe);

  // via and contains.
  if (input.via !== undefined) {
    if (probe !== 'traceroute' && probe !== 'gateway')
      error('via', `\`via\` only applies to traceroute and gateway checks, and this is a ${probe} check`, 'remove via, or set probe: traceroute', true);
    else checkVia(input.via, probe, lab, (message, hint) => error('via', message, hint));
  }
  if (input.contains !== undefined && probe !== 'http')
    error('contains', `\`contains\` only applies to http checks, and this is a ${probe} check`, 'remove contains, or set probe: http with a port in `to`', true);
  checkOptions(input, probe, to, lab, error);

  if (problems.errors.length > before) return undefined;
  const check: CheckSpec = {
    name: input.name,
    from: input.from,
    probe,
    expect,
    needs: [...input.needs],
    wait: waitSeconds(input.wait) ?? 0,
    points: input.points,
    level: input.level,
    at: valueAt(place),
  };
  if (input.to !== undefined) check.to = input.to;
  if (input.via !== undefined) check.via = input.via;
  if (input.contains !== undefined) check.contains = input.contains;
  if (to?.kind === 'service' && PORT_PROBES.includes(probe)) check.by = input.by ?? 'ip';
  if (input.count !== undefined) check.count = input.count;
  if (input.distinct !== undefined) check.distinct = input.distinct;
  if (probe === 'dns') check.record = input.record ?? 'A';
  if (input.pass !== undefined) check.pass = input.pass;
  if (input.fail !== undefined) check.fail = input.fail;
  if (input.hint !== undefined) check.hint = input.hint;
  return check;
}

const NEEDS_TO: Partial<Record<ProbeKind, string>> = {
  netns: 'add `to: <pod>` (the pod to compare with)',
  dns: 'add `to:` with the name to look up, e.g. to: web.default.svc.cluster.local',
  conntrack: 'add `to: <service>[:port]` (the Service whose translation to find)',
};

/** A pod, an address or localhost as the target of an http, tcp or udp check. */
function checkPortTarget(to: EndpointRef, text: string, probe: ProbeKind, hasPort: boolean, services: readonly ServiceSpec[], error: FieldError): void {
  if (!hasPort) {
    error('to', `${a(probe)} check needs a port in \`to\`, and ${text} has none`, portHint(to, text, probe, services));
    return;
  }
  if (to.kind !== 'pod' || !to.port) return;
  const byName = !/^\d+$/.test(text.slice(text.indexOf(':') + 1));
  const wanted = probe === 'udp' ? 'UDP' : 'TCP';
  const declared = (to.container ? [to.container] : to.pod.containers).flatMap((c) => c.ports).filter((p) => p.containerPort === to.port!.containerPort);
  const mismatch = byName ? to.port.protocol !== wanted : declared.length > 0 && declared.every((p) => p.protocol !== wanted);
  if (mismatch)
    error(
      'to',
      `port ${text.slice(text.indexOf(':') + 1)} of ${text.split(':')[0]} is ${to.port.protocol}, but a ${probe} check needs a ${wanted} port`,
      to.port.protocol === 'UDP' ? 'use probe: udp, or name a TCP port' : 'use probe: tcp or http, or name a UDP port',
    );
}

function portHint(to: EndpointRef, text: string, probe: ProbeKind, services: readonly ServiceSpec[]): string {
  if (to.kind === 'pod') {
    const wanted = probe === 'udp' ? 'UDP' : 'TCP';
    const ports = (to.container ? [to.container] : to.pod.containers).flatMap((c) => c.ports);
    const port = ports.find((p) => p.protocol === wanted) ?? ports[0];
    return `write ${text}:${port ? (port.name ?? port.containerPort) : 8080}${port ? '' : ' (the port the server listens on)'}`;
  }
  if (to.kind === 'ip') return `write ${text}:<port>, e.g. ${text}:8080`;
  if (to.kind === 'node') {
    const nodePort = services.flatMap((s) => (s.type === 'NodePort' ? s.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort])) : []))[0];
    return `write ${text}:<port>, e.g. ${text}:${nodePort ?? 30080} (a nodePort)`;
  }
  return `name a pod with its port (e.g. server:8080) or an IP address with a port; ${text} itself has no ports to test`;
}

function checkVia(via: string, probe: ProbeKind, lab: LabView, error: (message: string, hint?: string) => void): void {
  if (parseIp(via) !== undefined) return;
  const nodes = lab.topology.nodes.map((n) => n.name);
  if (nodes.includes(via)) return;
  if (via === 'router') {
    if (lab.topology.routing !== 'router') error('via: router, but this lab has no router (topology.routing is direct)', 'name a node or an IP address');
    return;
  }
  if (probe === 'gateway' && via === 'cbr0') return;
  const allowed = [...(lab.topology.routing === 'router' ? ['router'] : []), ...nodes, ...(probe === 'gateway' ? ['cbr0'] : [])];
  error(
    `via: ${via} is not ${probe === 'traceroute' ? 'a hop netlab knows' : 'a gateway netlab knows'}`,
    suggestion(via, allowed, `write an IP address or one of`) ?? `write an IP address or one of: ${allowed.join(', ')}`,
  );
}
