// http: an HTTP GET from the source's namespace (`count` requests, each its own curl);
// reachable = any HTTP answer, which must contain `contains` when the check names it.
import { oneLine } from '../../core/text.js';
import type { StepResult } from '../../core/toolbox-request.js';
import type { ProbeDriver, ResolvedProbe, Verdict } from './driver.js';
import { CONNECT_TIMEOUT_S, fromSource, MAX_TIME_S, repeated, targetHost } from './steps.js';
import { DETAIL_MAX, judgeRepeated, reached } from './verdicts.js';

export const http: ProbeDriver = {
  kind: 'http',
  // The URL is one argument after `--` (never an option); -g: brackets and braces in it are not curl's globs.
  steps: (p) =>
    repeated(
      p,
      fromSource(p, [
        'curl',
        '-sS',
        '-g',
        '--connect-timeout',
        `${CONNECT_TIMEOUT_S}`,
        '--max-time',
        `${MAX_TIME_S}`,
        '-w',
        '\\nHTTP %{http_code}',
        // The Host header is one argument (validated as a DNS name when the lab was read).
        ...(p.host === undefined ? [] : ['-H', `Host: ${p.host}`]),
        '--',
        url(p),
      ]),
    ),
  judge: (p, results) =>
    (p.count ?? 1) > 1 ? judgeRepeated(p, results.map(curlOutput), answered) : judgeOne(p, results[0]!.exitCode, curlOutput(results[0]!)),
  diagnosis: { proto: 'tcp' },
};

function url(p: ResolvedProbe): string {
  const host = targetHost(p);
  return `http://${p.port === undefined ? host : `${host}:${p.port}`}${p.path ?? '/'}`;
}

/** What curl printed, as one text: its error first, then the answer and the `-w` line (as a shell's 2>&1 showed it). */
function curlOutput(r: StepResult): string {
  return [r.error ?? '', r.stderr, r.stdout]
    .map((s) => s.trim())
    .filter(Boolean)
    .join('\n');
}

/** One of many requests was answered: it ends with a real status code. */
const answered = (reply: string) => /HTTP [1-5]\d\d\s*$/.test(reply.trim());

function judgeOne(p: ResolvedProbe, exitCode: number, out: string): Verdict {
  const m = /\nHTTP (\d{3})$/.exec(out) ?? /^HTTP (\d{3})$/.exec(out);
  const code = m?.[1];
  if (exitCode !== 0 || !code || code === '000') return reached(p, false, oneLine(out.replace(/\n?HTTP 000$/, ''), DETAIL_MAX) || `curl exit ${exitCode}`);
  const body = out.slice(0, out.length - m![0].length).trim();
  if (p.contains !== undefined && !body.includes(p.contains) && p.expect !== 'unreachable') {
    return { ok: false, detail: `HTTP ${code}, but the answer lacks "${p.contains}": ${oneLine(body, DETAIL_MAX)}` };
  }
  return reached(p, true, `HTTP ${code} ${oneLine(body, 120)}`);
}
