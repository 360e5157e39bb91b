// traceroute: the path from the source's namespace to the target, hop by hop; it must arrive,
// and pass `via` (the router, a node or an IP) when the check names one.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
import { printed, sourceNetns } from './steps.js';
import { DETAIL_MAX } from './verdicts.js';

export const traceroute: ProbeDriver = {
  kind: 'traceroute',
  prepare: ({ check, viaIps }: ProbeSite) => (check.via ? { viaName: check.via, viaIps: viaIps(check.via) } : {}),
  // The address after `--`: an operand, never an option.
  steps: (p) => [{ argv: ['traceroute', '-n', '-q', '1', '-w', '1', '-m', '8', '--', p.targetIp ?? ''], netns: sourceNetns(p) }],
  judge: (p, [r]) => judgePath(p, printed(r!)),
  diagnosis: { proto: 'icmp' },
};

/** Hop addresses of a traceroute, in order (`*` for a hop that did not answer). */
export function traceHops(output: string): string[] {
  const hops: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m) hops.push(m[2]!);
  }
  return hops;
}

function judgePath(p: ResolvedProbe, out: string): Verdict {
  const hops = traceHops(out);
  const arrived = hops.at(-1) === p.targetIp;
  const path = hops.join(' → ') || oneLine(out, DETAIL_MAX);
  if (p.expect === 'unreachable') return { ok: !arrived, detail: arrived ? `reached: ${path}` : `not reached: ${path}` };
  if (!arrived) return { ok: false, detail: `did not reach ${p.targetIp}: ${path}` };
  if (p.viaIps && !hops.some((h) => p.viaIps!.includes(h))) {
    return { ok: false, detail: `reached, but not via ${p.viaName} (${p.viaIps.join(' or ')}): ${path}` };
  }
  return { ok: true, detail: `${path}${p.viaName ? ` (via ${p.viaName})` : ''}` };
}
