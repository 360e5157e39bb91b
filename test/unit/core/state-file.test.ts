import { describe, expect, it } from 'vitest';
import { stateReadResult, stateReadStep, stateRemoveStep, stateWriteStep } from '../../../src/core/state-file.js';

const node = { pid: 42, container: 'c0ffee00c0ffee00' };

describe('state files (netlab-state steps)', () => {
  it('names the file and the container; a write carries its bytes as base64', () => {
    expect(stateReadStep(node, 'kube-proxy-sync')).toEqual({ argv: ['netlab-state', 'read', 'kube-proxy-sync'], netns: node });
    expect(stateRemoveStep(node, 'kube-proxy-sync')).toEqual({ argv: ['netlab-state', 'remove', 'kube-proxy-sync'], netns: node });
    const write = stateWriteStep(node, 'kube-proxy-sync', Uint8Array.from([0, 1, 255]));
    expect(write).toEqual({ argv: ['netlab-state', 'write', 'kube-proxy-sync'], netns: node, stdin: 'AAH/' });
  });

  it('reads the bytes back; no file is undefined; anything else is an error', () => {
    expect(stateReadResult({ exitCode: 0, stdout: 'AAH/', stderr: '', ms: 1 })).toEqual(Buffer.from([0, 1, 255]));
    expect(stateReadResult({ exitCode: 1, stdout: '', stderr: 'no such file\n', ms: 1 })).toBeUndefined();
    expect(() => stateReadResult({ exitCode: -1, stdout: '', stderr: '', ms: 0, error: 'process 42 is not in container c0ffee00c0ff' })).toThrow(
      'process 42 is not in container',
    );
  });
});
