// A check as written -> a CheckSpec: endpoints resolved, probe and expectation
// defaulted, and combinations that make no sense reported at their line. What each probe
// kind takes is data (../probe-fields.ts): nothing here branches on a kind's name.
import { parseIp } from '../../core/cidr.js';
import { a, andList, checkDnsTarget, checkOptions, checkServiceTarget, orList, portWritten, servicePort, type FieldError } from './check-services.js';
import { isEndpointError, resolveEndpoint, type EndpointRef } from '../endpoints.js';
import type { CheckSpec, Expectation, Lab, ProbeKind, ServiceSpec } from '../model.js';
import { claimedBy, kindsTaking, kindsWithoutTo, PROBE_FIELDS, type ProbeFields } from '../probe-fields.js';
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
    const uses = services.flatMap((s) => (s.type !== 'ClusterIP' ? s.ports.filter((p) => p.nodePort === to.port) : []));
    return uses.length > 0 && uses.every((p) => p.protocol === 'UDP') ? 'udp' : 'http';
  }
  if (to.kind === 'service') return servicePort(to)?.protocol === 'UDP' ? 'udp' : 'http';
  if ((to.kind === 'ip' && to.port !== undefined) || to.kind === 'localhost') return 'http';
  return 'ping';
}

export function defaultExpectation(probe: ProbeKind): Expectation {
  return PROBE_FIELDS[probe].expects[0]!;
}

/** One check being built: what was written, what it resolved to, and where to report. */
interface Draft {
  input: CheckInput;
  lab: LabView;
  error: FieldError;
  /** `null`: written but unresolvable (already reported or excused). */
  from: EndpointRef | null;
  to: EndpointRef | null | undefined;
}

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
  const resolve = (field: 'from' | 'to', text: string, sender?: EndpointRef | null): EndpointRef | null => {
    const ref = resolveEndpoint(lab, text, sender?.kind === 'pod' ? sender.pod : undefined);
    if (!isEndpointError(ref)) return ref;
    if (!excused(text)) error(field, `${field}: ${ref.error}`, ref.hint);
    return null;
  };
  const from = resolve('from', input.from);
  // A `to` that is a name for the pod's resolver (probe dns) is not a lab endpoint.
  const to = input.to === undefined || (input.probe !== undefined && PROBE_FIELDS[input.probe].to === 'name') ? undefined : resolve('to', input.to, from);
  const draft: Draft = { input, lab, error, from, to };
  checkSource(draft);

  const probe = chooseProbe(draft);
  if (probe === undefined) return undefined;
  const fields = PROBE_FIELDS[probe];
  checkFromPod(draft, fields);
  checkTarget(draft, probe, fields);
  checkExpect(draft, probe, fields);
  checkViaAndContains(draft, probe, fields);
  checkOptions(input, probe, to, lab, error);

  if (problems.errors.length > before) return undefined;
  return checkSpec(input, place, probe, to);
}

function checkSource({ input, from, error }: Draft): void {
  if (!from) return;
  if (from.kind === 'ip' || from.kind === 'localhost')
    error(
      'from',
      `a check starts from a pod, a node, router or external, not ${from.kind === 'ip' ? 'an IP address' : 'localhost'}`,
      'write the name of the pod or node the probe runs in, e.g. from: client',
    );
  else if (from.kind === 'service')
    error(
      'from',
      'a check starts from a pod, a node, router or external, not a Service',
      'write the name of the pod or node the probe runs in (e.g. a pod the Service selects), and put the Service in `to`',
    );
  else if (from.kind === 'pod' && from.port)
    error('from', `from: ${input.from} names a port, but a check's source has none`, `write from: ${input.from.split(':')[0]} and put the port in \`to\``);
}

/** The probe: as written, or from what `to` names (undefined: it cannot be told). */
function chooseProbe({ input, lab, error, to }: Draft): ProbeKind | undefined {
  if (input.probe === undefined && input.to === undefined) {
    const without = orList(kindsWithoutTo().map((k) => `\`probe: ${k}\``));
    error(undefined, `check "${input.name}" has no \`to\``, `add \`to: <pod>[:port]\` (what the check reaches); only ${without} goes without one`);
    return undefined;
  }
  if (input.probe === undefined && to === null) return undefined;
  return input.probe ?? defaultProbe(to ?? undefined, lab.services);
}

/** A probe that runs in a pod needs one as `from` (an address, localhost or a Service is reported already). */
function checkFromPod({ input, from, error }: Draft, fields: ProbeFields): void {
  const pod = fields.fromPod;
  if (!pod || !from || from.kind === 'pod' || from.kind === 'ip' || from.kind === 'localhost') return;
  if (from.kind === 'service' && !pod.service) return;
  error('from', `${pod.why}, but from: ${input.from} is not a pod`, 'write from: <pod>');
}

/** `to`: there or not, a name, a Service, a port or none, the kind of endpoint the probe needs. */
function checkTarget(draft: Draft, probe: ProbeKind, fields: ProbeFields): void {
  const { input, lab, error, to } = draft;
  if (fields.to === 'none') {
    if (input.to !== undefined) error('to', `${a(probe)} check takes no \`to\``, fields.toHint, true);
    return;
  }
  if (input.to === undefined) {
    error(input.probe === undefined ? 'to' : 'probe', `${a(probe)} check needs \`to\``, fields.toHint ?? 'add `to:` with the pod, node or address to reach');
    return;
  }
  if (fields.to === 'name') {
    checkDnsTarget(input, lab, error);
    return;
  }
  if (!to) return;
  if (to.kind === 'service') checkServiceTarget(to, input.to, probe, input, lab, error);
  checkTargetPort(draft, to, input.to, probe, fields);
  const wrong = fields.to === 'pod' ? to.kind !== 'pod' : fields.to === 'service' && to.kind !== 'service';
  if (wrong && fields.wrongTo)
    error(
      'to',
      fields.wrongTo.message.replace('{to}', () => input.to!),
      fields.wrongTo.hint,
    );
}

/** A port where the probe needs one, none where it does not (a Service's port is checked with the Service). */
function checkTargetPort({ lab, error }: Draft, to: EndpointRef, text: string, probe: ProbeKind, fields: ProbeFields): void {
  const hasPort =
    to.kind === 'service'
      ? portWritten(text)
      : ((to.kind === 'pod' || to.kind === 'ip' || to.kind === 'node') && to.port !== undefined) || to.kind === 'localhost';
  if (fields.port) {
    if (to.kind !== 'service' && fields.to === 'endpoint') checkPortTarget(to, text, probe, fields.port, hasPort, lab.services, error);
  } else if (hasPort && to.kind !== 'localhost') {
    error('to', `${a(probe)} check takes no port`, `drop ":${text.slice(text.indexOf(':') + 1)}", or use probe: tcp or http to test the port`);
  } else if (to.kind === 'localhost') {
    error('to', `${a(probe)} check cannot use localhost:<port>`, 'use probe: tcp or http for localhost:<port>');
  }
}

/** An expectation the probe takes; another kind's own (same-netns, nxdomain) names that kind. */
function checkExpect({ input, error }: Draft, probe: ProbeKind, fields: ProbeFields): void {
  const expect = input.expect;
  if (expect === undefined || fields.expects.includes(expect)) return;
  if (fields.ownExpects) {
    error('expect', `${a(probe)} check expects ${fields.ownExpects.what}, not ${expect}`, fields.ownExpects.hint);
    return;
  }
  const owner = claimedBy(expect);
  if (owner)
    error(
      'expect',
      `expect: ${expect} only applies to probe: ${owner}`,
      `${PROBE_FIELDS[owner].claimHint ?? `write probe: ${owner}`}, or expect: reachable / unreachable`,
    );
}

function checkViaAndContains({ input, lab, error }: Draft, probe: ProbeKind, fields: ProbeFields): void {
  if (input.via !== undefined) {
    if (!fields.via)
      error(
        'via',
        `\`via\` only applies to ${andList(kindsTaking('via'))} checks, and this is a ${probe} check`,
        `remove via, or set probe: ${kindsTaking('via')[0]}`,
        true,
      );
    else checkVia(input.via, fields.via, lab, (message, hint) => error('via', message, hint));
  }
  if (input.maxMs !== undefined && !fields.options.includes('maxMs'))
    error(
      'maxMs',
      `\`maxMs\` only applies to ${andList(kindsTaking('maxMs'))} checks, and this is a ${probe} check`,
      'remove maxMs, or use probe: http, tcp or ping',
      true,
    );
  if (input.contains !== undefined && !fields.options.includes('contains'))
    error(
      'contains',
      `\`contains\` only applies to ${andList(kindsTaking('contains'))} checks, and this is a ${probe} check`,
      `remove contains, or set probe: http with a port in \`to\` (or probe: dns with a name)`,
      true,
    );
  for (const field of ['host', 'path'] as const)
    if (input[field] !== undefined && !fields.options.includes(field))
      error(
        field,
        `\`${field}\` only applies to ${andList(kindsTaking(field))} checks, and this is a ${probe} check`,
        `remove ${field}, or set probe: http`,
        true,
      );
  if (input.contains !== undefined)
    for (const name of containsPlaceholders(input.contains)) {
      const known =
        name === 'external' ? lab.topology.external : name === 'router' ? lab.topology.routing === 'router' : lab.topology.nodes.some((n) => n.name === name);
      if (!known)
        error(
          'contains',
          `\`contains\` names {${name}}, which is not a part of this lab`,
          `write {external}, {router} or a node's name in braces (${lab.topology.nodes.map((n) => `{${n.name}}`).join(', ')}) to mean its address, or remove the braces`,
        );
    }
}

/** The `{name}` placeholders of a `contains`: the address of `external`, `router` or a node, filled in when the check runs. */
export function containsPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{([a-z0-9-]+)\}/g)].map((m) => m[1]!);
}

/** The CheckSpec of a check without problems: defaults filled in. */
function checkSpec(input: CheckInput, place: Place, probe: ProbeKind, to: EndpointRef | null | undefined): CheckSpec {
  const takes = PROBE_FIELDS[probe].options;
  const check: CheckSpec = {
    name: input.name,
    from: input.from,
    probe,
    expect: input.expect ?? defaultExpectation(probe),
    needs: [...input.needs],
    wait: waitSeconds(input.wait) ?? 0,
    points: input.points,
    level: input.level,
    at: valueAt(place),
  };
  if (input.to !== undefined) check.to = input.to;
  if (input.via !== undefined) check.via = input.via;
  if (input.maxMs !== undefined && takes.includes('maxMs')) check.maxMs = input.maxMs;
  if (input.contains !== undefined) check.contains = input.contains;
  if (input.answers !== undefined) check.answers = [...input.answers];
  if (input.host !== undefined) check.host = input.host;
  if (input.path !== undefined) check.path = input.path;
  if (to?.kind === 'service' && takes.includes('by')) check.by = input.by ?? 'ip';
  if (input.count !== undefined) check.count = input.count;
  if (input.distinct !== undefined) check.distinct = input.distinct;
  if (input.sourcePort !== undefined) check.sourcePort = input.sourcePort;
  if (takes.includes('record')) check.record = input.record ?? 'A';
  if (input.pass !== undefined) check.pass = input.pass;
  if (input.fail !== undefined) check.fail = input.fail;
  if (input.hint !== undefined) check.hint = input.hint;
  return check;
}

/** A pod, an address or localhost as the target of a check that needs a port (`port`: its protocol). */
function checkPortTarget(
  to: EndpointRef,
  text: string,
  probe: ProbeKind,
  port: NonNullable<ProbeFields['port']>,
  hasPort: boolean,
  services: readonly ServiceSpec[],
  error: FieldError,
): void {
  const wanted = port === 'UDP' ? 'UDP' : 'TCP';
  if (!hasPort) {
    error('to', `${a(probe)} check needs a port in \`to\`, and ${text} has none`, portHint(to, text, wanted, services));
    return;
  }
  if (to.kind !== 'pod' || !to.port) return;
  const byName = !/^\d+$/.test(text.slice(text.indexOf(':') + 1));
  const declared = (to.container ? [to.container] : to.pod.containers).flatMap((c) => c.ports).filter((p) => p.containerPort === to.port!.containerPort);
  const mismatch = byName ? to.port.protocol !== wanted : declared.length > 0 && declared.every((p) => p.protocol !== wanted);
  if (mismatch)
    error(
      'to',
      `port ${text.slice(text.indexOf(':') + 1)} of ${text.split(':')[0]} is ${to.port.protocol}, but a ${probe} check needs a ${wanted} port`,
      to.port.protocol === 'UDP' ? 'use probe: udp, or name a TCP port' : 'use probe: tcp or http, or name a UDP port',
    );
}

function portHint(to: EndpointRef, text: string, wanted: 'TCP' | 'UDP', services: readonly ServiceSpec[]): string {
  if (to.kind === 'pod') {
    const ports = (to.container ? [to.container] : to.pod.containers).flatMap((c) => c.ports);
    const port = ports.find((p) => p.protocol === wanted) ?? ports[0];
    return `write ${text}:${port ? (port.name ?? port.containerPort) : 8080}${port ? '' : ' (the port the server listens on)'}`;
  }
  if (to.kind === 'ip') return `write ${text}:<port>, e.g. ${text}:8080`;
  if (to.kind === 'node') {
    const nodePort = services.flatMap((s) => (s.type !== 'ClusterIP' ? s.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort])) : []))[0];
    return `write ${text}:<port>, e.g. ${text}:${nodePort ?? 30080} (a nodePort)`;
  }
  return `name a pod with its port (e.g. server:8080) or an IP address with a port; ${text} itself has no ports to test`;
}

/** `via` names the router, a node, an address, or a name the probe also takes (gateway: cbr0). */
function checkVia(via: string, takes: NonNullable<ProbeFields['via']>, lab: LabView, error: (message: string, hint?: string) => void): void {
  if (parseIp(via) !== undefined) return;
  const nodes = lab.topology.nodes.map((n) => n.name);
  if (nodes.includes(via)) return;
  if (via === 'router') {
    if (lab.topology.routing !== 'router') error('via: router, but this lab has no router (topology.routing is direct)', 'name a node or an IP address');
    return;
  }
  if (takes.also.includes(via)) return;
  const allowed = [...(lab.topology.routing === 'router' ? ['router'] : []), ...nodes, ...takes.also];
  error(
    `via: ${via} is not ${takes.names} netlab knows`,
    suggestion(via, allowed, `write an IP address or one of`) ?? `write an IP address or one of: ${allowed.join(', ')}`,
  );
}
