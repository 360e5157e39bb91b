// netlab's own trusted container in every lab: it enters nodes' and pods' namespaces to plumb,
// program and probe them. Requests are typed (what to do, and how to read the answer); the
// Toolbox carries them out in one exec each and hands back the parsed result.
import { debugText, traced } from '../core/debug.js';
import { NetlabError } from '../core/errors.js';
import type { Engine, ExecResult } from './engine.js';

/** One thing to do in the toolbox, and how to read what it printed. */
export interface ToolboxRequest<T> {
  /** What it is, for errors and the debug log: "plumbing pods", "kube-proxy sync". */
  what: string;
  /** The command, as argv (no shell involved unless the request itself is a script). */
  argv: string[];
  /** Given on stdin (a script for `sh -s`, a rule set). */
  stdin?: string;
  /** Turns the exec's result into the answer; throws a NetlabError when it says the request failed. */
  parse(result: ExecResult): T;
}

export class Toolbox {
  constructor(
    readonly engine: Engine,
    /** The toolbox container's name or ID. */
    readonly container: string,
  ) {}

  run<T>(request: ToolboxRequest<T>): Promise<T> {
    return traced('toolbox', `${request.what}: ${debugText([...request.argv, request.stdin ?? ''].join(' '))}`, async () => {
      const result = await this.engine.exec(this.container, request.argv, request.stdin !== undefined ? { stdin: request.stdin } : {});
      return request.parse(result);
    });
  }
}

/** The last lines a failed command printed, on one line. */
export function lastWords(result: ExecResult, lines = 3): string {
  return (result.stderr || result.stdout).trim().split('\n').slice(-lines).join(' / ');
}

/** A shell script whose stdout is the answer; a non-zero exit is an error saying what it printed. */
export function scriptRequest(
  what: string,
  script: string,
  hint = 'Run `netlab doctor` to check the engine and kernel features; `netlab up` again retries.',
): ToolboxRequest<string> {
  return {
    what,
    argv: ['sh', '-c', script],
    parse(r) {
      if (r.exitCode !== 0) throw new NetlabError(`Failed ${what}: ${lastWords(r) || `exit code ${r.exitCode}, nothing printed`}`, { hint });
      return r.stdout;
    },
  };
}

/** A script whose output is read whatever its exit code (probe batches report per probe). */
export function rawScriptRequest(what: string, script: string, viaStdin = false): ToolboxRequest<ExecResult> {
  return viaStdin ? { what, argv: ['sh', '-s'], stdin: script, parse: (r) => r } : { what, argv: ['sh', '-c', script], parse: (r) => r };
}
