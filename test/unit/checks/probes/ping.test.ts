import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';

const ping: ResolvedProbe = { kind: 'ping', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2' };

describe('ping', () => {
  it('sends one echo from the source namespace', () => {
    expect(probeCommand(ping)).toBe('nsenter --net=/proc/10/ns/net ping -n -c 1 -W 1 10.0.2.2');
  });

  it('reports the round trip, or the last lines of what ping said', () => {
    const reply =
      '64 bytes from 10.0.2.2: icmp_seq=1 ttl=62 time=0.093 ms\n\n--- 10.0.2.2 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss';
    expect(judge(ping, { exitCode: 0, output: reply })).toEqual({ ok: true, detail: 'echo reply in 0.093 ms' });
    const lost = '--- 10.0.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n';
    expect(judge(ping, { exitCode: 1, output: lost })).toEqual({
      ok: false,
      detail: '--- 10.0.2.2 ping statistics --- 1 packets transmitted, 0 received, 100% packet loss, time 0ms',
    });
    expect(judge({ ...ping, expect: 'unreachable' }, { exitCode: 1, output: '' })).toEqual({ ok: true, detail: 'dropped as expected: no reply' });
  });
});
