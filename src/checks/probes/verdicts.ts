// Verdicts more than one probe kind gives: reached or not (turned around for an expected drop),
// and many requests counted by the pods that answered.
import { oneLine } from '../../core/text.js';
import type { StepResult } from '../../core/toolbox-request.js';
import type { ResolvedProbe, Verdict } from './driver.js';
import { printed } from './steps.js';

/** A probe's output quoted in its detail: one line of at most this many characters. */
export const DETAIL_MAX = 160;

/** Reached or not; with expect: unreachable, a drop passes. */
export function reached(p: ResolvedProbe, ok: boolean, detail: string): Verdict {
  return p.expect === 'unreachable' ? { ok: !ok, detail: ok ? `reachable, but expected a drop: ${detail}` : `dropped as expected: ${detail}` } : { ok, detail };
}

/** Exit 0 means reached (nc for tcp); the output says what happened. */
export function reachedByExit(p: ResolvedProbe, r: StepResult): Verdict {
  return reached(p, r.exitCode === 0, oneLine(printed(r), DETAIL_MAX) || `exit ${r.exitCode}`);
}

/** Many requests: how many were answered (`replies`: what each printed), by how many different pods ("Hello from <pod>"). */
export function judgeRepeated(p: ResolvedProbe, replies: string[], answered: (reply: string) => boolean): Verdict {
  const good = replies.filter((x) => x.trim()).filter(answered);
  const pods = new Set(good.map((x) => /Hello from (\S+)/.exec(x)?.[1]).filter(Boolean));
  const counts = [...pods].map((name) => `${name} ${good.filter((x) => x.includes(`Hello from ${name} `)).length}`);
  const summary = `${good.length}/${p.count} answered by ${pods.size} pod(s)${counts.length ? `: ${counts.join(', ')}` : ''}`;
  if (p.expect === 'unreachable') return { ok: good.length === 0, detail: summary };
  const ok = good.length === p.count && pods.size >= (p.distinct ?? 1);
  return { ok, detail: ok || good.length < (p.count ?? 1) ? summary : `${summary}; expected at least ${p.distinct} different pods` };
}
