// Which pods are ready: a pod is ready when its sandbox and every one of its containers run.
import { findNamed } from '../core/names.js';
import type { Lab } from '../labfile/model.js';
import type { PodEndpointSource } from './services.js';
import type { LabPlan } from './types.js';

/** The pods of a plan as endpoint sources, given the names of the containers that run now. */
export function podSourcesFrom(lab: Pick<Lab, 'pods'>, plan: LabPlan, running: ReadonlySet<string>): PodEndpointSource[] {
  return plan.pods.map((p) => ({
    pod: findNamed(lab.pods, p)!,
    ip: p.ip,
    node: p.node,
    ready: [p.pause, ...p.containers].every((c) => running.has(c.name)),
  }));
}
