// What `netlab capture` is asked for, checked before anything runs: the target and its
// interface (`node1:cbr0`, `client --interface eth0`), the packet count, and tcpdump's argv.
// The BPF filter words stay argv words after `--`: tcpdump joins them into its expression and
// nothing ever reads them as a shell would.
import { NetlabError } from '../core/errors.js';

/** The interface when none is named: a pod's, a node's, the router's and external's own eth0. */
export const DEFAULT_INTERFACE = 'eth0';

/** A capture's target as given: the part of the lab, and the interface in its network namespace. */
export interface CaptureTarget {
  /** A pod (ns/pod, pod.ns), pod/container, a node, router or external, as `netlab exec` takes it. */
  target: string;
  interface: string;
}

const HINT = 'Targets: a pod (or pod/container), a node (node1, node1:cbr0, node1:vethXXXX), router, external; --interface IF names the interface.';

/**
 * A Linux interface name as tcpdump's -i takes it: 1 to 15 characters (IFNAMSIZ less its NUL),
 * no slash, colon or white space, and not an option (no leading '-'); or `any`.
 */
export function checkInterfaceName(name: string): string | undefined {
  if (name === '') return 'an empty interface name';
  if (name.startsWith('-')) return `interface ${JSON.stringify(name)} starts with '-'`;
  if (name.includes('@'))
    return `interface ${JSON.stringify(name)}: \`ip link\` shows the peer after '@' (${name.slice(name.indexOf('@'))}), which is not part of the name`;
  if (name.length > 15) return `interface ${JSON.stringify(name)} is longer than Linux's 15 characters`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return `interface ${JSON.stringify(name)} holds a character interface names here never do (letters, digits, '_', '.', '-')`;
  return undefined;
}

/** `client`, `node1:cbr0`, `node1` with `--interface veth1a2b`: the target and its interface. */
export function parseCaptureTarget(text: string, interfaceOption?: string): CaptureTarget {
  const colon = text.lastIndexOf(':');
  const target = colon < 0 ? text : text.slice(0, colon);
  const named = colon < 0 ? undefined : text.slice(colon + 1);
  if (target === '') throw new NetlabError(`No target in ${JSON.stringify(text)}.`, { hint: HINT, exitCode: 2 });
  if (named !== undefined && /^\d+$/.test(named)) {
    throw new NetlabError(`${text}: a capture is taken on an interface, not a port (${named}).`, {
      hint: `Capture on ${target} and filter by port: netlab capture <lab> ${target} port ${named}`,
      exitCode: 2,
    });
  }
  if (named !== undefined && interfaceOption !== undefined && named !== interfaceOption) {
    throw new NetlabError(`${text} names interface ${named}, and --interface names ${interfaceOption}.`, { hint: 'Name it once.', exitCode: 2 });
  }
  const iface = named ?? interfaceOption ?? DEFAULT_INTERFACE;
  const bad = checkInterfaceName(iface);
  if (bad) throw new NetlabError(`Cannot capture on ${text}: ${bad}.`, { hint: HINT, exitCode: 2 });
  return { target, interface: iface };
}

/** `-c N`: a whole number of packets, at least 1. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1e9) {
    throw new NetlabError(`-c ${text}: the number of packets to capture is a whole number from 1.`, { hint: 'e.g. -c 20', exitCode: 2 });
  }
  return Number(text);
}

export interface TcpdumpOptions {
  interface: string;
  /** Packets to capture before stopping; none: until stopped. */
  count?: number;
  /** pcap on stdout (each packet written as it comes); otherwise tcpdump's text, one line a packet. */
  pcap: boolean;
  /** Bytes kept of each packet (tcpdump's -s; default: all of it). */
  snaplen?: number;
  /** The BPF filter, as words. */
  filter: readonly string[];
}

/** tcpdump's argv: no name resolution, packets handed over as they come, the filter after `--`. */
export function tcpdumpArgv(o: TcpdumpOptions): ['tcpdump', ...string[]] {
  return [
    'tcpdump',
    '-n',
    '--immediate-mode',
    '-i',
    o.interface,
    ...(o.count !== undefined ? ['-c', String(o.count)] : []),
    ...(o.snaplen !== undefined ? ['-s', String(o.snaplen)] : []),
    // -U: each packet is written out at once, so `| wireshark -k -i -` sees it as it comes.
    ...(o.pcap ? ['-U', '-w', '-'] : ['-l']),
    ...(o.filter.length ? ['--', ...o.filter] : []),
  ];
}
