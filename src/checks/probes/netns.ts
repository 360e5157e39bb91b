// netns: whether source and target share one network namespace (same-netns, the default) or
// not (different-netns), by the namespaces' inode numbers.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, Verdict } from './driver.js';
import { DETAIL_MAX } from './verdicts.js';

export const netns: ProbeDriver = {
  kind: 'netns',
  enters: 'target',
  helpers: [],
  prepare: ({ enteredPid }: ProbeSite) => ({ targetPid: enteredPid }),
  command: (p) => `readlink /proc/${p.sourcePid}/ns/net /proc/${p.targetPid}/ns/net`,
  judge: (p, { exitCode, output }): Verdict => {
    const [a, b] = output.split('\n').map((s) => s.trim());
    if (exitCode !== 0 || !a || !b) return { ok: false, detail: oneLine(output, DETAIL_MAX) || 'namespace not readable' };
    const same = a === b;
    const ok = p.expect === 'different-netns' ? !same : same;
    return { ok, detail: same ? `one network namespace ${a}` : `different namespaces ${a} and ${b}` };
  },
};
