// netns: whether source and target share one network namespace (same-netns, the default) or
// not (different-netns), by the namespaces' inode numbers.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, Verdict } from './driver.js';
import { namespaceOf, printed, sourceNetns } from './steps.js';
import { DETAIL_MAX } from './verdicts.js';

/** What names the namespace a program runs in: /proc/self/ns/net, read from inside it. */
const OWN_NETNS = ['readlink', '/proc/self/ns/net'] as const;

export const netns: ProbeDriver = {
  kind: 'netns',
  enters: 'target',
  prepare: ({ enteredPid, enteredContainer }: ProbeSite) => ({ targetPid: enteredPid, ...(enteredContainer ? { targetContainer: enteredContainer } : {}) }),
  // Each namespace's inode, read by a program inside it (entered only if the PID is the container's).
  steps: (p) => [
    { argv: [...OWN_NETNS], netns: sourceNetns(p) },
    { argv: [...OWN_NETNS], netns: namespaceOf(p.targetPid ?? 0, p.targetContainer) },
  ],
  judge: (p, results): Verdict => {
    const [a, b] = results.map((r) => r.stdout.trim());
    const failed = results.find((r) => r.exitCode !== 0);
    if (failed || !a || !b) return { ok: false, detail: oneLine(results.map(printed).join('\n'), DETAIL_MAX) || 'namespace not readable' };
    const same = a === b;
    const ok = p.expect === 'different-netns' ? !same : same;
    return { ok, detail: same ? `one network namespace ${a}` : `different namespaces ${a} and ${b}` };
  },
};
