import { describe, expect, it } from 'vitest';
import { judge, type ResolvedProbe } from '../../../../src/checks/probes/index.js';

describe('judging', () => {
  it('netns: same or different namespace inodes', () => {
    const p: ResolvedProbe = { kind: 'netns', expect: 'same-netns', sourcePid: 1, targetPid: 2 };
    expect(judge(p, { exitCode: 0, output: 'net:[4026532]\nnet:[4026532]\n' }).ok).toBe(true);
    expect(judge(p, { exitCode: 0, output: 'net:[4026532]\nnet:[4026999]\n' }).ok).toBe(false);
    expect(judge({ ...p, expect: 'different-netns' }, { exitCode: 0, output: 'net:[1]\nnet:[2]\n' }).ok).toBe(true);
  });

  it('netns: an unreadable namespace fails with what readlink said', () => {
    const p: ResolvedProbe = { kind: 'netns', expect: 'same-netns', sourcePid: 1, targetPid: 2 };
    expect(judge(p, { exitCode: 1, output: 'readlink: /proc/2/ns/net: No such file or directory\n' })).toEqual({
      ok: false,
      detail: 'readlink: /proc/2/ns/net: No such file or directory',
    });
  });
});
