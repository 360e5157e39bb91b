import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { ran, said } from '../../../helpers/probe-fixtures.js';

const tcp: ResolvedProbe = { kind: 'tcp', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };

describe('tcp', () => {
  it("connects with nc -z from the source namespace (with the pod's resolver for a name)", () => {
    expect(probeSteps(tcp)).toEqual([{ argv: ['nc', '-z', '-v', '-w', '1', '--', '10.0.2.2', '8080'], netns: { pid: 10 } }]);
    expect(probeSteps({ ...tcp, sourceContainer: 'aaaaaaaaaaaa', targetName: 'web' })).toEqual([
      {
        argv: ['nc', '-z', '-v', '-w', '1', '--', 'web', '8080'],
        netns: { pid: 10, container: 'aaaaaaaaaaaa' },
        resolvConfFrom: { pid: 10, container: 'aaaaaaaaaaaa' },
      },
    ]);
  });

  it('reached when nc exits 0; a drop passes with expect: unreachable', () => {
    expect(judge(tcp, [said('Connection to 10.0.2.2 8080 port [tcp/*] succeeded!\n', 0)])).toEqual({
      ok: true,
      detail: 'Connection to 10.0.2.2 8080 port [tcp/*] succeeded!',
    });
    expect(judge(tcp, [ran('', 1)])).toEqual({ ok: false, detail: 'exit 1' });
    expect(judge({ ...tcp, expect: 'unreachable' }, [said('nc: timed out')])).toEqual({
      ok: true,
      detail: 'dropped as expected: nc: timed out',
    });
  });
});
