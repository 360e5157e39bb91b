import { join } from 'node:path';
import { labGraph, type LabGraph } from '../../src/ui/graph/index.js';
import { planLab } from '../../src/plan/plan.js';
import { planServices } from '../../src/plan/services.js';
import type { ImageRefs } from '../../src/plan/types.js';
import { withAddons } from '../../src/plan/addons.js';
import { loadLab } from '../../src/labfile/load.js';

export const images: ImageRefs = {
  base: 'netlab/base:t',
  pause: 'netlab/pause:t',
  app: 'netlab/app:t',
  node: 'netlab/node:t',
  router: 'netlab/router:t',
  probe: 'netlab/probe:t',
  coredns: 'netlab/coredns:t',
  ingress: 'netlab/ingress:t',
};

/** pod-to-service, planned on 10.250.0.0/24; every pod ready except those named in `notReady`. */
export async function podToService(notReady: string[] = []): Promise<LabGraph> {
  const { lab: loaded } = await loadLab(join(import.meta.dirname, '..', '..', 'labs', 'pod-to-service', 'lab.yaml'));
  const lab = withAddons(loaded);
  const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
  const sources = plan.pods.map((p) => ({
    pod: lab.pods.find((s) => s.name === p.name && s.namespace === p.namespace)!,
    ip: p.ip,
    node: p.node,
    ready: !notReady.includes(p.name),
  }));
  const services = planServices(lab.services, sources, lab.topology.serviceCIDR);
  const ready = new Set(sources.filter((s) => s.ready).map((s) => `${s.pod.namespace}/${s.pod.name}`));
  return labGraph(plan, services, ready, { proxyMode: lab.topology.proxyMode });
}
