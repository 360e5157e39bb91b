import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { netns } from '../../../../src/checks/probes/netns.js';
import type { CheckSpec } from '../../../../src/labfile/model.js';
import { ran, said } from '../../../helpers/probe-fixtures.js';

const p: ResolvedProbe = { kind: 'netns', expect: 'same-netns', sourcePid: 1, targetPid: 2 };

describe('netns', () => {
  it("reads each namespace's inode from inside it (entered only as the container's)", () => {
    expect(netns.prepare!({ check: {} as CheckSpec, enteredPid: 2, enteredContainer: 'bbbbbbbbbbbb', viaIps: () => [] })).toEqual({
      targetPid: 2,
      targetContainer: 'bbbbbbbbbbbb',
    });
    expect(probeSteps({ ...p, sourceContainer: 'aaaaaaaaaaaa', targetContainer: 'bbbbbbbbbbbb' })).toEqual([
      { argv: ['readlink', '/proc/self/ns/net'], netns: { pid: 1, container: 'aaaaaaaaaaaa' } },
      { argv: ['readlink', '/proc/self/ns/net'], netns: { pid: 2, container: 'bbbbbbbbbbbb' } },
    ]);
  });
});

describe('judging', () => {
  it('netns: same or different namespace inodes', () => {
    expect(judge(p, [ran('net:[4026532]\n'), ran('net:[4026532]\n')])).toEqual({ ok: true, detail: 'one network namespace net:[4026532]' });
    expect(judge(p, [ran('net:[4026532]\n'), ran('net:[4026999]\n')]).ok).toBe(false);
    expect(judge({ ...p, expect: 'different-netns' }, [ran('net:[1]\n'), ran('net:[2]\n')])).toEqual({
      ok: true,
      detail: 'different namespaces net:[1] and net:[2]',
    });
  });

  it('netns: an unreadable namespace fails with what readlink said', () => {
    expect(judge(p, [ran('net:[1]\n'), said('readlink: /proc/self/ns/net: No such file or directory\n')])).toEqual({
      ok: false,
      detail: 'net:[1] readlink: /proc/self/ns/net: No such file or directory',
    });
    expect(judge(p, [ran(''), ran('')])).toEqual({ ok: false, detail: 'namespace not readable' });
  });
});
