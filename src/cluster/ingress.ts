// The ingress controller's control loop, run by each sync: the routing table from the lab's
// Ingresses and the Services' endpoints as planned now, written as nginx.conf.new into the
// controller, then netlab-ingress-reload (argv; the script is the image's) tests it, moves it in
// place and reloads nginx gracefully, and waits until nginx serves it.
import { NetlabError } from '../core/errors.js';
import { podContainerName } from '../core/names.js';
import { lastWords } from '../core/toolbox-request.js';
import type { Engine } from '../engine/engine.js';
import type { Lab } from '../labfile/model.js';
import { INGRESS_CONF_DIR, INGRESS_CONTAINER, INGRESS_RELOAD, isIngressPod, servedIngresses } from '../plan/ingress/controller.js';
import { nginxConfig } from '../plan/ingress/nginx.js';
import { ingressTable } from '../plan/ingress/routes.js';
import type { PlannedService } from '../plan/services.js';
import type { LabPlan } from '../plan/types.js';

export { ingressRows } from '../plan/ingress/rows.js';

/** Configures the lab's ingress controller, when it has one. */
export async function syncIngress(engine: Engine, lab: Lab, plan: LabPlan, planned: readonly PlannedService[]): Promise<void> {
  const pod = plan.pods.find(isIngressPod);
  if (!pod) return;
  // Milliseconds since 2025: each sync's configuration is told from the one before it.
  const generation = Date.now() - Date.UTC(2025, 0, 1);
  const text = nginxConfig(ingressTable(servedIngresses(lab), planned), generation);
  const container = `${podContainerName(plan.lab, pod)}-${INGRESS_CONTAINER}`;
  await engine.putFiles(container, INGRESS_CONF_DIR, { 'nginx.conf.new': text });
  const r = await engine.exec(container, [...INGRESS_RELOAD]);
  if (r.exitCode !== 0)
    throw new NetlabError(`Could not reload the ingress controller (nginx): ${lastWords(r) || `exit code ${r.exitCode}`}`, {
      hint: `netlab logs ${plan.lab} ${pod.name} -n ${pod.namespace} shows nginx's own words`,
    });
}
