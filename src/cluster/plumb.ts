// Plumbing pods that became ready together, as kubelet drove CNI: what the toolbox looks at
// and changes, decided here from what it answered. One exec for the usual cases: a new sandbox
// is plumbed at once, a sandbox that ran before is looked at first (it may be plumbed already).
import type { ContainerAction } from '../engine/containers.js';
import type { NetlabError } from '../core/errors.js';
import type { RequestRunner } from '../engine/toolbox.js';
import type { PlumbInput, PlumbRelease, PodLook } from '../plan/plumbing.js';
import { plumbPodsRequest, podLookRequest } from '../plan/requests.js';
import type { PodPlan } from '../plan/types.js';

export interface PlumbJob {
  pod: PodPlan;
  input: PlumbInput;
  /** What became of the pause container (its sandbox) just now. */
  sandbox: ContainerAction;
  /** The sandbox it replaced, whose plumbing (its hold on the IP) is released first. */
  replaced?: string;
}

/** Each pod's answer: `unchanged` when it was plumbed already, the CNI result, or why it failed. */
export async function plumbPods(toolbox: RequestRunner, jobs: PlumbJob[]): Promise<(string | NetlabError)[]> {
  const answers: (string | NetlabError | undefined)[] = jobs.map(() => undefined);
  const looks = new Map<number, PodLook>();
  const look = async (indexes: number[]) => {
    const seen = await toolbox.run(podLookRequest(indexes.map((i) => jobs[i]!.input)));
    for (const [k, i] of indexes.entries()) looks.set(i, seen[k]!);
  };

  // A sandbox that was running may be plumbed already (eth0 holds its IP): then nothing changes.
  const running = jobs.flatMap((j, i) => (j.sandbox === 'unchanged' ? [i] : []));
  if (running.length) await look(running);
  for (const [i, l] of looks) if (l.unchanged) answers[i] = 'unchanged';

  const plumb = async (indexes: number[]) => {
    if (!indexes.length) return;
    const results = await toolbox.run(
      plumbPodsRequest(indexes.map((i) => ({ pod: jobs[i]!.pod, input: jobs[i]!.input, release: release(jobs[i]!, looks.get(i)) }))),
    );
    for (const [k, i] of indexes.entries()) answers[i] = results[k];
  };
  await plumb(answers.flatMap((a, i) => (a === undefined ? [i] : [])));

  // A new sandbox whose IP an unknown one still holds (removed behind netlab's back): who? Release it and try once more.
  const failed = answers.flatMap((a, i) => (typeof a !== 'string' && !looks.has(i) ? [i] : []));
  if (failed.length) {
    await look(failed);
    await plumb(failed.filter((i) => heldByAnother(jobs[i]!, looks.get(i))));
  }
  return answers.map((a) => a!);
}

function heldByAnother(job: PlumbJob, look: PodLook | undefined): boolean {
  return !!look?.owner && look.owner !== job.input.containerId && look.owner !== job.replaced;
}

/**
 * What goes before the ADD: the IP's holder when it is another sandbox (the one replaced, or
 * the one the look found), and this sandbox's own plumbing when it ran before (a restarted
 * container keeps its ID and its hold on the IP; a looked-at one may have an eth0 without it).
 * After a failed ADD (the look came after it), its half-made eth0 too.
 */
function release(job: PlumbJob, look: PodLook | undefined): PlumbRelease {
  const others = [job.replaced, look?.owner].filter((id): id is string => !!id && id !== job.input.containerId);
  return { others: [...new Set(others)], self: job.sandbox === 'unchanged' || job.sandbox === 'started' || look !== undefined };
}
