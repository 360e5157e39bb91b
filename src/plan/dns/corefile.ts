// The cluster DNS's Corefile: kubeadm's, with the names served from zone files
// netlab writes (the `kubernetes` plugin needs an API server, which netlab does not
// run). Each difference from kubeadm's is said in a comment of the file itself, so a
// student reading /etc/coredns/Corefile in the lab learns why.

export interface CorefileOptions {
  /** `cluster.local` */
  domain: string;
  /** Path of the cluster domain's zone file inside the CoreDNS container. */
  zoneFile: string;
  /** Path of the in-addr.arpa zone file inside the CoreDNS container. */
  reverseFile: string;
  /** Log every query (the `log` plugin), for a lab that watches them. Default off, as kubeadm. */
  log?: boolean;
}

/** The health, readiness and metrics ports, as kubeadm's Corefile and CoreDNS's manifest use. */
export const DNS_HEALTH_PORT = 8080;
export const DNS_READY_PORT = 8181;
export const DNS_METRICS_PORT = 9153;

export function corefile(options: CorefileOptions): string {
  const domain = options.domain.replace(/\.+$/, '');
  const log = options.log ? ['    log'] : [];
  return [
    "# netlab's cluster DNS, written by netlab. Modelled on kubeadm's Corefile, which is",
    '#   .:53 { errors; health { lameduck 5s }; ready;',
    '#          kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 };',
    '#          prometheus :9153; forward . /etc/resolv.conf; cache 30; loop; reload; loadbalance }',
    '# and different where a lab needs it:',
    '# - `file` instead of `kubernetes`: that plugin watches an API server, and a lab has none.',
    '#   netlab writes the same records (kubernetes/dns specification) into zone files, TTL 5',
    '#   (the kubernetes plugin default; kubeadm sets 30). Pod names exist only for pods that',
    "#   run (as `pods verified`), where kubeadm's `pods insecure` answers any a-b-c-d name.",
    '# - netlab reloads CoreDNS (SIGUSR1, as the `reload` plugin does for a changed Corefile)',
    '#   each time it writes the zone files, so a service or pod you change is answered for at',
    '#   once. `reload 1s` inside `file` also loads a zone file edited by hand, within a',
    '#   second, when its SOA serial is raised.',
    '# - no `cache`: records change under your hands, and a cached answer would be up to',
    '#   30 s old.',
    '# - no `forward`: a lab has no upstream name server. A name outside the cluster is',
    '#   answered NXDOMAIN at once by the last block (`template`), as an upstream would',
    '#   answer a name that does not exist, instead of waiting for a timeout.',
    '# - one server block per zone instead of `.:53`, so that the catch-all block stays last.',
    '#   health and ready are process wide, so they sit in the first block only (as does',
    "#   loop, kept from kubeadm's though it guards against `forward` loops).",
    '# - health without `lameduck 5s`: a lab container stops at once.',
    `${domain}:53 {`,
    '    errors',
    ...log,
    `    health :${DNS_HEALTH_PORT}`,
    `    ready :${DNS_READY_PORT}`,
    `    file ${options.zoneFile} ${domain} {`,
    '        reload 1s',
    '    }',
    `    prometheus :${DNS_METRICS_PORT}`,
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    'in-addr.arpa:53 {',
    '    errors',
    ...log,
    `    file ${options.reverseFile} in-addr.arpa {`,
    '        reload 1s',
    '    }',
    `    prometheus :${DNS_METRICS_PORT}`,
    '    reload',
    '    loadbalance',
    '}',
    '.:53 {',
    '    errors',
    ...log,
    '    template ANY ANY {',
    '        rcode NXDOMAIN',
    '    }',
    '}',
    '',
  ].join('\n');
}
