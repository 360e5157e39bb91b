// What the cluster DNS serves: built from services, endpoints and pods (kubernetes/dns spec).

export interface DnsServicePort {
  name: string; // '' when unnamed (no SRV record then)
  protocol: 'TCP' | 'UDP';
  port: number;
}

export interface DnsService {
  namespace: string;
  name: string;
  /** undefined for a headless service. */
  clusterIP?: string;
  ports: DnsServicePort[];
  /** Ready endpoint addresses (headless: one A record each; none: NXDOMAIN). */
  endpoints: { ip: string; hostname?: string }[];
}

export interface DnsPod {
  namespace: string;
  name: string;
  ip: string;
}

export interface DnsInput {
  /** `cluster.local` */
  domain: string;
  services: DnsService[];
  pods: DnsPod[];
  /** SOA serial: must grow with every change so CoreDNS's `file` plugin reloads. */
  serial: number;
  /**
   * The cluster DNS's own address (the kube-dns service IP). When given, the zone's
   * name server `ns.dns.<domain>` gets an A record with it, as the kubernetes plugin answers.
   */
  dnsIP?: string;
}
