import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { type ExecResult, lastWords, rawStepsRequest, stepsRequest } from '../../../src/core/toolbox-request.js';
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
  it('carries a request to the agent as JSON on stdin, in one exec, and returns the parsed answer', async () => {
    const answer = { results: [{ exitCode: 0, stdout: 'ok\n', stderr: '', ms: 3 }] };
    const { engine, calls } = fakeEngine({ exitCode: 0, stdout: JSON.stringify(answer), stderr: '' });
    const steps = [{ argv: ['ip', 'route'] as ['ip', string], netns: { pid: 42, container: 'c0ffee' } }];
    const out = await new Toolbox(engine, 'lab-toolbox').run(stepsRequest('routes', steps));
    expect(out).toEqual(['ok\n']);
    expect(calls).toEqual([{ container: 'lab-toolbox', cmd: ['/usr/local/bin/netlab-agent'], stdin: JSON.stringify({ parallel: 1, steps }) }]);
  });

  it('streams one step through `netlab-agent stream`: the step as one JSON line, stdin left open (closing it stops the step)', async () => {
    const calls: { container: string; cmd: string[]; stdin: string }[] = [];
    const engine = {
      stream: async (container: string, cmd: string[], stdin: string) => {
        calls.push({ container, cmd, stdin });
        return {};
      },
    } as unknown as Engine;
    const step = { argv: ['tcpdump', '-i', 'eth0', '--', 'port', '80'] as ['tcpdump', ...string[]], netns: { pid: 42, container: 'c0ffee' } };
    await new Toolbox(engine, 'lab-toolbox').stream(step);
    expect(calls).toEqual([{ container: 'lab-toolbox', cmd: ['/usr/local/bin/netlab-agent', 'stream'], stdin: `${JSON.stringify(step)}\n` }]);
    expect(calls[0]!.stdin.split('\n')).toHaveLength(2);
  });

  it('a failed step is an error that says what it printed last', async () => {
    const answer = { results: [{ exitCode: 2, stdout: '', stderr: 'one\ntwo\nthree\nfour\n', ms: 1 }] };
    const { engine } = fakeEngine({ exitCode: 0, stdout: JSON.stringify(answer), stderr: '' });
    const err = await new Toolbox(engine, 't').run(stepsRequest('plumbing pods', [{ argv: ['cni-bridge'] }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).message).toBe('Failed plumbing pods: two / three / four');
    expect((err as NetlabError).hint).toContain('netlab doctor');
  });

  it('a raw request hands back the results whatever their exit codes (probes judge each one)', async () => {
    const answer = { results: [{ exitCode: 1, stdout: 'x', stderr: '', ms: 5 }] };
    const { engine } = fakeEngine({ exitCode: 0, stdout: JSON.stringify(answer), stderr: '' });
    expect(await new Toolbox(engine, 't').run(rawStepsRequest('probes', [{ argv: ['curl'] }]))).toEqual(answer.results);
  });

  it('an agent that gives no answer (an older toolbox image) is an error that says to rebuild it', async () => {
    const { engine } = fakeEngine({ exitCode: 2, stdout: '', stderr: 'netlab-agent: unreadable request: json: unknown field "after"' });
    const err = await new Toolbox(engine, 't').run(stepsRequest('routes', [{ argv: ['ip'] }])).catch((e: unknown) => e);
    expect((err as NetlabError).message).toBe(
      'Failed routes: the toolbox\'s agent gave no answer (exit code 2: netlab-agent: unreadable request: json: unknown field "after").',
    );
    expect((err as NetlabError).hint).toContain('netlab images build');
  });

  it('lastWords prefers stderr, then stdout', () => {
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: '' })).toBe('out');
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: 'err' })).toBe('err');
  });
});
