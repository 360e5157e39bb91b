// ping: one ICMP echo from the source's namespace; reachable = a reply.
import { shArg } from '../../plan/scripts.js';
import { oneLine } from '../../core/text.js';
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, sourceNetns } from './shell.js';
import { DETAIL_MAX, reached } from './verdicts.js';

export const ping: ProbeDriver = {
  kind: 'ping',
  helpers: [],
  command: (p) => `nsenter --net=${sourceNetns(p)} ping -n -c 1 -W ${CONNECT_TIMEOUT_S} ${shArg(p.targetIp ?? '')}`,
  judge: (p, { exitCode, output }) => {
    const rtt = /time=([\d.]+ ms)/.exec(output)?.[1];
    return reached(
      p,
      exitCode === 0,
      exitCode === 0 ? `echo reply in ${rtt ?? '?'}` : oneLine(output.split('\n').slice(-2).join(' '), DETAIL_MAX) || 'no reply',
    );
  },
  diagnosis: { proto: 'icmp' },
};
