// What kube-proxy needs to know to program one node: every service port with its endpoints.
// Pure data; each mode's driver (iptables/, nftables/, userspace/; see registry.ts) generates
// its rules from it.

export type { ProxyMode } from '../../core/proxy-modes.js';

export interface EndpointState {
  ip: string;
  /** The resolved target port on the pod. */
  port: number;
  /** Node the endpoint pod runs on. */
  node: string;
}

/** One port of one service: kube-proxy's unit ("ServicePortName" ns/svc:port). */
export interface ServicePortState {
  namespace: string;
  service: string;
  /** The port's name; '' when the service has a single unnamed port. */
  portName: string;
  protocol: 'TCP' | 'UDP';
  clusterIP: string;
  port: number;
  /** Set for types NodePort and LoadBalancer. */
  nodePort?: number;
  /** LoadBalancer: the ingress addresses (status.loadBalancer.ingress), programmed on every node. */
  loadBalancerIPs?: string[];
  /** LoadBalancer: spec.loadBalancerSourceRanges (a firewall chain when set). */
  loadBalancerSourceRanges?: string[];
  /** externalTrafficPolicy Local on an externally reachable Service (svcInfo.ExternalPolicyLocal()). */
  externalPolicyLocal?: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal?: boolean;
  /** LoadBalancer + externalTrafficPolicy Local: the node's health-check port. */
  healthCheckNodePort?: number;
  /** sessionAffinity: ClientIP timeout in seconds (default 10800), undefined = None. */
  affinitySeconds?: number;
  /** Ready endpoints, in a stable order (by IP then port; the iptables and nftables generators put them in kube-proxy's order, kubeProxyEndpointOrder); those whose node is ProxyInput.node are local. */
  endpoints: EndpointState[];
}

export interface ProxyInput {
  node: string;
  nodeIP: string;
  /** kube-proxy's --cluster-cidr: traffic from outside it to a cluster IP is masqueraded. */
  clusterCIDR: string;
  /**
   * The service CIDR, when known: nftables mode drops traffic to its unallocated
   * addresses (kube-proxy's "Drop traffic to unallocated ClusterIPs"). Optional.
   */
  serviceCIDR?: string;
  services: ServicePortState[];
  /**
   * Endpoints of these services that are not ready: kube-proxy holds them too (unused), and
   * they count toward its large-cluster threshold (iptables). Default 0.
   */
  notReadyEndpoints?: number;
}
