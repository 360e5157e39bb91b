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
  steps: (p) =>
    repeated(p, { ...fromSource(p, ['nc', '-u', '-W', '1', '-w', `${CONNECT_TIMEOUT_S}`, '--', targetHost(p), `${p.port}`]), stdin: 'netlab-probe\n' }),
  judge: (p, results) => {
    if ((p.count ?? 1) > 1)
      return judgeRepeated(
        p,
        results.map((r) => answer(r) ?? NO_ANSWER),
        (reply) => !reply.includes('no UDP answer'),
      );
    const said = answer(results[0]!);
    return reached(p, said !== undefined, oneLine(said ?? NO_ANSWER, DETAIL_MAX));
  },
  diagnosis: { proto: 'udp' },
};

/** nc -u exits 0 whether or not anything answered: anything it printed is the answer. */
function answer(r: StepResult): string | undefined {
  return [r.stdout, r.stderr].join('\n').trim() || undefined;
}
