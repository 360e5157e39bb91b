import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';

const udp: ResolvedProbe = { kind: 'udp', expect: 'reachable', sourcePid: 10, targetIp: '10.96.0.30', port: 53 };

describe('udp', () => {
  it('sends through udp_probe (an answer is what counts), `count` times through repeat', () => {
    expect(probeCommand(udp)).toBe('udp_probe 10 10.96.0.30 53');
    expect(probeCommand({ ...udp, count: 4 })).toBe('repeat 4 udp_probe 10 10.96.0.30 53');
  });

  it('reached when something answered; many requests are counted by the pods that answered', () => {
    expect(judge(udp, { exitCode: 1, output: 'no UDP answer within 1 s\n' })).toEqual({ ok: false, detail: 'no UDP answer within 1 s' });
    const out = 'Hello from echo-0 udp\n\n%%\nno UDP answer within 1 s\n\n%%\n';
    expect(judge({ ...udp, count: 2 }, { exitCode: 0, output: out })).toEqual({ ok: false, detail: '1/2 answered by 1 pod(s): echo-0 1' });
    expect(judge({ ...udp, count: 2, expect: 'unreachable' }, { exitCode: 1, output: 'no UDP answer within 1 s\n\n%%\n'.repeat(2) }).ok).toBe(true);
  });
});
