// The Ingress controller netlab runs: its class, namespace and labels (ingress-nginx's own).
// Plain data, apart from the manifests' schemas, for the planning code that places the controller.

/** The one IngressClass a lab has: netlab's controller (nginx), the default class. */
export const INGRESS_CLASS = 'nginx';

/** Where netlab runs its controller pod, and the labels it carries (ingress-nginx's own). */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const INGRESS_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

/** Does a Service select the controller pod netlab runs (so it will have an endpoint)? */
export function selectsIngressController(service: { namespace: string; selector: Record<string, string> }): boolean {
  const entries = Object.entries(service.selector);
  return service.namespace === INGRESS_NAMESPACE && entries.length > 0 && entries.every(([k, v]) => INGRESS_LABELS[k] === v);
}
