// ping: one ICMP echo from the source's namespace; reachable = a reply.
import { oneLine } from '../../core/text.js';
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, printed, sourceNetns } from './steps.js';
import { DETAIL_MAX, reached } from './verdicts.js';

export const ping: ProbeDriver = {
  kind: 'ping',
  // The address after `--`: an operand, never an option.
  steps: (p) => [{ argv: ['ping', '-n', '-c', '1', '-W', `${CONNECT_TIMEOUT_S}`, '--', p.targetIp ?? ''], netns: sourceNetns(p) }],
  judge: (p, [r]) => {
    const output = printed(r!);
    const rtt = /time=([\d.]+ ms)/.exec(output)?.[1];
    return reached(
      p,
      r!.exitCode === 0,
      r!.exitCode === 0 ? `echo reply in ${rtt ?? '?'}` : oneLine(output.split('\n').slice(-2).join(' '), DETAIL_MAX) || 'no reply',
    );
  },
  // The echo's round trip as ping measured it, not the time to start ping.
  measuredMs: ([r]) => {
    const rtt = /time=([\d.]+) ms/.exec(r?.stdout ?? '')?.[1];
    return rtt === undefined ? undefined : Number(rtt);
  },
  diagnosis: { proto: 'icmp' },
};
