// Evidence read off a running lab for `diagnose` and `explain`: the agent steps that gather it
// in ONE toolbox exec (each step's output is one named section), and pure parsers of that
// output (`ip -o link`, `ip -o addr`, `ip route`, `ss -ltnu`, `iptables-save -c`, `nft -a list`,
// `conntrack -L`). Unit-tested on captured outputs.
import { contains, parseCidr, parseIp } from '../../core/cidr.js';
import type { ExecResult, NamespaceRef, SectionStep, StepResult } from '../../core/toolbox-request.js';

// ---------------------------------------------------------------- gathering

/** The steps that dump one network namespace (links, IPv4 addresses, routes, listening sockets). */
export function dumpNetnsSteps(label: string, netns: NamespaceRef, listening = false): SectionStep[] {
  const steps: SectionStep[] = [
    { section: `${label} links`, step: { argv: ['ip', '-o', 'link', 'show'], netns } },
    { section: `${label} addrs`, step: { argv: ['ip', '-4', '-o', 'addr', 'show'], netns } },
    { section: `${label} routes`, step: { argv: ['ip', '-4', 'route', 'show'], netns } },
  ];
  if (listening) steps.push({ section: `${label} listen`, step: { argv: ['ss', '-Hltnu'], netns } });
  return steps;
}

/**
 * What one step printed, as a section's text: its output, then its errors (or why it never
 * ran), trimmed; what `cmd 2>&1` showed when the sections were shell.
 */
export function sectionText(r: StepResult | ExecResult): string {
  const error = 'error' in r ? r.error : undefined;
  return [r.stdout, r.stderr, error ?? '']
    .filter((t) => t.trim())
    .map((t) => t.replace(/\n+$/, ''))
    .join('\n')
    .trim();
}

/** Every step's result as its section's text. */
export function sectionTexts(results: ReadonlyMap<string, StepResult>): Map<string, string> {
  return new Map([...results].map(([name, r]) => [name, sectionText(r)]));
}

// ---------------------------------------------------------------- interfaces and routes

export interface Link {
  index: number;
  name: string;
  /** `eth0@if4`: the peer's ifindex in the other namespace. */
  peerIndex?: number;
  up: boolean;
  /** operstate, e.g. UP, DOWN, LOWERLAYERDOWN, UNKNOWN. */
  state?: string;
  master?: string;
}

/** `ip -o link show` lines. */
export function parseLinks(out: string): Link[] {
  const links: Link[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+):\s+([^:@\s]+)(?:@if(\d+)|@[^:\s]+)?:\s+<([^>]*)>(.*)$/.exec(line.trim());
    if (!m) continue;
    const flags = m[4]!.split(',');
    const rest = m[5]!;
    links.push({
      index: Number(m[1]),
      name: m[2]!,
      peerIndex: m[3] ? Number(m[3]) : undefined,
      up: flags.includes('UP'),
      state: /\bstate (\S+)/.exec(rest)?.[1],
      master: /\bmaster (\S+)/.exec(rest)?.[1],
    });
  }
  return links;
}

export interface Addr {
  dev: string;
  ip: string;
  prefix: number;
}

/** `ip -4 -o addr show` lines. */
export function parseAddrs(out: string): Addr[] {
  const addrs: Addr[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line.trim());
    if (m) addrs.push({ dev: m[1]!, ip: m[2]!, prefix: Number(m[3]) });
  }
  return addrs;
}

export interface RouteEntry {
  /** `default` or a CIDR (a bare address is a /32). */
  dst: string;
  via?: string;
  dev?: string;
  /** The line as `ip route` printed it. */
  text: string;
}

/** `ip -4 route show` lines (main table). */
export function parseRoutes(out: string): RouteEntry[] {
  const routes: RouteEntry[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('Error') || /^(broadcast|local|unreachable|prohibit|blackhole)\s/.test(line)) continue;
    const dst = line.split(/\s+/)[0]!;
    if (dst !== 'default' && !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst)) continue;
    routes.push({ dst, via: /\bvia (\S+)/.exec(line)?.[1], dev: /\bdev (\S+)/.exec(line)?.[1], text: line });
  }
  return routes;
}

function cidrOf(dst: string): { base: number; prefix: number } | undefined {
  if (dst === 'default') return { base: 0, prefix: 0 };
  return parseCidr(dst.includes('/') ? dst : `${dst}/32`, false);
}

/** Whether `ip` is inside `cidr` (`default` holds every address). */
export function inCidr(ip: string, cidr: string): boolean {
  const c = cidrOf(cidr);
  const a = parseIp(ip);
  if (!c || a === undefined) return false;
  return contains(c, a);
}

/** The route the kernel picks for `ip` (longest prefix), as `ip route get` would. */
export function lookupRoute(routes: readonly RouteEntry[], ip: string): RouteEntry | undefined {
  let best: RouteEntry | undefined;
  let bestPrefix = -1;
  for (const r of routes) {
    const c = cidrOf(r.dst);
    if (!c || !inCidr(ip, r.dst)) continue;
    if (c.prefix > bestPrefix) {
      best = r;
      bestPrefix = c.prefix;
    }
  }
  return best;
}

// ---------------------------------------------------------------- sockets

export interface Listening {
  proto: 'tcp' | 'udp';
  addr: string;
  port: number;
}

/** `ss -Hltnu` (or with its header) lines: TCP LISTEN and UDP UNCONN sockets. */
export function parseListening(out: string): Listening[] {
  const found: Listening[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || (cols[0] !== 'tcp' && cols[0] !== 'udp')) continue;
    const local = cols[4]!;
    const i = local.lastIndexOf(':');
    const port = Number(local.slice(i + 1));
    if (!Number.isInteger(port)) continue;
    found.push({ proto: cols[0], addr: local.slice(0, i).replace(/%\S+$/, ''), port });
  }
  return found;
}

/** Whether a socket list accepts `proto` on `ip:port` (a wildcard address counts). */
export function listensOn(list: readonly Listening[], proto: 'tcp' | 'udp', port: number, ip?: string): boolean {
  return list.some((l) => l.proto === proto && l.port === port && (['*', '0.0.0.0', '[::]', '::'].includes(l.addr) || !ip || l.addr === ip));
}

/** `8080/tcp, 53/udp` for a sentence. */
export function describeListening(list: readonly Listening[]): string {
  const uniq = [...new Set(list.filter((l) => !l.addr.startsWith('127.')).map((l) => `${l.port}/${l.proto}`))];
  return uniq.length ? uniq.join(', ') : 'nothing';
}

// ---------------------------------------------------------------- kube-proxy's rules

// The parsers of `iptables-save -c` and `nft -a list` output belong to the proxy modes that
// write those rules (src/plan/proxy/*/parse.ts); re-exported here for the diagnosis.
export { parseIptablesSave, ruleMatchesDestination, type IptRule } from '../../plan/proxy/iptables/parse.js';
export { parseNftMapElements, parseNftRules, type NftRule } from '../../plan/proxy/nftables/parse.js';

// ---------------------------------------------------------------- conntrack

export interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  proto: string;
  state?: string;
  original: Tuple;
  reply: Tuple;
  text: string;
}

/** `conntrack -L` lines. */
export function parseConntrack(out: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    const srcs = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dsts = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    if (srcs.length < 2 || dsts.length < 2) continue;
    const sports = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    const dports = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    const words = line.split(/\s+/);
    entries.push({
      proto: words[0]!,
      state: /^[A-Z_]+$/.test(words[3] ?? '') ? words[3] : undefined,
      original: { src: srcs[0]!, dst: dsts[0]!, sport: sports[0], dport: dports[0] },
      reply: { src: srcs[1]!, dst: dsts[1]!, sport: sports[1], dport: dports[1] },
      text: line,
    });
  }
  return entries;
}

export function formatTuple(t: Tuple): string {
  return `${t.src}${t.sport !== undefined ? `:${t.sport}` : ''} → ${t.dst}${t.dport !== undefined ? `:${t.dport}` : ''}`;
}
