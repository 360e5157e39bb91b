import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { type ExecResult, lastWords, rawStepsRequest, stepsRequest, type ToolboxRequest } from '../../../src/core/toolbox-request.js';
import type { Engine } from '../../../src/engine/engine.js';
import { PassThrough } from 'node:stream';
import { Toolbox, type ToolboxSession, WarmToolbox } from '../../../src/engine/toolbox.js';

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

  describe('session', () => {
    /** An exec whose stdin is recorded line by line; `answer` writes a line of stdout, `end` ends it. */
    function fakeSession(exitCode = 0) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const written: string[] = [];
      let closed = false;
      const calls: { cmd: string[]; stdin: string }[] = [];
      const engine = {
        stream: async (_container: string, cmd: string[], stdin: string) => {
          calls.push({ cmd, stdin });
          return {
            stdout,
            stderr,
            write: (text: string) => written.push(text),
            closeStdin: () => {
              closed = true;
            },
            destroy: () => undefined,
            exitCode: async () => exitCode,
          };
        },
      } as unknown as Engine;
      const results = (...outs: string[]) => `${JSON.stringify({ results: outs.map((o) => ({ exitCode: 0, stdout: o, stderr: '', ms: 1 })) })}\n`;
      return { engine, calls, written, stdout, stderr, results, closed: () => closed };
    }

    it('sends each request as one line at once, and hands each the next answer in turn', async () => {
      const f = fakeSession();
      const session = await new Toolbox(f.engine, 't').session();
      expect(f.calls).toEqual([{ cmd: ['/usr/local/bin/netlab-agent', 'session'], stdin: '' }]);
      const first = session.run(stepsRequest('read', [{ argv: ['cat'] }]));
      const second = session.run(stepsRequest('write', [{ argv: ['cat'] }, { argv: ['cat'] }], 2));
      // Both went before any answer: the second need not wait for the first.
      expect(f.written).toEqual([
        `${JSON.stringify({ parallel: 1, steps: [{ argv: ['cat'] }] })}\n`,
        `${JSON.stringify({ parallel: 2, steps: [{ argv: ['cat'] }, { argv: ['cat'] }] })}\n`,
      ]);
      // An answer may come in pieces, and two in one chunk.
      const both = f.results('a') + f.results('b', 'c');
      f.stdout.write(both.slice(0, 10));
      f.stdout.write(both.slice(10));
      expect(await first).toEqual(['a']);
      expect(await second).toEqual(['b', 'c']);
      await session.close();
      expect(f.closed()).toBe(true);
    });

    it('a request the agent ended before answering is an error that says why', async () => {
      const f = fakeSession(2);
      const session = await new Toolbox(f.engine, 't').session();
      const answered = session.run(stepsRequest('one', [{ argv: ['cat'] }]));
      const unanswered = session.run(stepsRequest('two', [{ argv: ['cat'] }])).catch((e: unknown) => e);
      f.stdout.write(f.results('a'));
      f.stderr.write('netlab-agent: unreadable request: json: unknown field "x"\n');
      await new Promise((resolve) => setImmediate(resolve));
      f.stdout.end();
      expect(await answered).toEqual(['a']);
      const err = (await unanswered) as NetlabError;
      expect(err.message).toBe('Failed two: the toolbox\'s agent gave no answer (exit code 2: netlab-agent: unreadable request: json: unknown field "x").');
      // And once it has ended, nothing more is sent.
      const after = await session.run(stepsRequest('three', [{ argv: ['cat'] }])).catch((e: unknown) => e);
      expect(after).toBeInstanceOf(NetlabError);
      expect(f.written).toHaveLength(2);
    });
  });

  describe('WarmToolbox', () => {
    /** A runner that answers each request with its name and the runner's, once `release` is called. */
    function runner(name: string) {
      const asked: string[] = [];
      const waiting: (() => void)[] = [];
      let open = true;
      return {
        asked,
        release: () => {
          for (const go of waiting.splice(0)) go();
        },
        end: () => {
          open = false;
        },
        get open() {
          return open;
        },
        close: async () => {
          open = false;
        },
        run: <T>(request: ToolboxRequest<T>): Promise<T> => {
          asked.push(request.what);
          return new Promise<T>((resolve) => waiting.push(() => resolve(`${name}:${request.what}` as T)));
        },
      };
    }
    const request = (what: string) => stepsRequest(what, [{ argv: ['ip'] }]);
    const asSession = (r: ReturnType<typeof runner>) => Promise.resolve(r as unknown as ToolboxSession);

    it('a request takes an idle session; one that finds every session busy takes an exec of its own', async () => {
      const [exec, a, b] = [runner('exec'), runner('a'), runner('b')];
      const warm = new WarmToolbox(exec, [asSession(a), asSession(b)]);
      const answers = [warm.run(request('one')), warm.run(request('two')), warm.run(request('three'))];
      await new Promise((resolve) => setImmediate(resolve));
      expect([a.asked, b.asked, exec.asked]).toEqual([['one'], ['two'], ['three']]);
      for (const r of [a, b, exec]) r.release();
      expect(await Promise.all(answers)).toEqual(['a:one', 'b:two', 'exec:three']);
      // Answered, a session is idle again.
      const again = warm.run(request('four'));
      await new Promise((resolve) => setImmediate(resolve));
      b.release();
      a.release();
      expect(await again).toMatch(/^[ab]:four$/);
      expect(exec.asked).toEqual(['three']);
    });

    it('a session that failed to open, or has ended, hands its requests to an exec; close() closes every session', async () => {
      const [exec, ended] = [runner('exec'), runner('ended')];
      ended.end();
      const failed = Promise.reject(new Error('no exec'));
      failed.catch(() => undefined);
      const warm = new WarmToolbox(exec, [failed, asSession(ended)]);
      const answers = [warm.run(request('one')), warm.run(request('two'))];
      await new Promise((resolve) => setImmediate(resolve));
      exec.release();
      expect(await Promise.all(answers)).toEqual(['exec:one', 'exec:two']);
      expect(ended.asked).toEqual([]);
      const open = runner('open');
      await new WarmToolbox(exec, [failed, asSession(open)]).close();
      expect(open.open).toBe(false);
    });
  });

  it('lastWords prefers stderr, then stdout', () => {
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: '' })).toBe('out');
    expect(lastWords({ exitCode: 1, stdout: 'out', stderr: 'err' })).toBe('err');
  });
});
