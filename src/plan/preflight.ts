// Preflight, the pure part: what a lab is about to take (its underlay and pod CIDRs, the host
// ports `--publish` binds) against what the engine and the host already hold. Decided before
// anything is created; each problem names the holder, and the lab file's line when it has one.
import { formatCidr, formatIp, overlaps, parseCidr } from '../core/cidr.js';
import { formatLocation, type SourceLocation } from '../core/errors.js';
import { networkName, podTitle } from '../core/names.js';
import type { Lab, Protocol, ServicePortSpec, ServiceSpec } from '../labfile/model.js';
import { pickUnderlay } from './addresses.js';
import { allocateNodePorts } from './services.js';

/** What preflight found wrong: one line (with its place) and what to do about it. */
export interface PreflightProblem {
  message: string;
  hint: string;
}

// ---------------------------------------------------------------- subnets

/** A Docker network as preflight reads it off the engine. */
export interface NetworkView {
  name: string;
  subnets: string[];
  /** The host's bridge device, when the network names it (`docker0` for the default `bridge`). */
  bridge?: string;
  /** The netlab lab it belongs to (its `netlab.lab` label). */
  lab?: string;
}

/** A route of the host's main table. */
export interface HostRoute {
  cidr: string;
  dev: string;
  gateway?: string;
}

/** A block of addresses something already uses, and how a message names that something. */
export interface SubnetHolder {
  cidr: string;
  /** `Docker network bridge (docker0)`, `Docker network netlab-a (lab a)`, `the host's route via dev tun0`. */
  holder: string;
}

/** How a message names a network: its name, its lab or its host bridge. */
export function networkHolder(n: NetworkView): string {
  const about = [n.lab ? `lab ${n.lab}` : undefined, n.bridge].filter((x) => x !== undefined);
  return `Docker network ${n.name}${about.length ? ` (${about.join(', ')})` : ''}`;
}

/**
 * What the lab must keep clear of: every network on the engine but the lab's own, then the host's
 * routes (but the default route, and the routes of the engine's own bridges, which name a network).
 */
export function subnetHolders(lab: string, networks: readonly NetworkView[], routes: readonly HostRoute[]): SubnetHolder[] {
  const own = networkName(lab);
  const ipv4 = (s: string) => parseCidr(s, false) !== undefined;
  const holders: SubnetHolder[] = networks
    .filter((n) => n.name !== own)
    .flatMap((n) => n.subnets.filter(ipv4).map((cidr) => ({ cidr, holder: networkHolder(n) })));
  const networkBlocks = new Set(networks.flatMap((n) => n.subnets.filter(ipv4).map((s) => formatCidr(parseCidr(s, false)!))));
  for (const r of routes) {
    const c = parseCidr(r.cidr, false);
    if (!c || c.prefix === 0 || networkBlocks.has(formatCidr(c))) continue;
    holders.push({ cidr: formatCidr(c), holder: `the host's route via dev ${r.dev}${r.gateway ? ` (gateway ${r.gateway})` : ''}` });
  }
  return holders;
}

/**
 * /proc/net/route: the main table, addresses as hex in the host's byte order. Routes that are not
 * up are left out.
 */
export function parseProcRoutes(text: string, littleEndian = true): HostRoute[] {
  const ip = (hex: string): number | undefined => {
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
    const n = Number.parseInt(hex, 16) >>> 0;
    return littleEndian ? (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0 : n;
  };
  const routes: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [dev, dst, gw, flags, , , , m] = line.trim().split(/\s+/);
    if (!dev || dst === undefined || gw === undefined || flags === undefined || m === undefined) continue;
    const [base, gateway, netmask] = [ip(dst), ip(gw), ip(m)];
    if (base === undefined || gateway === undefined || netmask === undefined || !(Number.parseInt(flags, 16) & 1)) continue;
    // The mask's leading ones are the prefix.
    const prefix = Math.clz32(~netmask);
    routes.push({ cidr: formatCidr({ base: (base & netmask) >>> 0, prefix }), dev, ...(gateway ? { gateway: formatIp(gateway) } : {}) });
  }
  return routes;
}

/** A block the lab is about to use: how a message names it, and where the lab file writes it. */
export interface SubnetClaim {
  cidr: string;
  what: string;
  at?: SourceLocation;
}

/**
 * What the lab claims on the engine and the host: the underlay, when its network is about to be
 * created (`underlay`). Pod CIDRs are not claimed: they live only inside the lab's nodes (as
 * several copies of one lab side by side show), and pods never reach the host's routes.
 */
export function subnetClaims(lab: Lab, underlay: string | undefined): SubnetClaim[] {
  if (underlay === undefined) return [];
  const written = lab.topology.underlay === underlay;
  return [
    {
      cidr: underlay,
      what: `underlay ${underlay}${written ? '' : ' (picked by netlab)'}`,
      ...(written && lab.topology.underlayAt ? { at: lab.topology.underlayAt } : {}),
    },
  ];
}

/** Each claim that overlaps a holder, naming every holder it overlaps, with a free block to use instead. */
export function subnetProblems(lab: Lab, claims: readonly SubnetClaim[], holders: readonly SubnetHolder[]): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const held = holders.flatMap((h) => {
    const cidr = parseCidr(h.cidr, false);
    return cidr ? [{ ...h, block: cidr }] : [];
  });
  for (const claim of claims) {
    const block = parseCidr(claim.cidr, false);
    if (!block) continue;
    const clashes = held.filter((h) => overlaps(h.block, block));
    if (!clashes.length) continue;
    problems.push({
      message: `${claim.at ? `${formatLocation(claim.at)}: ` : ''}${claim.what} overlaps ${listText(clashes.map((h) => `${h.holder} ${h.cidr}`))}`,
      hint: underlayHint(lab, claims, held, claim),
    });
  }
  return problems;
}

function underlayHint(lab: Lab, claims: readonly SubnetClaim[], held: readonly { cidr: string }[], claim: SubnetClaim): string {
  const taken = [...held.map((h) => h.cidr), ...claims.filter((c) => c !== claim).map((c) => c.cidr), lab.topology.serviceCIDR, lab.topology.clusterCIDR];
  let free: string | undefined;
  try {
    free = pickUnderlay(taken);
  } catch {}
  if (!claim.at) return 'run `netlab up` again: netlab picks another free subnet';
  return `pick another subnet for topology.underlay${free ? ` (${free} is free)` : ''}, or remove topology.underlay and let netlab choose a free one`;
}

// ---------------------------------------------------------------- host ports

/** A nodePort that `--publish` puts on 127.0.0.1 of the host. */
export interface PublishedPort {
  service: ServiceSpec;
  port: ServicePortSpec;
  nodePort: number;
  protocol: Protocol;
}

/** Every nodePort the lab publishes on 127.0.0.1 (none unless topology.publish or --publish). */
export function publishedNodePorts(lab: Pick<Lab, 'topology' | 'services'>): PublishedPort[] {
  if (!lab.topology.publish) return [];
  const nodePorts = allocateNodePorts(lab.services);
  return lab.services.flatMap((service) =>
    service.ports.flatMap((port) => {
      const nodePort = nodePorts.get(port);
      return nodePort === undefined ? [] : [{ service, port, nodePort, protocol: port.protocol }];
    }),
  );
}

/** A port a container publishes on the host, as the engine lists it. */
export interface PortHolder {
  port: number;
  protocol: string;
  /** The host address it is bound to ('' or 0.0.0.0 / :: for every address). */
  ip: string;
  container: string;
  lab?: string;
}

/** `30500/tcp`: how host ports are keyed. */
export function portKey(port: number, protocol: string): string {
  return `${port}/${protocol.toLowerCase()}`;
}

/** Whether a binding on `ip` takes 127.0.0.1 too. */
function coversLoopback(ip: string): boolean {
  return ip === '' || ip === '127.0.0.1' || ip === '0.0.0.0' || ip === '::';
}

/**
 * Each published nodePort that something already holds on 127.0.0.1: another lab's (or any)
 * container on the engine, else a process on this host (`hostHeld`, keyed by portKey).
 */
export function portProblems(published: readonly PublishedPort[], holders: readonly PortHolder[], hostHeld: ReadonlySet<string>): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  for (const p of published) {
    const key = portKey(p.nodePort, p.protocol);
    const container = holders.find((h) => portKey(h.port, h.protocol) === key && coversLoopback(h.ip));
    const address = `127.0.0.1:${p.nodePort}${p.protocol === 'UDP' ? '/udp' : ''}`;
    const by = container
      ? `container ${container.container}${container.lab ? ` of lab ${container.lab}` : ' (not a netlab lab)'} holds ${address}`
      : hostHeld.has(key)
        ? `a process on this host holds ${address}`
        : undefined;
    if (!by) continue;
    const service = `Service ${podTitle(p.service)} port ${p.port.name ?? p.port.port}/${p.protocol}`;
    problems.push({
      message: `${formatLocation(p.port.at)}: ${service} (nodePort ${p.nodePort}) cannot be published: ${by}`,
      hint:
        `free 127.0.0.1:${p.nodePort}${container?.lab ? ` (netlab down ${container.lab})` : container ? ` (docker rm -f ${container.container})` : ''}, ` +
        'give the Service another nodePort, or bring the lab up without publishing (no --publish, topology.publish: false)',
    });
  }
  return problems;
}

/** "a", "a and b", "a, b and c" */
function listText(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
