// Check rules for Services and cluster DNS: a Service target's port and protocol,
// `by`, `count` / `distinct`, and a `to` that is a name for the pod's resolver (`record`).
import { parseIp } from '../../core/cidr.js';
import { displayService, type EndpointRef } from '../endpoints.js';
import type { Lab, ProbeKind, ServicePortSpec, ServiceSpec } from '../model.js';
import { kindsTaking, PROBE_FIELDS } from '../probe-fields.js';
import type { CheckInput } from '../schema/schema.js';

type LabView = Pick<Lab, 'pods' | 'topology' | 'services'>;
type ServiceRef = Extract<EndpointRef, { kind: 'service' }>;

/** Reports a problem at a field of the check (`key`: at the key rather than the value). */
export type FieldError = (field: keyof CheckInput | undefined, message: string, hint?: string, key?: boolean) => void;

/** The Service port a check reaches: the one written, or the only one. */
export function servicePort(to: ServiceRef): ServicePortSpec | undefined {
  return to.port ?? (to.service.ports.length === 1 ? to.service.ports[0] : undefined);
}

/** Whether the endpoint text names a port (`x:80`), as opposed to a port implied by a one-port Service. */
export function portWritten(text: string): boolean {
  return text.includes(':');
}

const label = (service: ServiceSpec, lab: LabView) => `Service ${displayService(service, lab.services)}`;

function portChoices(service: ServiceSpec, base: string, lab: LabView): string {
  const ways = service.ports.map((p) => `${base}:${p.name ?? p.port}`);
  return ways.length <= 3 ? `write ${ways.join(' or ')}` : `name one of ${label(service, lab)}'s ports, e.g. ${ways[0]}`;
}

/** A Service as the target of a check: a port where one is needed, the right protocol, a cluster IP. */
export function checkServiceTarget(to: ServiceRef, text: string, probe: ProbeKind, input: CheckInput, lab: LabView, error: FieldError): void {
  const { service } = to;
  const name = label(service, lab);
  const base = text.includes(':') ? text.slice(0, text.indexOf(':')) : text;
  const headless = service.clusterIP === 'None';
  const byDns = input.by === 'dns';
  const fields = PROBE_FIELDS[probe];

  if (fields.port) {
    const port = servicePort(to);
    if (!port) {
      error('to', `${name} has ${service.ports.length} ports: ${a(probe)} check needs one of them in \`to\``, portChoices(service, base, lab));
      return;
    }
    const wanted = fields.port === 'any' ? port.protocol : fields.port;
    const byNumber = to.port !== undefined && /^\d+$/.test(text.slice(text.indexOf(':') + 1));
    const mismatch = byNumber ? !service.ports.some((p) => p.port === port.port && p.protocol === wanted) : port.protocol !== wanted;
    if (mismatch)
      error(
        'to',
        `port ${port.name ?? port.port} of ${name} is ${port.protocol}, but ${a(probe)} check needs a ${wanted} port`,
        port.protocol === 'UDP' ? 'use probe: udp, or name a TCP port' : 'use probe: tcp or http, or name a UDP port',
      );
  }
  // A check of pods (netns) says that `to` is not a pod instead.
  if (headless && !byDns && fields.to !== 'pod') {
    const dnsHint = fields.options.includes('by')
      ? "write by: dns (the name resolves to the pods' addresses), or name a pod"
      : (fields.headless?.hint ?? 'name a pod instead');
    error(input.by === undefined ? 'to' : 'by', `${name} is headless (clusterIP: None): it has no cluster IP to ${fields.headless?.verb ?? 'probe'}`, dnsHint);
  }
}

/** by, count, distinct and record: each only where it means something. */
export function checkOptions(input: CheckInput, probe: ProbeKind, to: EndpointRef | null | undefined, lab: LabView, error: FieldError): void {
  const takes = PROBE_FIELDS[probe].options;
  if (input.by !== undefined) {
    if (!takes.includes('by'))
      error('by', `\`by\` only applies to ${andList(kindsTaking('by'))} checks of a Service, and this is ${a(probe)} check`, 'remove by', true);
    else if (to && to.kind !== 'service')
      error(
        'by',
        `\`by\` only applies when \`to\` is a Service, and ${input.to} is ${to.kind === 'ip' ? 'an address' : `a ${to.kind}`}`,
        'remove by, or name a Service in `to`',
        true,
      );
    else if (input.by === 'dns' && !lab.topology.dns)
      error('by', 'by: dns needs the cluster DNS, and this lab runs none (topology.dns is off)', 'set topology.dns: true, or write by: ip');
  }
  for (const field of ['count', 'distinct', 'sourcePort'] as const) {
    if (input[field] !== undefined && !takes.includes(field))
      error(
        field,
        `\`${field}\` only applies to ${andList(kindsTaking(field))} checks, and this is ${a(probe)} check`,
        `remove ${field}, or use probe: ${orList(kindsTaking(field))}`,
        true,
      );
  }
  if (input.distinct !== undefined && takes.includes('distinct')) {
    const count = input.count ?? 1;
    if (input.distinct > count)
      error(
        'distinct',
        `distinct: ${input.distinct} needs at least ${input.distinct} requests, and count is ${input.count ?? '1 (the default)'}`,
        `${input.count === undefined ? 'add' : 'write'} count: ${Math.min(100, Math.max(input.distinct * 10, 10))} (requests spread over the pods by chance need a margin)`,
      );
    else if (input.sourcePort !== undefined && input.distinct > 1 && takes.includes('sourcePort'))
      error(
        'distinct',
        `sourcePort: ${input.sourcePort} makes every request one UDP flow, which conntrack keeps on one pod, so distinct: ${input.distinct} can never pass`,
        'remove sourcePort to count the pods, or remove distinct',
      );
    else if (input.expect === 'unreachable')
      error('distinct', '`distinct` counts the pods that answer, so it needs expect: reachable', 'remove distinct, or write expect: reachable', true);
  }
  if (input.answers !== undefined) checkAnswers(input, takes.includes('answers'), probe, error);
  if (input.contains !== undefined && probe === 'dns' && input.expect === 'nxdomain')
    error('contains', 'expect: nxdomain means no answer, so nothing can contain anything', 'remove contains, or remove expect: nxdomain', true);
  if (input.record !== undefined && !takes.includes('record'))
    error(
      'record',
      `\`record\` only applies to ${andList(kindsTaking('record'))} checks, and this is ${a(probe)} check`,
      `remove record, or set probe: ${orList(kindsTaking('record'))}`,
      true,
    );
}

/** `answers`: the records of a dns check, each in the form dig prints its record type. */
function checkAnswers(input: CheckInput, takes: boolean, probe: ProbeKind, error: FieldError): void {
  if (!takes) {
    error(
      'answers',
      `\`answers\` only applies to ${andList(kindsTaking('answers'))} checks, and this is ${a(probe)} check`,
      'remove answers, or set probe: dns',
      true,
    );
    return;
  }
  if (input.expect === 'nxdomain') {
    error('answers', 'expect: nxdomain means no answer, and `answers` lists what the answer holds', 'remove answers, or remove expect: nxdomain', true);
    return;
  }
  const record = input.record ?? 'A';
  for (const answer of input.answers ?? []) {
    const bad = answerProblem(record, answer.trim());
    if (bad) {
      error('answers', `answers: "${answer}" ${bad.message}`, bad.hint);
      return;
    }
  }
}

/** Why one expected record is not of its type's form (undefined: it is). */
export function answerProblem(record: 'A' | 'SRV' | 'PTR', answer: string): { message: string; hint: string } | undefined {
  if (record === 'A' && parseIp(answer) === undefined)
    return {
      message: 'is not an IPv4 address, and an A lookup answers addresses',
      hint: 'write addresses, e.g. answers: [10.96.0.10]; for names write record: PTR',
    };
  if (record === 'SRV') {
    const [priority, weight, port, target, ...rest] = answer.split(/\s+/);
    const number = (x: string | undefined, max: number) => x !== undefined && /^\d+$/.test(x) && Number(x) <= max;
    if (rest.length || !number(priority, 65535) || !number(weight, 65535) || !number(port, 65535) || !target || !DNS_NAME.test(target))
      return {
        message: 'is not an SRV record as dig prints it (priority weight port target)',
        hint: 'write e.g. answers: ["0 100 80 web.default.svc.cluster.local."]',
      };
  }
  if (record === 'PTR' && !DNS_NAME.test(answer))
    return { message: 'is not a DNS name, and a PTR lookup answers names', hint: 'write names, e.g. answers: [web.default.svc.cluster.local.]' };
  return undefined;
}

const DNS_NAME = /^[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?)*\.?$/;

/** `to` a name (probe dns): for the pod's resolver (or an address for PTR), not a lab endpoint. */
export function checkDnsTarget(input: CheckInput, lab: LabView, error: FieldError): void {
  if (!lab.topology.dns)
    error(
      'probe',
      'a dns check asks the cluster DNS, and this lab runs none (topology.dns is off)',
      'set topology.dns: true (it is on by default only in labs with a Service)',
    );
  const to = input.to?.trim();
  if (to === undefined) return;
  const record = input.record ?? 'A';
  const address = parseIp(to) !== undefined;
  if (record === 'PTR') {
    if (!address && !/\.in-addr\.arpa\.?$/i.test(to))
      error('to', `a PTR lookup finds the name of an address, and ${to} is not an IPv4 address`, 'write the address to look up, e.g. to: 10.96.0.10');
    return;
  }
  if (address) {
    error('to', `${a(record)} lookup needs a name, and ${to} is an address`, 'write record: PTR to look up the name of an address, or a name in `to`');
    return;
  }
  if (to.includes(':') && DNS_NAME.test(to.slice(0, to.indexOf(':')))) {
    error(
      'to',
      `a dns check looks up a name, and ${to} has a port`,
      `drop ":${to.slice(to.indexOf(':') + 1)}" (write to: ${to.slice(0, to.indexOf(':'))}), or use probe: http with by: dns to reach the port by name`,
    );
    return;
  }
  if (!DNS_NAME.test(to) || to.length > 253)
    error('to', `to: ${to} is not a DNS name`, 'write a name such as web, web.default or web.default.svc.cluster.local');
}

/** "a tcp" / "an http" / "an udp"... said as the letters are read. */
export function a(word: string): string {
  return `${/^(http|udp|A|SRV)$/.test(word) ? 'an' : 'a'} ${word}`;
}

/** "http, tcp and udp". */
export function andList(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "http or udp". */
export function orList(words: readonly string[]): string {
  return words.join(' or ');
}
