// netlab's own trusted container in every lab: it enters nodes' and pods' network namespaces to
// plumb, program and probe them. Every request goes to netlab-agent (docker/probe/main.go) as
// JSON on stdin, in one exec; the agent runs each step by argv, never through a shell.
import { traced } from '../core/debug.js';
import { NetlabError } from '../core/errors.js';
import type { AgentStep, StepResult, ToolboxRequest } from '../core/toolbox-request.js';
import type { Engine, StreamingExec } from './engine.js';

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
   * that must read what one gives before it can write the next: each is sent once the one before
   * it is answered. Closed with close(), whatever happened.
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

/** An open `netlab-agent session`: requests answered one after another, in one exec. */
export class ToolboxSession {
  private readonly lines: string[] = [];
  private waiting?: () => void;
  private buffered = '';
  private ended = false;
  private stderr = '';
  /** The last request, which the next waits for. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly exec: StreamingExec) {
    exec.stdout.setEncoding('utf8');
    exec.stdout.on('data', (chunk: string) => {
      this.buffered += chunk;
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        this.lines.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
      this.wake();
    });
    exec.stdout.on('end', () => {
      this.ended = true;
      this.wake();
    });
    exec.stderr.on('data', (chunk: Buffer | string) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4096);
    });
  }

  run<T>(request: ToolboxRequest<T>): Promise<T> {
    const body = JSON.stringify({ parallel: request.parallel ?? 1, steps: request.steps });
    const send = () =>
      traced(
        'toolbox',
        `${request.what} (session)`,
        () => this.send(request, body),
        undefined,
        () => body,
      );
    const answer = this.last.then(send, send);
    this.last = answer.catch(() => undefined);
    return answer;
  }

  /** Ends the session (its stdin closed) and waits for the agent to exit. */
  async close(): Promise<void> {
    await this.last;
    this.exec.closeStdin();
    await this.exec.exitCode();
  }

  private async send<T>(request: ToolboxRequest<T>, body: string): Promise<T> {
    if (request.steps.length === 0) return request.parse([]);
    this.exec.write(`${body}\n`);
    const line = await this.nextLine();
    const exitCode = line === undefined ? await this.exec.exitCode() : 0;
    return request.parse(agentResults(request.what, exitCode, line ?? '', this.stderr, request.steps.length));
  }

  private async nextLine(): Promise<string | undefined> {
    while (!this.lines.length && !this.ended) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.lines.shift();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
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
