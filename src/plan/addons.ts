// Cluster add-ons netlab runs like a cluster would: CoreDNS as a pod in kube-system behind the
// kube-dns service at the 10th address of the service CIDR (kubeadm's layout). Pure.
import type { Lab, PodSpec, ServiceSpec } from '../labfile/model.js';
import { dnsIP } from './services.js';
import { withIngressController } from './ingress/controller.js';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_POD = 'coredns';
export const DNS_SERVICE = 'kube-dns';
/** Where netlab writes the Corefile and zone files inside the CoreDNS container. */
export const COREDNS_DIR = '/etc/coredns';

export function isDnsPod(pod: Pick<PodSpec, 'name' | 'namespace'>): boolean {
  return pod.namespace === DNS_NAMESPACE && pod.name === DNS_POD;
}

/** The lab with its add-ons (the cluster DNS, the ingress controller); idempotent. */
export function withAddons(lab: Lab): Lab {
  return withIngressController(withDns(lab));
}

function withDns(lab: Lab): Lab {
  if (!lab.topology.dns || lab.pods.some(isDnsPod)) return lab;
  const at = { file: lab.file, line: 1, column: 1 };
  const labels = { 'k8s-app': 'kube-dns' };
  const coredns: PodSpec = {
    name: DNS_POD,
    namespace: DNS_NAMESPACE,
    labels,
    nodeName: lab.topology.nodes[0]!.name,
    containers: [
      {
        name: 'coredns',
        image: 'netlab/coredns',
        // netlab writes the Corefile and zones after the container starts (docker cp), then CoreDNS runs.
        command: ['sh', '-c', 'while [ ! -s "$1/Corefile" ]; do sleep 0.05; done; exec coredns -conf "$1/Corefile"', 'coredns-start', COREDNS_DIR],
        env: [],
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
        ],
        at,
      },
    ],
    at,
  };
  const kubeDns: ServiceSpec = {
    name: DNS_SERVICE,
    namespace: DNS_NAMESPACE,
    type: 'ClusterIP',
    clusterIP: dnsIP(lab.topology.serviceCIDR),
    selector: labels,
    ports: [
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53, at },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53, at },
      { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153, at },
    ],
    sessionAffinity: 'None',
    affinitySeconds: 10800,
    at,
  };
  return { ...lab, pods: [...lab.pods, coredns], services: [...lab.services, kubeDns] };
}
