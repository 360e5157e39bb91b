// http: an HTTP GET from the source's namespace (`count` times through `repeat`); reachable =
// any HTTP answer, which must contain `contains` when the check names it.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver, ProbeOutput, ResolvedProbe, Verdict } from './driver.js';
import { shArg } from '../../plan/scripts.js';
import { CONNECT_TIMEOUT_S, enterSource, IN_POD, MAX_TIME_S, REPEAT, repeated } from './shell.js';
import { DETAIL_MAX, judgeRepeated, reached } from './verdicts.js';

export const http: ProbeDriver = {
  kind: 'http',
  helpers: [IN_POD, REPEAT],
  command: (p) =>
    repeated(
      p,
      `${enterSource(p)} curl -sS --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${MAX_TIME_S} -w '\\nHTTP %{http_code}' ${shArg(`http://${hostPort(p)}/`)}`,
    ),
  judge: (p, out) => ((p.count ?? 1) > 1 ? judgeRepeated(p, out.output, answered) : judgeOne(p, out)),
  diagnosis: { proto: 'tcp' },
};

function hostPort(p: ResolvedProbe): string {
  const host = p.targetName ?? p.targetIp ?? '';
  return p.port === undefined ? host : `${host}:${p.port}`;
}

/** One of many requests was answered: it ends with a real status code. */
const answered = (reply: string) => /HTTP [1-5]\d\d\s*$/.test(reply.trim());

function judgeOne(p: ResolvedProbe, { exitCode, output: out }: ProbeOutput): Verdict {
  const m = /\nHTTP (\d{3})$/.exec(out) ?? /^HTTP (\d{3})$/.exec(out);
  const code = m?.[1];
  if (exitCode !== 0 || !code || code === '000') return reached(p, false, oneLine(out.replace(/\n?HTTP 000$/, ''), DETAIL_MAX) || `curl exit ${exitCode}`);
  const body = out.slice(0, out.length - m![0].length).trim();
  if (p.contains !== undefined && !body.includes(p.contains) && p.expect !== 'unreachable') {
    return { ok: false, detail: `HTTP ${code}, but the answer lacks "${p.contains}": ${oneLine(body, DETAIL_MAX)}` };
  }
  return reached(p, true, `HTTP ${code} ${oneLine(body, 120)}`);
}
