// The toolbox requests of a lab's life, typed: agent steps, and their answers read back.
// (Routes, plumbing pods with the real CNI plugins, CNI DEL, a kube-proxy sync of every node.)
import { NetlabError } from '../core/errors.js';
import { type AgentStep, requireSuccess, type StepResult, stepsRequest, type ToolboxRequest } from '../core/toolbox-request.js';
import {
  type PlumbInput,
  type PlumbRelease,
  type PodLook,
  plumbSteps,
  podLookSteps,
  readPodLook,
  type RouteTarget,
  routeSteps,
  unplumbPodStep,
} from './plumbing.js';
import type { NodeSync } from './proxy/driver.js';
import type { PodPlan } from './types.js';

/** How many steps of one request run at once (each is a short program; the engine has few cores). */
const PARALLEL = 8;

/** What a failed step printed last: its error, else both its streams (CNI plugins answer errors as JSON on stdout). */
function tail(r: StepResult, lines = 3): string {
  if (r.error) return r.error;
  return `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-lines).join(' / ');
}

/** Every target's routes, replaced (one exec for the whole lab). */
export function routesRequest(targets: RouteTarget[]): ToolboxRequest<void> {
  const steps = routeSteps(targets);
  return {
    what: 'setting routes',
    steps: steps.map((s) => s.step),
    parallel: PARALLEL,
    parse(results) {
      requireSuccess(
        'setting routes',
        results.filter((_, i) => !steps[i]!.mayFail),
      );
    },
  };
}

/** What each pod's sandbox holds now (read-only, all at once): already plumbed? who holds its IP? */
export function podLookRequest(inputs: PlumbInput[]): ToolboxRequest<PodLook[]> {
  return {
    what: 'looking at pods',
    steps: inputs.flatMap(podLookSteps),
    parallel: PARALLEL,
    parse: (results) => inputs.map((p, i) => readPodLook(p, results.slice(2 * i, 2 * i + 2))),
  };
}

const CNI_HINT = 'Run `netlab doctor` to check the CNI plugins and kernel features; `netlab up` again retries.';

/**
 * CNI ADD of several pods (pods that became ready together), in one exec: each pod's steps in
 * order (each starts `after` the one before it), the pods at once. The steps are laid out by
 * their place in their pod's chain (every pod's first step, then every second...), so the
 * agent's slots go to steps that can run. Each pod gets its own answer: the plugin's result,
 * or the error saying why not.
 */
export function plumbPodsRequest(jobs: { pod: PodPlan; input: PlumbInput; release: PlumbRelease }[]): ToolboxRequest<(string | NetlabError)[]> {
  const plans = jobs.map((j) => plumbSteps(j.input, j.release));
  const steps: AgentStep[] = [];
  /** Where each pod's steps are in the request. */
  const at: number[][] = plans.map(() => []);
  for (let level = 0; plans.some((p) => level < p.steps.length); level++) {
    for (const [i, p] of plans.entries()) {
      const step = p.steps[level];
      if (!step) continue;
      at[i]!.push(steps.length);
      steps.push(level ? { ...step, after: [at[i]![level - 1]!] } : step);
    }
  }
  return {
    what: 'plumbing pods',
    steps,
    parallel: PARALLEL,
    parse(results) {
      return jobs.map((j, i) => {
        const mine = at[i]!.map((k) => results[k]!);
        const add = mine[plans[i]!.add];
        if (add?.exitCode === 0) return add.stdout;
        // A release that failed is why, when there is one; else the ADD's own words.
        const why = mine.slice(0, plans[i]!.add).find((r) => r.exitCode !== 0) ?? add;
        return new NetlabError(`CNI ADD for pod ${j.pod.name} on ${j.pod.node} failed: ${(why && tail(why)) || 'no result'}`, { hint: CNI_HINT });
      });
    },
  };
}

/** CNI DEL for a pod about to be removed, so its node's host-local frees the address. */
export function unplumbPodRequest(input: Parameters<typeof unplumbPodStep>[0]): ToolboxRequest<string> {
  const request = stepsRequest('CNI DEL', [unplumbPodStep(input)]);
  return { ...request, parse: (results) => request.parse(results)[0]! };
}

const SYNC_HINT = 'Run `netlab doctor` to check iptables/nftables support.';

function syncFailed(node: string, why: string): NetlabError {
  return new NetlabError(`kube-proxy sync failed on ${node}: ${why}`, { hint: SYNC_HINT });
}

/** What is left of one node's sync after the first request (usually nothing). */
export interface SyncLeft {
  node: string;
  steps: AgentStep[];
  /** The results of the job's `post` steps (absent when it had none). */
  post?: StepResult[];
  /** How long its longest load took in the node (the agent's own measure, without the exec around it). */
  loadMs?: number;
}

/** One node's part of a sync: its rules, and reads that run once they are loaded (`post`: the conntrack listing). */
export interface SyncJob {
  node: string;
  sync: NodeSync;
  post?: AgentStep[];
}

/**
 * One kube-proxy sync: every node's rules loaded and read back, in one exec; a node that
 * refused them is named. The answer is what each node's driver found left to do, and what its
 * `post` steps read (each starts once the node's loads have finished, whatever their results).
 */
export function proxySyncRequest(jobs: SyncJob[]): ToolboxRequest<SyncLeft[]> {
  const steps: AgentStep[] = [];
  for (const { sync, post } of jobs) {
    const loads = sync.steps.map((_, i) => steps.length + i);
    steps.push(...sync.steps, ...sync.checks, ...(post ?? []).map((p) => ({ ...p, after: loads })));
  }
  return {
    what: 'kube-proxy sync',
    steps,
    parallel: PARALLEL,
    parse(results) {
      let at = 0;
      return jobs.map(({ node, sync, post }) => {
        const loaded = results.slice(at, (at += sync.steps.length));
        const checks = results.slice(at, (at += sync.checks.length));
        const read = post && results.slice(at, (at += post.length));
        const bad = loaded.find((r) => r.exitCode !== 0);
        if (bad) throw syncFailed(node, tail(bad) || `exit code ${bad.exitCode}`);
        try {
          return { node, steps: sync.after(checks), post: read, loadMs: loaded.reduce((m, r) => Math.max(m, r.ms), 0) };
        } catch (err) {
          throw syncFailed(node, err instanceof Error ? err.message : String(err));
        }
      });
    },
  };
}

/** What the first request left (jumps that were missing, stale chains): every node's at once. */
export function proxySyncRestRequest(left: SyncLeft[]): ToolboxRequest<void> {
  const nodes = left.flatMap((l) => l.steps.map(() => l.node));
  return {
    what: 'kube-proxy sync (jumps, stale chains)',
    steps: left.flatMap((l) => l.steps),
    parallel: PARALLEL,
    parse(results) {
      const i = results.findIndex((r) => r.exitCode !== 0);
      if (i >= 0) throw syncFailed(nodes[i]!, tail(results[i]!) || `exit code ${results[i]!.exitCode}`);
    },
  };
}
