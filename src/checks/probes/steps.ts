// What more than one probe kind does: the deadlines, a program run in the source's network
// namespace (with the pod's own resolver when it resolves a name), requests repeated, and
// what a step printed, read as one text.
import type { AgentStep, NamespaceRef, StepResult } from '../../core/toolbox-request.js';
import type { ResolvedProbe } from './driver.js';

/** Connect / answer deadlines: short, because expected drops are checks too. */
export const CONNECT_TIMEOUT_S = 1;
export const MAX_TIME_S = 2;

/** A container's network namespace: its PID, and its ID when known (the agent checks they match). */
export function namespaceOf(pid: number, container: string | undefined): NamespaceRef {
  return container ? { pid, container } : { pid };
}

/** The source's network namespace. */
export function sourceNetns(p: ResolvedProbe): NamespaceRef {
  return namespaceOf(p.sourcePid, p.sourceContainer);
}

/**
 * A program run in the source's network namespace. When the probe reaches a name, the program
 * sees the pod's own /etc/resolv.conf (kubelet's search list and ndots:5), as the pod would;
 * its binaries stay netlab's.
 */
export function fromSource(p: ResolvedProbe, argv: AgentStep['argv']): AgentStep {
  const netns = sourceNetns(p);
  return p.targetName !== undefined ? { argv, netns, resolvConfFrom: netns } : { argv, netns };
}

/** What the probe reaches: the name for the pod's resolver, else the address. */
export function targetHost(p: ResolvedProbe): string {
  return p.targetName ?? p.targetIp ?? '';
}

/** The step once, or `count` times: each a program of its own, so a new connection (a new choice of endpoint). */
export function repeated(p: ResolvedProbe, step: AgentStep): AgentStep[] {
  return Array.from({ length: Math.max(1, p.count ?? 1) }, () => ({ ...step }));
}

/** What a step printed, trimmed: why it never ran, then its output, then its errors. */
export function printed(r: StepResult): string {
  return [r.error ?? '', r.stdout, r.stderr]
    .map((s) => s.trim())
    .filter(Boolean)
    .join('\n');
}
