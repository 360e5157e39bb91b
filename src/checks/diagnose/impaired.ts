// A failed check on a lab whose links are impaired (netlab impair, topology.impair, an
// exercise's fault): the impairments that drop or hold packets are the likeliest cause when
// every route and rule on the path is in place.
import type { NamespaceRef } from '../../core/toolbox-request.js';
import { rawStepsRequest } from '../../core/toolbox-request.js';
import { describeObserved, parseObserved, podName, READ_STEPS, readSteps } from '../../plan/impair.js';
import type { LabTarget } from '../target.js';

/** "node1's link to router loses 100% of its packets..." or undefined when nothing is impaired. */
export async function impairedLinks(target: LabTarget, ns: (container: string) => Promise<NamespaceRef | undefined>): Promise<string | undefined> {
  const { plan } = target;
  const parts: [string, string][] = [
    ...plan.nodes.map((n) => [n.container.name, n.name] as [string, string]),
    ...(plan.router ? [[plan.router.name, 'router'] as [string, string]] : []),
    ...plan.pods.map((p) => [p.pause.name, podName(p.namespace, p.name)] as [string, string]),
  ];
  const refs = (await Promise.all(parts.map(async ([container, part]) => ({ part, ref: await ns(container) })))).filter(
    (p): p is { part: string; ref: NamespaceRef } => p.ref !== undefined,
  );
  if (refs.length === 0) return undefined;
  const results = await target.toolbox.run(
    rawStepsRequest(
      'reading impairments',
      refs.flatMap((r) => readSteps(r.ref)),
      8,
    ),
  );
  const found: string[] = [];
  refs.forEach((r, i) => {
    try {
      const now = parseObserved(results.slice(i * READ_STEPS, (i + 1) * READ_STEPS));
      // Only what drops or holds packets (a delay line); a rate alone rarely fails a check.
      if (now.lines.length) for (const line of describeObserved({ ...now, tbf: new Map() })) found.push(`${r.part} ${line}`);
    } catch {
      // A namespace gone meanwhile tells nothing.
    }
  });
  if (found.length === 0) return undefined;
  return `the lab's links are impaired (${found.join('; ')}): packets on the path are lost or held; netlab impair ${plan.lab} <target> --clear takes an impairment back`;
}
