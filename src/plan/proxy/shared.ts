// Small pieces the proxy-mode drivers share: shell around a node's network namespace, and
// explain's counters. Pure.
import { shq } from '../scripts.js';
import type { Counters } from './driver.js';
import type { ProxyInput } from './types.js';

/** The comment on explain's temporary counter rules, and the payload of its one UDP datagram. */
export const EXPLAIN_MARK = 'netlab-explain';

/** `nsenter` into a node's network namespace, from the toolbox (which shares the host's PIDs). */
export const inNodeNet = (nodePid: number): string => `nsenter --net=/proc/${nodePid}/ns/net`;

/** Each command line run whole in the node's network namespace. */
export const eachInNodeNet = (ns: string, commands: readonly string[]): string[] => commands.map((cmd) => `${ns} sh -c ${shq(cmd)}`);

/** A quoted here-document (no expansion) feeding `text` to `command`. */
export const heredoc = (command: string, tag: string, text: string): string => `${command} <<'${tag}'\n${text}\n${tag}`;

/** The last line of every sync script. */
export const servicePortsLine = (input: ProxyInput): string => `echo "${input.services.length} service ports"`;

/** Packet counters read before and after explain's one request (moved: the request went there). */
export function counters(before: number | undefined, after: number | undefined): Counters | undefined {
  return before === undefined && after === undefined ? undefined : { before: before ?? 0, after: after ?? 0, moved: (after ?? 0) > (before ?? 0) };
}
