// Small pieces the proxy-mode drivers share: the step that loads a node's rules, and explain's
// counters. Pure.
import type { AgentStep, NamespaceRef } from '../../core/toolbox-request.js';
import type { Counters } from './driver.js';

/** The comment on explain's temporary counter rules, and the payload of its one UDP datagram. */
export const EXPLAIN_MARK = 'netlab-explain';

/** How long one load of a node's rules may take (a thousand services load in seconds). */
export const LOAD_TIMEOUT_MS = 300_000;

/** A program that loads rules, in the node's network namespace, the rules on its stdin. */
export const loadStep = (node: NamespaceRef, argv: AgentStep['argv'], rules: string): AgentStep => ({
  argv,
  netns: node,
  stdin: rules,
  timeoutMs: LOAD_TIMEOUT_MS,
});

/** Packet counters read before and after explain's one request (moved: the request went there). */
export function counters(before: number | undefined, after: number | undefined): Counters | undefined {
  return before === undefined && after === undefined ? undefined : { before: before ?? 0, after: after ?? 0, moved: (after ?? 0) > (before ?? 0) };
}
