import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';

const tcp: ResolvedProbe = { kind: 'tcp', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };

describe('tcp', () => {
  it("connects with nc -z from the source namespace (or through the pod's resolver for a name)", () => {
    expect(probeCommand(tcp)).toBe('nsenter --net=/proc/10/ns/net nc -z -v -w 1 10.0.2.2 8080');
    expect(probeCommand({ ...tcp, targetName: 'web' })).toBe('in_pod 10 nc -z -v -w 1 web 8080');
  });

  it('reached when nc exits 0; a drop passes with expect: unreachable', () => {
    expect(judge(tcp, { exitCode: 0, output: 'Connection to 10.0.2.2 8080 port [tcp/*] succeeded!\n' })).toEqual({
      ok: true,
      detail: 'Connection to 10.0.2.2 8080 port [tcp/*] succeeded!',
    });
    expect(judge(tcp, { exitCode: 1, output: '' })).toEqual({ ok: false, detail: 'exit 1' });
    expect(judge({ ...tcp, expect: 'unreachable' }, { exitCode: 1, output: 'nc: timed out' })).toEqual({
      ok: true,
      detail: 'dropped as expected: nc: timed out',
    });
  });
});
