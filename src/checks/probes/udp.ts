// udp: a UDP datagram from the source's namespace (`count` times through `repeat`);
// reachable = something answered it.
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, IN_POD, REPEAT, repeated, targetHost } from './shell.js';
import { judgeRepeated, reachedByExit } from './verdicts.js';

/** nc -u exits 0 whether or not anything answered: an answer is what counts. */
const UDP_PROBE = `udp_probe() { r=$(echo netlab-probe | in_pod "$1" nc -u -W 1 -w ${CONNECT_TIMEOUT_S} "$2" "$3" 2>&1); [ -n "$r" ] || { echo "no UDP answer within ${CONNECT_TIMEOUT_S} s"; return 1; }; echo "$r"; }`;

export const udp: ProbeDriver = {
  kind: 'udp',
  helpers: [IN_POD, UDP_PROBE, REPEAT],
  command: (p) => repeated(p, `udp_probe ${p.sourcePid} ${targetHost(p)} ${p.port}`),
  judge: (p, out) => ((p.count ?? 1) > 1 ? judgeRepeated(p, out.output, (reply) => !reply.includes('no UDP answer')) : reachedByExit(p, out)),
  diagnosis: { proto: 'udp' },
};
