import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const ping: ResolvedProbe = { kind: 'ping', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2' };

describe('ping', () => {
  it('sends one echo from the source namespace', () => {
    expect(probeSteps(ping)).toEqual([{ argv: ['ping', '-n', '-c', '1', '-W', '1', '--', '10.0.2.2'], netns: { pid: 10 } }]);
  });

  it('reports the round trip, or the last lines of what ping said', () => {
    const reply =
      '64 bytes from 10.0.2.2: icmp_seq=1 ttl=62 time=0.093 ms\n\n--- 10.0.2.2 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss';
    expect(judge(ping, [ran(reply)])).toEqual({ ok: true, detail: 'echo reply in 0.093 ms' });
    const lost = '--- 10.0.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n';
    expect(judge(ping, [ran(lost, 1)])).toEqual({
      ok: false,
      detail: '--- 10.0.2.2 ping statistics --- 1 packets transmitted, 0 received, 100% packet loss, time 0ms',
    });
    expect(judge(ping, [ran('PING 10.0.2.2 (10.0.2.2) 56(84) bytes of data.\n', 2, 'ping: connect: Network is unreachable\n')]).detail).toBe(
      'PING 10.0.2.2 (10.0.2.2) 56(84) bytes of data. ping: connect: Network is unreachable',
    );
    expect(judge({ ...ping, expect: 'unreachable' }, [ran('', 1)])).toEqual({ ok: true, detail: 'dropped as expected: no reply' });
  });
});
