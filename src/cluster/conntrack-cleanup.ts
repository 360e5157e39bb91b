// After a sync has written the rules: every node's stale UDP conntrack entries deleted, as
// kube-proxy's iptables and nftables proxiers do at the end of each sync (which entries:
// src/plan/proxy/conntrack-cleanup.ts). The listing rides in the rules' own exec, each node's
// starting once its rules are loaded; a second exec, only when some are stale, deletes them.
import { NetlabError } from '../core/errors.js';
import type { ProxyMode } from '../core/proxy-modes.js';
import { type AgentStep, lastWords, type NamespaceRef, rawStepsRequest, type StepResult } from '../core/toolbox-request.js';
import type { Toolbox } from '../engine/toolbox.js';
import { deleteStaleFlowsStep, hasUdpServices, listUdpFlowsStep, parseUdpFlows, staleUdpFilters } from '../plan/proxy/conntrack-cleanup.js';
import { type PlannedService, proxyInput } from '../plan/services.js';

/** The modes whose kube-proxy reconciles conntrack (the userspace proxy holds the flows itself). */
const RECONCILING: readonly ProxyMode[] = ['iptables', 'nftables'];

/**
 * The listing steps a sync runs in each node once its rules are loaded (in the rules' exec), or
 * undefined when the mode does not reconcile conntrack or no service is UDP.
 */
export function udpFlowListing(mode: ProxyMode, nodes: readonly { ref: NamespaceRef }[], planned: readonly PlannedService[]): AgentStep[][] | undefined {
  const services = proxyInput(planned, '', '', '').services;
  if (!RECONCILING.includes(mode) || !nodes.length || !hasUdpServices(services)) return undefined;
  return nodes.map((n) => [listUdpFlowsStep(n.ref)]);
}

/** Deletes, in every node, the UDP entries no serving endpoint answers, from each node's listing; how many filters it ran. */
export async function deleteStaleUdpFlows(
  toolbox: Toolbox,
  nodes: readonly { node: string; ref: NamespaceRef }[],
  planned: readonly PlannedService[],
  listed: readonly (StepResult | undefined)[],
): Promise<number> {
  const services = proxyInput(planned, '', '', '').services;
  const deletions = nodes.flatMap((n, i) => {
    const r = listed[i];
    if (!r) throw new NetlabError(`Could not list conntrack entries on ${n.node}: no result`);
    if (r.exitCode !== 0) throw new NetlabError(`Could not list conntrack entries on ${n.node}: ${lastWords(r) || `exit code ${r.exitCode}`}`);
    return staleUdpFilters(services, parseUdpFlows(r.stdout)).map((f) => ({ node: n.node, step: deleteStaleFlowsStep(n.ref, f) }));
  });
  if (!deletions.length) return 0;
  const results = await toolbox.run(
    rawStepsRequest(
      'deleting stale UDP conntrack entries',
      deletions.map((d) => d.step),
      Math.min(deletions.length, 8),
    ),
  );
  // Exit 1: nothing matched any more (the entry timed out or was replaced in between), which is fine.
  const bad = results.findIndex((r) => r.exitCode !== 0 && r.exitCode !== 1);
  if (bad >= 0) {
    const d = deletions[bad]!;
    throw new NetlabError(`Could not delete stale conntrack entries on ${d.node} (${d.step.argv.join(' ')}): ${lastWords(results[bad]!)}`);
  }
  return deletions.length;
}
