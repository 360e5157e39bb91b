// How a node announces LoadBalancer addresses on the node network, as MetalLB's layer-2
// speaker does in effect. Pure: agent steps and the reading of what they print.
//
// A MetalLB speaker answers ARP requests for the addresses its node won (a raw socket on the
// node's interface, replying with that interface's MAC) and sends a gratuitous ARP when it
// takes one over; it does not add the address to the node. netlab adds the address as a /32
// to the elected node's underlay interface instead, so the node's own kernel answers ARP for
// it with the same MAC, and arping sends the gratuitous ARP. On the wire it is the same:
// the external client's packets to the address go to that node, and kube-proxy's rules
// (PREROUTING, before any routing decision) DNAT them as they would under MetalLB. The one
// difference, the address being local on the speaker (as IPVS mode's kube-ipvs0 makes every
// service address), only matters to the node's own traffic, which kube-proxy treats as
// "LOCAL" traffic either way. `ip neigh add proxy` was the other candidate; Linux only
// answers for proxy entries routed out of another interface, which the underlay's own
// addresses never are.
import type { AgentStep, NamespaceRef, StepResult } from '../core/toolbox-request.js';
import { parseIp } from '../core/cidr.js';
import type { AddressPool } from './load-balancer.js';

/** Reads the node's IPv4 addresses (one line per address). */
export const readAddressesStep = (node: NamespaceRef): AgentStep => ({ argv: ['ip', '-4', '-o', 'addr', 'show'], netns: node });

/** `ip -4 -o addr show`: each interface's addresses, as `dev` and `ip/prefix`. */
export function parseAddresses(text: string): { dev: string; ip: string; prefix: number }[] {
  const out: { dev: string; ip: string; prefix: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
    if (m) out.push({ dev: m[1]!.replace(/@.*$/, ''), ip: m[2]!, prefix: Number(m[3]) });
  }
  return out;
}

/** What one node must change: addresses to add (and announce) and to remove, on its underlay interface. */
export interface Announcement {
  dev: string;
  add: string[];
  remove: string[];
}

/**
 * From the node's addresses now: the pool's /32s on the interface holding `nodeIP` that it
 * must add (`wanted`, the addresses this node won) and remove (every other one of the pool).
 */
export function announcement(addresses: string, nodeIP: string, wanted: readonly string[], pool: AddressPool): Announcement {
  const all = parseAddresses(addresses);
  const dev = all.find((a) => a.ip === nodeIP)?.dev;
  if (!dev) throw new Error(`no interface holds the node's address ${nodeIP}`);
  const inPool = (ip: string) => {
    const n = parseIp(ip);
    return n !== undefined && n >= pool.first && n <= pool.last;
  };
  const present = new Set(all.filter((a) => a.dev === dev && a.prefix === 32 && inPool(a.ip)).map((a) => a.ip));
  return {
    dev,
    add: wanted.filter((ip) => !present.has(ip)),
    remove: [...present].filter((ip) => !wanted.includes(ip)),
  };
}

/** The changes as steps in the node's namespace (each must succeed). */
export function announcementSteps(node: NamespaceRef, a: Announcement): AgentStep[] {
  return [
    ...a.remove.map((ip): AgentStep => ({ argv: ['ip', 'addr', 'del', `${ip}/32`, 'dev', a.dev], netns: node })),
    ...a.add.map((ip): AgentStep => ({ argv: ['ip', 'addr', 'add', `${ip}/32`, 'dev', a.dev], netns: node })),
  ];
}

/** The gratuitous ARP a speaker sends for an address it took over (run once the address is there). */
export const gratuitousArpStep = (node: NamespaceRef, dev: string, ip: string): AgentStep => ({
  argv: ['arping', '-q', '-U', '-c', '1', '-w', '1', '-I', dev, ip],
  netns: node,
});

/** The addresses a node announces: those of the Services it was elected for. */
export function announcedBy(node: string, services: readonly { loadBalancerIP?: string; speaker?: string }[]): string[] {
  return services.flatMap((s) => (s.loadBalancerIP !== undefined && s.speaker === node ? [s.loadBalancerIP] : []));
}

/** A step's output, or an error that says what failed. */
export function stdoutOf(r: StepResult | undefined, what: string): string {
  if (!r) throw new Error(`${what} gave no result`);
  if (r.exitCode !== 0) throw new Error(`${what} failed: ${r.stderr.trim() || r.error || `exit code ${r.exitCode}`}`);
  return r.stdout;
}

/**
 * A node's sync with its announcements folded in: one more read among its checks, and the
 * address changes among what is left to do after them. `announced` gets, per node, the
 * interface and the addresses it added (for their gratuitous ARP once they are in place).
 */
export function withAnnouncements<S extends { checks: AgentStep[]; after(checks: StepResult[]): AgentStep[] }>(
  sync: S,
  node: NamespaceRef,
  nodeIP: string,
  wanted: readonly string[],
  pool: AddressPool,
  announced: (a: Announcement) => void,
): S {
  const own = sync.checks.length;
  return {
    ...sync,
    checks: [...sync.checks, readAddressesStep(node)],
    after(checks: StepResult[]): AgentStep[] {
      const a = announcement(stdoutOf(checks[own], "reading the node's addresses"), nodeIP, wanted, pool);
      announced(a);
      return [...sync.after(checks.slice(0, own)), ...announcementSteps(node, a)];
    },
  };
}
