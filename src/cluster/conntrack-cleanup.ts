// After a sync has written the rules: every node's stale UDP conntrack entries deleted, as
// kube-proxy's iptables and nftables proxiers do at the end of each sync (which entries:
// src/plan/proxy/conntrack-cleanup.ts). One toolbox exec lists them on all nodes at once; a
// second, only when some are stale, deletes them.
import { NetlabError } from '../core/errors.js';
import type { ProxyMode } from '../core/proxy-modes.js';
import { lastWords, type NamespaceRef, rawStepsRequest } from '../core/toolbox-request.js';
import type { Toolbox } from '../engine/toolbox.js';
import { deleteStaleFlowsStep, hasUdpServices, listUdpFlowsStep, parseUdpFlows, staleUdpFilters } from '../plan/proxy/conntrack-cleanup.js';
import { type PlannedService, proxyInput } from '../plan/services.js';

/** The modes whose kube-proxy reconciles conntrack (the userspace proxy holds the flows itself). */
const RECONCILING: readonly ProxyMode[] = ['iptables', 'nftables'];

/** Deletes, in every node, the UDP entries no serving endpoint answers; how many filters it ran. */
export async function clearStaleUdpFlows(
  toolbox: Toolbox,
  mode: ProxyMode,
  nodes: readonly { node: string; ref: NamespaceRef }[],
  planned: readonly PlannedService[],
): Promise<number> {
  const services = proxyInput(planned, '', '', '').services;
  if (!RECONCILING.includes(mode) || !nodes.length || !hasUdpServices(services)) return 0;
  const listed = await toolbox.run(
    rawStepsRequest(
      'listing UDP conntrack entries',
      nodes.map((n) => listUdpFlowsStep(n.ref)),
      nodes.length,
    ),
  );
  const deletions = nodes.flatMap((n, i) => {
    const r = listed[i]!;
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
