// Which pods are ready, as kubelet decides it: a pod is ready when its sandbox and every one of
// its containers run and every readinessProbe passes (a container without one is ready once it
// runs). Only ready pods are endpoints. The result is kept per container, for READY columns.
import { findNamed } from '../core/names.js';
import type { Lab } from '../labfile/model.js';
import type { ProbeVerdict } from './probes.js';
import type { ContainerReadiness, PodEndpointSource } from './services.js';
import type { LabPlan } from './types.js';

export type { ContainerReadiness };

/**
 * The pods of a plan as endpoint sources, given the names of the containers that run now and,
 * by container name, the readiness probes' results (published past their thresholds). Without
 * `probes`, readiness probes are not looked at (every running container counts as ready); with
 * it, a container with a readinessProbe and no result is not ready.
 */
export function podSourcesFrom(
  lab: Pick<Lab, 'pods'>,
  plan: LabPlan,
  running: ReadonlySet<string>,
  probes?: ReadonlyMap<string, ProbeVerdict>,
): PodEndpointSource[] {
  return plan.pods.map((p) => {
    const pod = findNamed(lab.pods, p)!;
    const sandbox = running.has(p.pause.name);
    const containers = p.containers.map((c, i): ContainerReadiness => {
      const spec = pod.containers[i]!;
      const runs = sandbox && running.has(c.name);
      if (!runs) return { name: spec.name, running: false, ready: false, reason: sandbox ? 'not running' : 'its pod sandbox is not running' };
      if (!spec.readinessProbe || !probes) return { name: spec.name, running: true, ready: true };
      const verdict = probes.get(c.name);
      if (!verdict) return { name: spec.name, running: true, ready: false, reason: 'readiness probe not run yet' };
      return verdict.ok
        ? { name: spec.name, running: true, ready: true }
        : { name: spec.name, running: true, ready: false, reason: `readiness probe failing: ${verdict.detail}` };
    });
    return { pod, ip: p.ip, node: p.node, ready: sandbox && containers.every((c) => c.ready), containers };
  });
}
