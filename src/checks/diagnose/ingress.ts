// A failed http check through the ingress controller: where the controller sends its host and
// path by the lab's Ingresses as they are now (the rule it matched, or that none did, and the
// backend's endpoints), since the path to the controller itself is fine.
import { findNamed } from '../../core/names.js';
import { resolveEndpoint } from '../../labfile/endpoints.js';
import type { CheckSpec, Lab } from '../../labfile/model.js';
import { ingressService, servedIngresses } from '../../plan/ingress/controller.js';
import { describeRouting, ingressTable } from '../../plan/ingress/routes.js';
import { planServices } from '../../plan/services.js';
import type { LabPlan } from '../../plan/types.js';

export function ingressRouting(lab: Lab, plan: LabPlan, check: CheckSpec, ready: ReadonlyMap<string, boolean>): string | undefined {
  if (check.probe !== 'http' || !check.to || !servedIngresses(lab).length) return undefined;
  const exposed = ingressService(lab.services);
  const ref = resolveEndpoint(lab, check.to);
  if (!exposed || !ref || 'error' in ref || ref.kind !== 'service' || ref.service !== exposed) return undefined;
  const planned = planServices(
    lab.services,
    plan.pods.map((p) => ({ pod: findNamed(lab.pods, p)!, ip: p.ip, node: p.node, ready: ready.get(`${p.namespace}/${p.name}`) ?? false })),
    lab.topology.serviceCIDR,
  );
  const host = check.host ?? check.to;
  return describeRouting(ingressTable(servedIngresses(lab), planned), host.replace(/:\d+$/, ''), (check.path ?? '/').replace(/\?.*$/, ''));
}
