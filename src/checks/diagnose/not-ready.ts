// "its pods (...) are not ready": why, in the words of the first readiness probe that fails
// (run once more now, as kubelet runs it), so the sentence leads to the probe, not the pods.
import { podTitle } from '../../core/names.js';
import type { ProbeHandler } from '../../labfile/model.js';
import type { LabTarget } from '../target.js';

/** The sentence with the failing probe's own words added (undefined: none could be read). */
export async function whyNotReady(target: LabTarget, sentence: string): Promise<string | undefined> {
  const said = /^service ([^/\s]+)\/\S+ has no endpoints: its pods \(([^)]*)\) are not ready$/.exec(sentence);
  if (!said || !target.probeReadiness) return undefined;
  const [namespace, names] = [said[1], said[2]!.split(', ')];
  const pods = target.plan.pods.filter((p) => p.namespace === namespace && names.includes(p.name));
  const containers = pods.flatMap((p) =>
    p.containers.map((c) => {
      const spec = target.lab.pods
        .find((x) => x.name === p.name && x.namespace === p.namespace)
        ?.containers.find((x) => x.name === c.create.Labels?.['netlab.container']);
      return { pod: podTitle(p), container: c.name, handler: spec?.readinessProbe?.handler };
    }),
  );
  const verdicts = await target.probeReadiness(new Set(containers.map((c) => c.container)));
  const failed = containers.find((c) => verdicts.get(c.container)?.ok === false);
  if (!failed) return undefined;
  const what = failed.handler ? ` (${handlerText(failed.handler)})` : '';
  return `${sentence}: the readiness probe of ${failed.pod}${what} fails: ${verdicts.get(failed.container)!.detail}`;
}

/** A probe as its spec says it: httpGet port 8081 /readyz. */
function handlerText(h: ProbeHandler): string {
  if (h.kind === 'httpGet') return `httpGet ${h.scheme === 'HTTPS' ? 'https ' : ''}port ${h.port} ${h.path}`;
  if (h.kind === 'tcpSocket') return `tcpSocket port ${h.port}`;
  return `exec ${h.command.join(' ')}`;
}
