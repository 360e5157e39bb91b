// The ingress controller netlab runs like a cluster add-on (as CoreDNS): ingress-nginx's
// controller pod in the ingress-nginx namespace, deployed when the lab has an Ingress of its
// class. netlab is its control loop: each sync writes nginx's configuration from the Ingresses
// and reloads it (src/cluster/ingress.ts). Pure.
import type { Lab, NamespaceSpec, PodSpec, ServiceSpec } from '../../labfile/model.js';
import { INGRESS_CLASS, INGRESS_LABELS, INGRESS_NAMESPACE, selectsIngressController } from '../../labfile/ingress-controller.js';

/** As a Deployment's replica (ingress-nginx's is a Deployment), so its name is not the Service's. */
export const INGRESS_POD = 'ingress-nginx-controller-0';
export const INGRESS_CONTAINER = 'controller';
/** The Service ingress-nginx's deploy manifests expose the controller with (type LoadBalancer). */
export const INGRESS_SERVICE = 'ingress-nginx-controller';
/** Where netlab writes nginx's configuration in the controller (docker/ingress/). */
export const INGRESS_CONF_DIR = '/etc/nginx/netlab';
/** Tests nginx.conf.new, moves it in place, reloads nginx and waits until it serves it. */
export const INGRESS_RELOAD = ['/usr/local/bin/netlab-ingress-reload'] as const;
export { INGRESS_LABELS, INGRESS_NAMESPACE };

/** The Ingresses netlab's controller serves (its class, the default one). */
export function servedIngresses(lab: Pick<Lab, 'ingresses'>): Lab['ingresses'] {
  return lab.ingresses.filter((i) => i.className === INGRESS_CLASS);
}

export function isIngressPod(pod: Pick<PodSpec, 'name' | 'namespace'>): boolean {
  return pod.namespace === INGRESS_NAMESPACE && pod.name === INGRESS_POD;
}

const selects = selectsIngressController;

/**
 * The lab with the controller when it has an Ingress to serve; idempotent. The lab may expose
 * the controller with a Service of its own (selecting INGRESS_LABELS in ingress-nginx, as
 * ingress-nginx's manifests do); without one, the controller gets theirs: a LoadBalancer.
 */
export function withIngressController(lab: Lab): Lab {
  if (!servedIngresses(lab).length || lab.pods.some(isIngressPod)) return lab;
  const at = { file: lab.file, line: 1, column: 1 };
  const controller: PodSpec = {
    name: INGRESS_POD,
    namespace: INGRESS_NAMESPACE,
    labels: { ...INGRESS_LABELS },
    nodeName: lab.topology.nodes[0]!.name,
    containers: [
      {
        name: INGRESS_CONTAINER,
        image: 'netlab/ingress',
        env: [],
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        at,
      },
    ],
    at,
  };
  const namespaces: NamespaceSpec[] = lab.namespaces.some((n) => n.name === INGRESS_NAMESPACE)
    ? lab.namespaces
    : [...lab.namespaces, { name: INGRESS_NAMESPACE, labels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE }, at }];
  const services = lab.services.some(selects)
    ? lab.services
    : [
        ...lab.services,
        {
          name: INGRESS_SERVICE,
          namespace: INGRESS_NAMESPACE,
          type: 'LoadBalancer',
          selector: { ...INGRESS_LABELS },
          ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', at }],
          sessionAffinity: 'None',
          affinitySeconds: 10800,
          at,
        } satisfies ServiceSpec,
      ];
  return { ...lab, namespaces, pods: [...lab.pods, controller], services };
}

/** The Service that exposes the controller (the lab's own, or the default one). */
export function ingressService(services: readonly ServiceSpec[]): ServiceSpec | undefined {
  return services.find(selects);
}
