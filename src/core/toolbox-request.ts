// A request to netlab's toolbox, typed: what to do (argv, and stdin), and how to read what it
// printed. Planning and checks build requests; src/engine's Toolbox carries them out.
import { NetlabError } from './errors.js';

/** What a command run in a container gave back. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

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
