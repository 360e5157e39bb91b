import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { type ExecResult, lastWords, rawScriptRequest, scriptRequest } from '../../../src/core/toolbox-request.js';
import type { Engine } from '../../../src/engine/engine.js';
import { Toolbox } from '../../../src/engine/toolbox.js';

/** An engine that answers every exec with `result` and records what it was asked. */
function fakeEngine(result: ExecResult) {
  const calls: { container: string; cmd: string[]; stdin?: string }[] = [];
  const engine = {
    exec: async (container: string, cmd: string[], options: { stdin?: string } = {}) => {
      calls.push({ container, cmd, stdin: options.stdin });
      return result;
    },
  } as unknown as Engine;
  return { engine, calls };
}

describe('Toolbox', () => {
  it('carries a request as argv (and stdin) into its container and returns the parsed answer', async () => {
    const { engine, calls } = fakeEngine({ exitCode: 0, stdout: 'ok\n', stderr: '' });
    const out = await new Toolbox(engine, 'lab-toolbox').run(scriptRequest('routes', 'ip route'));
    expect(out).toBe('ok\n');
    expect(calls).toEqual([{ container: 'lab-toolbox', cmd: ['sh', '-c', 'ip route'], stdin: undefined }]);
    await new Toolbox(engine, 'lab-toolbox').run(rawScriptRequest('sync', 'echo hi', true));
    expect(calls[1]).toEqual({ container: 'lab-toolbox', cmd: ['sh', '-s'], stdin: 'echo hi' });
  });

  it('a failed script is an error that says what it printed last', async () => {
    const { engine } = fakeEngine({ exitCode: 2, stdout: '', stderr: 'one\ntwo\nthree\nfour\n' });
    const err = await new Toolbox(engine, 't').run(scriptRequest('plumbing pods', 'false')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).message).toBe('Failed plumbing pods: two / three / four');
    expect((err as NetlabError).hint).toContain('netlab doctor');
  });

  it('a raw request hands back the result whatever the exit code (probes report per probe)', async () => {
    const { engine } = fakeEngine({ exitCode: 1, stdout: '0 0 5 x', stderr: '' });
    expect(await new Toolbox(engine, 't').run(rawScriptRequest('probes', 'x'))).toEqual({ exitCode: 1, stdout: '0 0 5 x', stderr: '' });
  });

  it('lastWords prefers stderr, then stdout', () => {
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: '' })).toBe('out');
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: 'err' })).toBe('err');
  });
});
