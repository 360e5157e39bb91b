// A lab that is not up, as `up` would make it: planned addresses, every pod taken as ready
// (for `netlab graph` of a lab file).
import { findNamed } from '../core/names.js';
import type { Lab } from '../labfile/model.js';
import { planLab } from '../plan/plan.js';
import { planServices, type PlannedService, type PodEndpointSource } from '../plan/services.js';
import { loadBalancerSetting } from '../plan/load-balancer.js';
import type { ImageRefs, LabPlan } from '../plan/types.js';
import { loadLabArg } from './running-lab.js';

/** The underlay a lab that is not up is drawn on (the one `up` picks first when it is free). */
export const PLANNED_UNDERLAY = '10.250.0.0/24';

const PLACEHOLDER_IMAGES: ImageRefs = {
  base: 'netlab/base:planned',
  pause: 'netlab/pause:planned',
  app: 'netlab/app:planned',
  node: 'netlab/node:planned',
  router: 'netlab/router:planned',
  probe: 'netlab/probe:planned',
  coredns: 'netlab/coredns:planned',
  ingress: 'netlab/ingress:planned',
};

export interface PlannedLab {
  lab: Lab;
  plan: LabPlan;
  sources: PodEndpointSource[];
  services: PlannedService[];
}

export async function plannedLab(labArg: string): Promise<PlannedLab> {
  const lab = await loadLabArg(labArg);
  const plan = planLab(lab, { images: PLACEHOLDER_IMAGES, underlay: lab.topology.underlay ?? PLANNED_UNDERLAY });
  const sources = plan.pods.map((p) => ({ pod: findNamed(lab.pods, p)!, ip: p.ip, node: p.node, ready: true }));
  return { lab, plan, sources, services: planServices(lab.services, sources, lab.topology.serviceCIDR, [], loadBalancerSetting(plan)) };
}
