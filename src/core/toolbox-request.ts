// A request to netlab's toolbox, typed: steps, each a program from the agent's fixed list with
// its arguments as argv, run in one lab container's network namespace, and how to read what
// they printed. Planning and checks build requests; src/engine's Toolbox hands them to
// netlab-agent (docker/probe/main.go) in one exec. No shell is involved anywhere: a value from
// a lab file stays one argument, whatever characters it holds.
import { NetlabError } from './errors.js';

/** What a command run in a container gave back. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The programs netlab-agent runs (it refuses any other). */
export type AgentProgram =
  | 'arping'
  | 'bridge'
  | 'cat'
  | 'conntrack'
  | 'curl'
  | 'dig'
  | 'ip'
  | 'ip6tables'
  | 'ip6tables-restore'
  | 'ip6tables-save'
  | 'iptables'
  | 'iptables-restore'
  | 'iptables-save'
  | 'nc'
  | 'netlab-delay'
  | 'netlab-state'
  | 'nft'
  | 'ping'
  | 'readlink'
  | 'ss'
  | 'sysctl'
  | 'tcpdump'
  | 'tc'
  | 'traceroute'
  | 'cni-bridge'
  | 'cni-host-local';

/** A lab container's network namespace: its host PID and, when known, its ID (the agent checks they match). */
export interface NamespaceRef {
  pid: number;
  container?: string;
}

/** One program the agent runs. */
export interface AgentStep {
  argv: [AgentProgram, ...string[]];
  /** The network namespace it runs in; none: the toolbox's own (which has no network). */
  netns?: NamespaceRef;
  /** Shown to the program as /etc/resolv.conf: this text, or the named container's file. */
  resolvConf?: string;
  resolvConfFrom?: NamespaceRef;
  env?: Record<string, string>;
  stdin?: string;
  /** Killed after this long (exit code 124); the agent's default is 30 s. */
  timeoutMs?: number;
  /** Started and left running; its result is only whether it started. */
  detach?: boolean;
  /** Starts only once these earlier steps (their indices in the request) have finished, whatever they gave. */
  after?: number[];
}

/** What one step gave back. exitCode -1: it never ran (the agent says why in `error`). */
export interface StepResult extends ExecResult {
  ms: number;
  error?: string;
}

/** One thing to do in the toolbox, and how to read what it printed. */
export interface ToolboxRequest<T> {
  /** What it is, for errors and the debug log: "plumbing pods", "kube-proxy sync". */
  what: string;
  steps: AgentStep[];
  /** How many steps run at once (default 1: in order). */
  parallel?: number;
  /** Turns the steps' results (in the order of the steps) into the answer; throws a NetlabError when they say it failed. */
  parse(results: StepResult[]): T;
}

/** The last lines a failed command printed, on one line. */
export function lastWords(result: StepResult | ExecResult, lines = 3): string {
  const error = 'error' in result && result.error ? result.error : '';
  return (error || result.stderr || result.stdout).trim().split('\n').slice(-lines).join(' / ');
}

export const DOCTOR_HINT = 'Run `netlab doctor` to check the engine and kernel features; `netlab up` again retries.';

/** Fails with what the first failed step printed. */
export function requireSuccess(what: string, results: StepResult[], hint = DOCTOR_HINT): void {
  const bad = results.find((r) => r.exitCode !== 0);
  if (bad) throw new NetlabError(`Failed ${what}: ${lastWords(bad) || `exit code ${bad.exitCode}, nothing printed`}`, { hint });
}

/** Steps that must all succeed; the answer is what each printed. */
export function stepsRequest(what: string, steps: AgentStep[], parallel = 1, hint = DOCTOR_HINT): ToolboxRequest<string[]> {
  return {
    what,
    steps,
    parallel,
    parse(results) {
      requireSuccess(what, results, hint);
      return results.map((r) => r.stdout);
    },
  };
}

/** Steps whose results are read whatever their exit codes (probe batches judge each one). */
export function rawStepsRequest(what: string, steps: AgentStep[], parallel = 1): ToolboxRequest<StepResult[]> {
  return { what, steps, parallel, parse: (results) => results };
}

/** A step whose output is read by name (diagnosis reads "node1 routes", "nat", "conntrack"...). */
export interface SectionStep {
  section: string;
  step: AgentStep;
}

/**
 * Phases run one after another, the steps of a phase at once; each step's result is kept under
 * its section's name (a later one of the same name wins). Failures are data here: a namespace
 * that is gone is a fact of the diagnosis.
 */
export function sectionsRequest(what: string, phases: SectionStep[][]): ToolboxRequest<Map<string, StepResult>> {
  const sections: SectionStep[] = [];
  let previous: number[] = [];
  for (const phase of phases) {
    if (phase.length === 0) continue;
    const start = sections.length;
    for (const s of phase) sections.push(previous.length ? { ...s, step: { ...s.step, after: previous } } : s);
    previous = phase.map((_, i) => start + i);
  }
  return {
    what,
    steps: sections.map((s) => s.step),
    parallel: Math.max(1, ...phases.map((p) => p.length)),
    parse: (results) => new Map(results.map((r, i) => [sections[i]!.section, r])),
  };
}
