// netlab's own trusted container in every lab: it enters nodes' and pods' network namespaces to
// plumb, program and probe them. Every request goes to netlab-agent (docker/probe/main.go) as
// JSON on stdin, in one exec; the agent runs each step by argv, never through a shell.
import { traced } from '../core/debug.js';
import { NetlabError } from '../core/errors.js';
import type { AgentStep, StepResult, ToolboxRequest } from '../core/toolbox-request.js';
import type { Engine, StreamingExec } from './engine.js';

/** What runs toolbox requests: a Toolbox (an exec each), a session, or sessions kept warm. */
export interface RequestRunner {
  run<T>(request: ToolboxRequest<T>): Promise<T>;
}

export const AGENT_PATH = '/usr/local/bin/netlab-agent';

export class Toolbox {
  constructor(
    readonly engine: Engine,
    /** The toolbox container's name or ID. */
    readonly container: string,
  ) {}

  /**
   * One long-running step (a packet capture) whose stdout streams as the program writes it:
   * `netlab-agent stream` (docker/probe/stream.go). Closing its stdin stops the program (SIGINT),
   * and so does the connection going away.
   */
  stream(step: AgentStep): Promise<StreamingExec> {
    return this.engine.stream(this.container, [AGENT_PATH, 'stream'], `${JSON.stringify(step)}\n`);
  }

  /**
   * Several requests in one exec (`netlab-agent session`, docker/probe/session.go), for a command
   * that must read what one gives before it can write the next (a partial kube-proxy sync): one
   * exec's start paid, not one per request. Closed with close(), whatever happened.
   */
  async session(): Promise<ToolboxSession> {
    return new ToolboxSession(await this.engine.stream(this.container, [AGENT_PATH, 'session'], ''));
  }

  run<T>(request: ToolboxRequest<T>): Promise<T> {
    const body = JSON.stringify({ parallel: request.parallel ?? 1, steps: request.steps });
    return traced(
      'toolbox',
      request.what,
      async () => {
        if (request.steps.length === 0) return request.parse([]);
        const result = await this.engine.exec(this.container, [AGENT_PATH], { stdin: body });
        return request.parse(agentResults(request.what, result.exitCode, result.stdout, result.stderr, request.steps.length));
      },
      undefined,
      () => body,
    );
  }
}

/**
 * An open `netlab-agent session`: each request is sent at once and answered in turn (the agent
 * reads the next line once it has answered the last), so a request can go while the one before
 * it still runs.
 */
export class ToolboxSession {
  /** Those sent and not answered yet, oldest first: each takes its line, or undefined when the agent has ended. */
  private readonly pending: ((line: string | undefined) => void)[] = [];
  /** What came of the line being read (an answer can be megabytes, in many chunks). */
  private partial: string[] = [];
  private ended = false;
  private stderr = '';
  private closed?: Promise<void>;

  constructor(private readonly exec: StreamingExec) {
    exec.stdout.setEncoding('utf8');
    exec.stdout.on('data', (chunk: string) => {
      let rest = chunk;
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        this.partial.push(rest.slice(0, nl));
        this.pending.shift()?.(this.partial.join(''));
        this.partial = [];
        rest = rest.slice(nl + 1);
      }
      if (rest) this.partial.push(rest);
    });
    exec.stdout.on('end', () => {
      this.ended = true;
      for (const answer of this.pending.splice(0)) answer(undefined);
    });
    exec.stderr.on('data', (chunk: Buffer | string) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4096);
    });
  }

  /** Whether a request sent now would be answered: not closed, and the agent still running. */
  get open(): boolean {
    return !this.ended && !this.closed;
  }

  run<T>(request: ToolboxRequest<T>): Promise<T> {
    const body = JSON.stringify({ parallel: request.parallel ?? 1, steps: request.steps });
    if (request.steps.length === 0) return Promise.resolve().then(() => request.parse([]));
    const line = new Promise<string | undefined>((resolve) => {
      if (this.ended || this.closed) return resolve(undefined);
      this.pending.push(resolve);
      this.exec.write(`${body}\n`);
    });
    return traced(
      'toolbox',
      `${request.what} (session)`,
      async () => {
        const answer = await line;
        const exitCode = answer === undefined ? await this.exec.exitCode() : 0;
        return request.parse(agentResults(request.what, exitCode, answer ?? '', this.stderr, request.steps.length));
      },
      undefined,
      () => body,
    );
  }

  /**
   * Ends the session: its stdin is closed at once (the agent exits once it has answered what was
   * sent); the promise is kept when it has exited. Nothing needs to wait for that.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.exec.closeStdin();
      await this.exec.exitCode();
    })();
    return this.closed;
  }
}

/** The agent's answer, or an error saying why there is none. */
export function agentResults(what: string, exitCode: number, stdout: string, stderr: string, expected: number): StepResult[] {
  let parsed: { results?: StepResult[] } | undefined;
  try {
    parsed = exitCode === 0 ? (JSON.parse(stdout) as { results?: StepResult[] }) : undefined;
  } catch {
    parsed = undefined;
  }
  const results = parsed?.results;
  if (!Array.isArray(results) || results.length !== expected) {
    const said = (stderr || stdout).trim().split('\n').slice(-2).join(' / ');
    throw new NetlabError(`Failed ${what}: the toolbox's agent gave no answer (exit code ${exitCode}${said ? `: ${said}` : ''}).`, {
      hint: 'The toolbox image may be older than this netlab: run `netlab images build`, then `netlab up` again.',
    });
  }
  return results;
}

/**
 * Requests through sessions opened ahead of need (their execs' start-up paid while other work
 * went on): a request takes an idle session; one that finds them all busy (or its session failed
 * to open, or is closed) takes an exec of its own, so that requests still run side by side.
 */
export class WarmToolbox {
  private readonly idle: Promise<ToolboxSession>[];

  constructor(
    private readonly toolbox: RequestRunner,
    readonly sessions: readonly Promise<ToolboxSession>[],
  ) {
    this.idle = [...sessions];
  }

  async run<T>(request: ToolboxRequest<T>): Promise<T> {
    const taken = this.idle.shift();
    if (!taken) return this.toolbox.run(request);
    try {
      const session = await taken.catch(() => undefined);
      return await (session?.open ? session.run(request) : this.toolbox.run(request));
    } finally {
      this.idle.push(taken);
    }
  }

  /** Closes every session (what was sent is answered first); never fails. */
  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.then((open) => open.close()).catch(() => undefined)));
  }
}
