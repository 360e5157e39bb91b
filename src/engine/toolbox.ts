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
