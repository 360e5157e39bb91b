// udp: a UDP datagram from the source's namespace (`count` of them, each its own nc);
// reachable = something answered it.
import { oneLine } from '../../core/text.js';
import type { StepResult } from '../../core/toolbox-request.js';
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, fromSource, repeated, targetHost } from './steps.js';
import { DETAIL_MAX, judgeRepeated, reached } from './verdicts.js';

const NO_ANSWER = `no UDP answer within ${CONNECT_TIMEOUT_S} s`;

export const udp: ProbeDriver = {
  kind: 'udp',
  // Host and port after `--`: operands, never options.
  // A fixed source port is one socket at a time: those requests go one after another.
  steps: (p) =>
    repeated(p, {
      ...fromSource(p, [
        'nc',
        '-u',
        ...(p.sourcePort ? ['-p', `${p.sourcePort}`] : []),
        '-W',
        '1',
        '-w',
        `${CONNECT_TIMEOUT_S}`,
        '--',
        targetHost(p),
        `${p.port}`,
      ]),
      stdin: 'netlab-probe\n',
    }).map((step, i) => (p.sourcePort && i > 0 ? { ...step, after: [i - 1] } : step)),
  judge: (p, results) => {
    if ((p.count ?? 1) > 1)
      return judgeRepeated(
        p,
        results.map((r) => answer(r) ?? failure(r)),
        (reply) => !reply.startsWith(NO_ANSWER_MARK),
      );
    const said = answer(results[0]!);
    return reached(p, said !== undefined, oneLine(said ?? failure(results[0]!), DETAIL_MAX));
  },
  diagnosis: { proto: 'udp' },
};

const NO_ANSWER_MARK = 'no UDP answer';

/** nc -u exits 0 whether or not anything answered: what it printed on stdout is the answer. */
function answer(r: StepResult): string | undefined {
  return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Why nothing answered: nc's own complaint (a name that does not resolve), or the silence. */
function failure(r: StepResult): string {
  const said = (r.error || r.stderr).trim();
  return said ? `${NO_ANSWER_MARK}: ${said}` : NO_ANSWER;
}
