import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const udp: ResolvedProbe = { kind: 'udp', expect: 'reachable', sourcePid: 10, targetIp: '10.96.0.30', port: 53 };
const NC = { argv: ['nc', '-u', '-W', '1', '-w', '1', '--', '10.96.0.30', '53'], netns: { pid: 10 }, stdin: 'netlab-probe\n' };

describe('udp', () => {
  it('sends one datagram with nc (an answer is what counts), `count` of them each with its own nc', () => {
    expect(probeSteps(udp)).toEqual([NC]);
    expect(probeSteps({ ...udp, count: 4 })).toEqual([NC, NC, NC, NC]);
    expect(probeSteps({ ...udp, targetName: 'dns.kube-system' })[0]).toEqual({
      ...NC,
      argv: ['nc', '-u', '-W', '1', '-w', '1', '--', 'dns.kube-system', '53'],
      resolvConfFrom: { pid: 10 },
    });
  });

  it('sourcePort: every datagram from that port (one flow), one nc after another since they share the port', () => {
    const fixed = { ...NC, argv: ['nc', '-u', '-p', '40000', '-W', '1', '-w', '1', '--', '10.96.0.30', '53'] };
    expect(probeSteps({ ...udp, sourcePort: 40000 })).toEqual([fixed]);
    expect(probeSteps({ ...udp, sourcePort: 40000, count: 3 })).toEqual([fixed, { ...fixed, after: [0] }, { ...fixed, after: [1] }]);
  });

  it('reached when something answered; many requests are counted by the pods that answered', () => {
    expect(judge(udp, [ran('')])).toEqual({ ok: false, detail: 'no UDP answer within 1 s' });
    expect(judge(udp, [ran('Hello from echo-0 udp\n')])).toEqual({ ok: true, detail: 'Hello from echo-0 udp' });
    expect(judge({ ...udp, count: 2 }, [ran('Hello from echo-0 udp\n'), ran('')])).toEqual({ ok: false, detail: '1/2 answered by 1 pod(s): echo-0 1' });
    expect(judge({ ...udp, count: 2, expect: 'unreachable' }, [ran(''), ran('')]).ok).toBe(true);
  });

  it("nc's own complaint is no answer (a name that does not resolve is not a reply)", () => {
    const complaint = { exitCode: 1, stdout: '', stderr: 'nc: getaddrinfo for host "dns.nowhere" port 53: Name or service not known\n', ms: 3 };
    expect(judge({ ...udp, targetName: 'dns.nowhere' }, [complaint])).toEqual({
      ok: false,
      detail: 'no UDP answer: nc: getaddrinfo for host "dns.nowhere" port 53: Name or service not known',
    });
    expect(judge({ ...udp, count: 2 }, [ran('Hello from echo-0 udp\n'), complaint]).ok).toBe(false);
  });
});
