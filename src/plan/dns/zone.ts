// The cluster DNS's records as RFC 1035 zone files, following the Kubernetes DNS
// specification (kubernetes/dns docs/specification.md, schema 1.1.0), for CoreDNS's
// `file` plugin. Pure: the same input gives the same text.
import { parseIp } from '../../core/cidr.js';
import type { DnsInput, DnsService } from './types.js';

/** Every record's TTL, as the CoreDNS kubernetes plugin's default. */
export const DNS_TTL = 5;

/** The version of the Kubernetes DNS schema these records follow (its `dns-version` TXT record). */
export const DNS_SCHEMA_VERSION = '1.1.0';

/** SOA timers after the serial, as the kubernetes plugin answers: refresh, retry, expire (s). */
const SOA_TIMERS = [7200, 1800, 86400] as const;

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function label(value: string, what: string): string {
  if (!LABEL.test(value)) throw new RangeError(`${what} "${value}" is not a DNS label (lower-case letters, digits and '-', at most 63)`);
  return value;
}

function ipv4(value: string, what: string): number {
  const n = parseIp(value);
  if (n === undefined) throw new RangeError(`${what} "${value}" is not an IPv4 address`);
  return n;
}

function fqdn(name: string): string {
  const trimmed = name.replace(/\.+$/, '').toLowerCase();
  if (!trimmed) throw new RangeError('the cluster domain is empty');
  return `${trimmed}.`;
}

function checkSerial(serial: number): number {
  if (!Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) {
    throw new RangeError(`SOA serial ${serial} is not a whole number between 0 and 4294967295`);
  }
  return serial;
}

function record(owner: string, type: string, data: string): string {
  return `${owner} ${DNS_TTL} IN ${type} ${data}`;
}

/** `10-244-1-5`: an IPv4 address as one DNS label, as pod and endpoint names use it. */
export function dashedIp(ip: string): string {
  ipv4(ip, 'address');
  return ip.trim().replace(/\./g, '-');
}

/** `5.1.244.10.in-addr.arpa.` */
export function reverseName(ip: string): string {
  ipv4(ip, 'address');
  return `${ip.trim().split('.').reverse().join('.')}.in-addr.arpa.`;
}

/** `<svc>.<ns>.svc.<domain>.` */
export function serviceName(service: { namespace: string; name: string }, domain: string): string {
  return `${label(service.name, 'service name')}.${label(service.namespace, 'namespace')}.svc.${fqdn(domain)}`;
}

/** `a-b-c-d.<ns>.pod.<domain>.` */
export function podName(pod: { namespace: string; ip: string }, domain: string): string {
  return `${dashedIp(pod.ip)}.${label(pod.namespace, 'namespace')}.pod.${fqdn(domain)}`;
}

/**
 * The name of a headless service's endpoint, `<hostname>.<svc>.<ns>.svc.<domain>.`: its
 * hostname when it has one, else its address as a label (`10-244-1-5`), the unique
 * identifier the CoreDNS kubernetes plugin gives endpoints without one.
 */
export function endpointName(service: DnsService, endpoint: { ip: string; hostname?: string }, domain: string): string {
  const host = endpoint.hostname ? label(endpoint.hostname, 'endpoint hostname') : dashedIp(endpoint.ip);
  return `${host}.${serviceName(service, domain)}`;
}

const byIp = (a: { ip: string }, b: { ip: string }) => ipv4(a.ip, 'address') - ipv4(b.ip, 'address');
const byName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
  a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1;

function soa(zone: string, domain: string, serial: number): string {
  const d = fqdn(domain);
  return record(zone, 'SOA', `ns.dns.${d} hostmaster.${d} ${checkSerial(serial)} ${SOA_TIMERS.join(' ')} ${DNS_TTL}`);
}

/** Lines without repeats, in their first order. */
function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

const SOA_LAST_NOTE = [
  "; The SOA record comes last on purpose: CoreDNS's file plugin re-reads this file every",
  '; second and loads it when the SOA serial has changed, so a file caught half-written',
  '; (no SOA yet) is skipped and read again a second later, never loaded in part. netlab',
  '; also tells CoreDNS to reload each time it has written the file.',
];

/** The records of one service, with a comment line naming it. */
function serviceRecords(service: DnsService, domain: string): string[] {
  const name = serviceName(service, domain);
  const named = service.ports.filter((p) => p.name);
  const srvOwner = (p: { name: string; protocol: string }) => `_${label(p.name.toLowerCase(), 'port name')}._${p.protocol.toLowerCase()}.${name}`;
  const title = `; ${service.namespace}/${service.name}`;
  if (service.clusterIP) {
    ipv4(service.clusterIP, `cluster IP of ${service.namespace}/${service.name}`);
    return [
      `${title}: cluster IP ${service.clusterIP}`,
      record(name, 'A', service.clusterIP),
      ...named.map((p) => record(srvOwner(p), 'SRV', `0 100 ${p.port} ${name}`)),
    ];
  }
  const endpoints = [...service.endpoints].sort(byIp);
  if (endpoints.length === 0) {
    return [`${title}: headless, no ready endpoint: no record (NXDOMAIN)`];
  }
  return [
    `${title}: headless, ${endpoints.length} ready endpoint${endpoints.length === 1 ? '' : 's'}`,
    ...unique([
      ...endpoints.map((e) => record(name, 'A', e.ip)),
      ...endpoints.map((e) => record(endpointName(service, e, domain), 'A', e.ip)),
      ...named.flatMap((p) => endpoints.map((e) => record(srvOwner(p), 'SRV', `0 100 ${p.port} ${endpointName(service, e, domain)}`))),
    ]),
  ];
}

/**
 * The zone file of the cluster domain (`cluster.local`): services (A, and SRV per named
 * port), headless services (A per ready endpoint and per endpoint name, SRV per endpoint),
 * pods (`a-b-c-d.<ns>.pod`), the schema version, NS and SOA. A headless service without
 * ready endpoints gets no record, so its name is NXDOMAIN.
 */
export function clusterZone(input: DnsInput): string {
  const domain = fqdn(input.domain);
  const lines = [
    `; Zone ${domain} of netlab's cluster DNS, written by netlab from the lab's services and pods`,
    '; (records as the Kubernetes DNS specification, kubernetes/dns docs/specification.md, sets them).',
    ...SOA_LAST_NOTE,
    record(domain, 'NS', `ns.dns.${domain}`),
  ];
  if (input.dnsIP) {
    ipv4(input.dnsIP, 'DNS service IP');
    lines.push(record(`ns.dns.${domain}`, 'A', input.dnsIP.trim()));
  }
  lines.push(record(`dns-version.${domain}`, 'TXT', `"${DNS_SCHEMA_VERSION}"`));
  for (const service of [...input.services].sort(byName)) lines.push(...serviceRecords(service, domain));
  const pods = [...input.pods].sort((a, b) => (a.namespace === b.namespace ? byIp(a, b) : a.namespace < b.namespace ? -1 : 1));
  if (pods.length) {
    lines.push('; pods');
    lines.push(...unique(pods.map((p) => record(podName(p, domain), 'A', p.ip))));
  }
  lines.push(soa(domain, domain, input.serial));
  return `${lines.join('\n')}\n`;
}

/**
 * The reverse zone `in-addr.arpa.`: one PTR per address. A service's cluster IP names
 * the service; a headless service's endpoint with a hostname names that endpoint (as the
 * specification asks); any other pod address names the pod (`a-b-c-d.<ns>.pod`).
 * Addresses outside these are NXDOMAIN: the zone covers all of in-addr.arpa.
 */
export function reverseZone(input: DnsInput): string {
  const domain = fqdn(input.domain);
  const names = new Map<string, string>();
  const add = (ip: string, name: string) => {
    const key = ip.trim();
    if (!names.has(key)) names.set(key, name);
  };
  const services = [...input.services].sort(byName);
  for (const s of services) if (s.clusterIP) add(s.clusterIP, serviceName(s, domain));
  for (const s of services) {
    if (s.clusterIP) continue;
    for (const e of [...s.endpoints].sort(byIp)) if (e.hostname) add(e.ip, endpointName(s, e, domain));
  }
  for (const p of [...input.pods].sort(byName)) add(p.ip, podName(p, domain));

  const ptrs = [...names].sort(([a], [b]) => ipv4(a, 'address') - ipv4(b, 'address'));
  return `${[
    `; Reverse zone in-addr.arpa. of netlab's cluster DNS (${domain}), written by netlab.`,
    ...SOA_LAST_NOTE,
    record('in-addr.arpa.', 'NS', `ns.dns.${domain}`),
    ...ptrs.map(([ip, name]) => record(reverseName(ip), 'PTR', name)),
    soa('in-addr.arpa.', domain, input.serial),
  ].join('\n')}\n`;
}
