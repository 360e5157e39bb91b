// The toolbox requests of a lab's life, typed: what each does, and its answer read back.
// (Plumbing pods with the real CNI plugins, routes, CNI DEL, a kube-proxy sync of every node.)
import { NetlabError } from '../core/errors.js';
import { rawScriptRequest, scriptRequest, type ShellRequest } from '../core/toolbox-request.js';
import { parallelScript, parseParallelOutput, plumbPodScript, routesScript, unplumbPodScript, type PlumbInput, type RouteTarget } from './scripts.js';
import type { PodPlan } from './types.js';

const LAST_LINES = 3;
const tail = (text: string) => text.trim().split('\n').slice(-LAST_LINES).join(' / ');

/** Every target's routes, replaced (one exec for the whole lab). */
export function routesRequest(targets: RouteTarget[]): ShellRequest<string> {
  return scriptRequest('setting routes', routesScript(targets));
}

/**
 * CNI ADD of several pods at once (pods that became ready together). Each pod gets its own
 * answer: the plugin's output (`unchanged` when already plumbed), or the error saying why not.
 */
export function plumbPodsRequest(jobs: { pod: PodPlan; input: PlumbInput }[]): ShellRequest<(string | NetlabError)[]> {
  const script = scriptRequest('plumbing pods', parallelScript(jobs.map((j, index) => ({ index, command: plumbPodScript(j.input) }))));
  return {
    ...script,
    parse(result) {
      const results = new Map(parseParallelOutput(script.parse(result)).map((r) => [r.index, r]));
      return jobs.map((j, i) => {
        const r = results.get(i);
        if (r?.exitCode === 0) return r.output;
        return new NetlabError(`CNI ADD for pod ${j.pod.name} on ${j.pod.node} failed: ${(r && tail(r.output)) || 'no result'}`, {
          hint: 'Run `netlab doctor` to check the CNI plugins and kernel features; `netlab up` again retries.',
        });
      });
    },
  };
}

/** CNI DEL for a pod about to be removed, so its node's host-local frees the address. */
export function unplumbPodRequest(input: Parameters<typeof unplumbPodScript>[0]): ShellRequest<string> {
  return scriptRequest('CNI DEL', unplumbPodScript(input));
}

/** One kube-proxy sync: every node's rules in one exec; a node that refused them is named. */
export function proxySyncRequest(jobs: { node: string; command: string }[]): ShellRequest<void> {
  const raw = rawScriptRequest('kube-proxy sync', parallelScript(jobs.map((j, index) => ({ index, command: j.command }))), true);
  return {
    ...raw,
    parse(result) {
      for (const r of parseParallelOutput(result.stdout)) {
        if (r.exitCode !== 0) {
          throw new NetlabError(`kube-proxy sync failed on ${jobs[r.index]!.node}: ${tail(r.output)}`, {
            hint: 'Run `netlab doctor` to check iptables/nftables support.',
          });
        }
      }
    },
  };
}
