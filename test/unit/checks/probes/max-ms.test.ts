// A check's maxMs: the time measured (ping's round trip; else the longest step as the agent
// timed it) must be at most maxMs, else the check fails saying the time.
import { describe, expect, it } from 'vitest';
import { judge, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import type { StepResult } from '../../../../src/core/toolbox-request.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const reply = (ms: string) => `64 bytes from 10.0.2.2: icmp_seq=1 ttl=62 time=${ms} ms\n\n--- 10.0.2.2 ping statistics ---\n1 packets transmitted, 1 received`;
const timed = (r: StepResult, ms: number): StepResult => ({ ...r, ms });

describe('maxMs', () => {
  const ping: ResolvedProbe = { kind: 'ping', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', maxMs: 150 };

  it('holds ping to its round trip, not to the time it took to start ping', () => {
    expect(judge(ping, [timed(ran(reply('41.2')), 400)])).toEqual({ ok: true, detail: 'echo reply in 41.2 ms (41.2 ms, within 150)' });
    expect(judge(ping, [timed(ran(reply('240.7')), 250)])).toEqual({ ok: false, detail: 'took 240.7 ms, more than maxMs 150: echo reply in 240.7 ms' });
  });

  it('holds http and tcp to the time the agent measured', () => {
    const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080, maxMs: 300 };
    expect(judge(http, [timed(ran('Hello from server\nHTTP 200'), 512)])).toEqual({
      ok: false,
      detail: 'took 512 ms, more than maxMs 300: HTTP 200 Hello from server',
    });
    const tcp: ResolvedProbe = { kind: 'tcp', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080, maxMs: 300 };
    expect(judge(tcp, [timed(ran('', 0, 'Connection to 10.0.2.2 8080 port [tcp/*] succeeded!'), 12)]).ok).toBe(true);
  });

  it('leaves failures, expected drops and checks without maxMs as they are', () => {
    expect(judge(ping, [timed(ran('', 1), 1000)])).toMatchObject({ ok: false, detail: expect.not.stringContaining('maxMs') });
    expect(judge({ ...ping, expect: 'unreachable' }, [timed(ran('', 1), 1000)])).toEqual({ ok: true, detail: 'dropped as expected: no reply' });
    expect(judge({ ...ping, maxMs: undefined }, [timed(ran(reply('999')), 1000)])).toEqual({ ok: true, detail: 'echo reply in 999 ms' });
  });
});
