// dns: the source pod's resolver (its resolv.conf: search list, ndots) answers `to`, a name;
// `record` picks A (default), SRV or PTR; expect nxdomain for a name that must not exist.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { printed, sourceNetns } from './steps.js';
import { DETAIL_MAX } from './verdicts.js';

const DIG = ['dig', '+search', '+time=1', '+tries=1', '+noall', '+comments', '+answer'] as const;

export const dns: ProbeDriver = {
  kind: 'dns',
  prepare: ({ check }: ProbeSite) => ({ targetName: check.to, record: check.record }),
  // The pod's own resolver: its network namespace and its resolv.conf. The name is the value
  // of -x (PTR) or -q (the query name): never an option, a server (@) or a dig flag (+).
  steps: (p) => {
    const query = p.record === 'PTR' ? ['-x', p.targetName ?? ''] : ['-t', p.record ?? 'A', '-q', p.targetName ?? ''];
    return [{ argv: [...DIG, ...query], netns: sourceNetns(p), resolvConfFrom: sourceNetns(p) }];
  },
  judge: (p, [r]) => judgeAnswer(p, printed(r!)),
  // The path to the cluster DNS, and what it answers for the name.
  diagnosis: { proto: 'udp', lookup: true },
};

function judgeAnswer(p: ResolvedProbe, out: string): Verdict {
  const status = /status: ([A-Z]+)/.exec(out)?.[1];
  const answers = out
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
  if (!status) return { ok: false, detail: oneLine(out, DETAIL_MAX) || 'no answer from the cluster DNS' };
  if (p.expect === 'nxdomain') {
    return status === 'NXDOMAIN'
      ? { ok: true, detail: `NXDOMAIN for ${p.targetName}` }
      : { ok: false, detail: `expected NXDOMAIN, got ${status}${answers.length ? `: ${answers.join(', ')}` : ''}` };
  }
  if (status !== 'NOERROR' || answers.length === 0) return { ok: false, detail: `${status} for ${p.targetName}, no ${p.record ?? 'A'} record` };
  return { ok: true, detail: `${p.targetName} → ${answers.join(', ')}` };
}
