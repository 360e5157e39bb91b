// dns: the source pod's resolver (its resolv.conf: search list, ndots) answers `to`, a name;
// `record` picks A (default), SRV or PTR; expect nxdomain for a name that must not exist;
// `answers` is the exact set of records the answer must hold, `contains` a part of one.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { printed, sourceNetns } from './steps.js';
import { DETAIL_MAX } from './verdicts.js';

const DIG = ['dig', '+search', '+time=1', '+tries=1', '+noall', '+comments', '+answer'] as const;

export const dns: ProbeDriver = {
  kind: 'dns',
  prepare: ({ check }: ProbeSite) => ({ targetName: check.to, record: check.record, ...(check.answers ? { answers: check.answers } : {}) }),
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

/** The answer section's records of the type asked (a CNAME on the way is not one): type and data, as dig prints them. */
export function answerRecords(out: string, record: string): { type: string; data: string }[] {
  return out
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5)
    .map((f) => ({ type: f[3]!, data: f.slice(4).join(' ') }))
    .filter((r) => r.type === record);
}

/** A record's data compared as DNS compares it: names without case, the final dot optional. */
const normal = (data: string) =>
  data
    .trim()
    .split(/\s+/)
    .map((w) => w.toLowerCase().replace(/\.$/, ''))
    .join(' ');

/** `answers`: the same set, in any order; what is missing and what is extra otherwise. */
export function compareAnswers(expected: readonly string[], got: readonly string[]): { ok: boolean; missing: string[]; extra: string[] } {
  const want = new Set(expected.map(normal));
  const have = new Set(got.map(normal));
  const missing = expected.filter((e) => !have.has(normal(e)));
  const extra = got.filter((g) => !want.has(normal(g)));
  return { ok: missing.length === 0 && extra.length === 0, missing, extra };
}

function judgeAnswer(p: ResolvedProbe, out: string): Verdict {
  const status = /status: ([A-Z]+)/.exec(out)?.[1];
  const record = p.record ?? 'A';
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
  const records = answerRecords(out, record).map((r) => r.data);
  if (status !== 'NOERROR' || records.length === 0) {
    const wanted = p.answers ? `expected ${record} ${p.answers.join(', ')}, got ` : '';
    return { ok: false, detail: `${wanted}${status} for ${p.targetName}, no ${record} record` };
  }
  const got = `${p.targetName} → ${answers.join(', ')}`;
  if (p.answers) {
    const c = compareAnswers(p.answers, records);
    if (!c.ok) {
      const diff = [c.missing.length ? `missing ${c.missing.join(', ')}` : '', c.extra.length ? `not expected ${c.extra.join(', ')}` : ''].filter(Boolean);
      return { ok: false, detail: `expected ${record} ${p.answers.join(', ')}; got ${records.join(', ')} (${diff.join('; ')})` };
    }
  }
  if (p.contains !== undefined && !records.some((r) => r.toLowerCase().includes(p.contains!.toLowerCase())))
    return { ok: false, detail: `expected ${record === 'PTR' ? 'a' : 'an'} ${record} record containing "${p.contains}"; got ${records.join(', ')}` };
  return { ok: true, detail: got };
}
