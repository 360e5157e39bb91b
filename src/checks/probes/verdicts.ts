// Verdicts more than one probe kind gives: reached or not (turned around for an expected drop),
// and many requests counted by the pods that answered.
import { oneLine } from '../../core/text.js';
import type { ProbeOutput, ResolvedProbe, Verdict } from './driver.js';

/** A probe's output quoted in its detail: one line of at most this many characters. */
export const DETAIL_MAX = 160;

/** Reached or not; with expect: unreachable, a drop passes. */
export function reached(p: ResolvedProbe, ok: boolean, detail: string): Verdict {
  return p.expect === 'unreachable' ? { ok: !ok, detail: ok ? `reachable, but expected a drop: ${detail}` : `dropped as expected: ${detail}` } : { ok, detail };
}

/** Exit 0 means reached (nc for tcp, udp_probe for udp); the output says what happened. */
export function reachedByExit(p: ResolvedProbe, { exitCode, output }: ProbeOutput): Verdict {
  return reached(p, exitCode === 0, oneLine(output, DETAIL_MAX) || `exit ${exitCode}`);
}

/** Many requests: how many were answered, by how many different pods ("Hello from <pod>"). */
export function judgeRepeated(p: ResolvedProbe, out: string, answered: (reply: string) => boolean): Verdict {
  const replies = out
    .split(/\n%%\n?/)
    .filter((x) => x.trim())
    .filter(answered);
  const pods = new Set(replies.map((x) => /Hello from (\S+)/.exec(x)?.[1]).filter(Boolean));
  const counts = [...pods].map((name) => `${name} ${replies.filter((x) => x.includes(`Hello from ${name} `)).length}`);
  const summary = `${replies.length}/${p.count} answered by ${pods.size} pod(s)${counts.length ? `: ${counts.join(', ')}` : ''}`;
  if (p.expect === 'unreachable') return { ok: replies.length === 0, detail: summary };
  const ok = replies.length === p.count && pods.size >= (p.distinct ?? 1);
  return { ok, detail: ok || replies.length < (p.count ?? 1) ? summary : `${summary}; expected at least ${p.distinct} different pods` };
}
