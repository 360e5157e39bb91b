// Outputs captured from a running pod-to-service lab (iptables mode), for the diagnose/explain tests.
export const NODE1_LINKS = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 0a:35:b4:f6:70:73 brd ff:ff:ff:ff:ff:ff
3: vethc258abbe@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP mode DEFAULT group default \\    link/ether 72:84:12:d7:1e:f4 brd ff:ff:ff:ff:ff:ff link-netnsid 1
4: vethf9f325c6@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP mode DEFAULT group default \\    link/ether e2:64:c8:ca:09:72 brd ff:ff:ff:ff:ff:ff link-netnsid 2
5: veth91203a06@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP mode DEFAULT group default \\    link/ether 2e:8a:51:a0:bc:43 brd ff:ff:ff:ff:ff:ff link-netnsid 3
6: eth0@if31: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:0a:fa:01:0b brd ff:ff:ff:ff:ff:ff link-netnsid 0`;
export const NODE1_ADDRS = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: cbr0    inet 10.0.1.1/24 brd 10.0.1.255 scope global cbr0\\       valid_lft forever preferred_lft forever
6: eth0    inet 10.250.1.11/24 brd 10.250.1.255 scope global eth0\\       valid_lft forever preferred_lft forever`;
export const NODE1_ROUTES = `default via 10.250.1.2 dev eth0 
10.0.1.0/24 dev cbr0 proto kernel scope link src 10.0.1.1 
10.250.1.0/24 dev eth0 proto kernel scope link src 10.250.1.11 `;
export const NODE2_LINKS = `2: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 0a:35:b4:f6:70:74 brd ff:ff:ff:ff:ff:ff
3: veth1910e9af@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP mode DEFAULT group default \\    link/ether 72:84:12:d7:1e:f5 brd ff:ff:ff:ff:ff:ff link-netnsid 1`;
export const NODE2_ADDRS = `2: cbr0    inet 10.0.2.1/24 brd 10.0.2.255 scope global cbr0\\       valid_lft forever preferred_lft forever`;
export const NODE2_ROUTES = `default via 10.250.1.2 dev eth0 
10.0.2.0/24 dev cbr0 proto kernel scope link src 10.0.2.1 
10.250.1.0/24 dev eth0 proto kernel scope link src 10.250.1.12 `;
export const ROUTER_ROUTES = `10.0.1.0/24 via 10.250.1.11 dev eth0 
10.0.2.0/24 via 10.250.1.12 dev eth0 
10.250.1.0/24 dev eth0 proto kernel scope link src 10.250.1.2 `;
export const ROUTER_ROUTES_BROKEN = `10.0.1.0/24 via 10.250.1.11 dev eth0 
10.250.1.0/24 dev eth0 proto kernel scope link src 10.250.1.2 `;
export const CLIENT_LINKS = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 46:be:cb:7e:29:8e brd ff:ff:ff:ff:ff:ff link-netnsid 0`;
export const CLIENT_ADDRS = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.1.3/24 brd 10.0.1.255 scope global eth0\\       valid_lft forever preferred_lft forever`;
export const CLIENT_ROUTES = `default via 10.0.1.1 dev eth0 
10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.3 `;
export const SERVER0_LINKS = `2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 46:be:cb:7e:29:8f brd ff:ff:ff:ff:ff:ff link-netnsid 0`;
export const SERVER0_ADDRS = `2: eth0    inet 10.0.1.2/24 brd 10.0.1.255 scope global eth0\\       valid_lft forever preferred_lft forever`;
export const SERVER1_LINKS = `2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 46:be:cb:7e:29:90 brd ff:ff:ff:ff:ff:ff link-netnsid 0`;
export const SERVER1_ADDRS = `2: eth0    inet 10.0.2.2/24 brd 10.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever`;
export const SERVER1_ROUTES = `default via 10.0.2.1 dev eth0 
10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.2 `;
export const SERVER0_ROUTES = `default via 10.0.1.1 dev eth0 
10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 `;
export const LISTEN_8080 = `tcp   LISTEN 0      4096               *:8080            *:*          `;
export const LISTEN_9090 = `tcp   LISTEN 0      4096               *:9090            *:*          `;

const natRules = (c: { svc: number; sep0: number; sep1: number }) => `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SEP-CCUNI5TAEJBRFII7 - [0:0]
:KUBE-SEP-SWDHQQVZNE4DIAR4 - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-GBTMB5ZTD56ECL5F - [0:0]
[0:0] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
[0:0] -A KUBE-SEP-CCUNI5TAEJBRFII7 -s 10.0.2.2/32 -m comment --comment "default/service-test" -j KUBE-MARK-MASQ
[${c.sep1}:${c.sep1 * 60}] -A KUBE-SEP-CCUNI5TAEJBRFII7 -p tcp -m comment --comment "default/service-test" -m tcp -j DNAT --to-destination 10.0.2.2:8080
[0:0] -A KUBE-SEP-SWDHQQVZNE4DIAR4 -s 10.0.1.2/32 -m comment --comment "default/service-test" -j KUBE-MARK-MASQ
[${c.sep0}:${c.sep0 * 60}] -A KUBE-SEP-SWDHQQVZNE4DIAR4 -p tcp -m comment --comment "default/service-test" -m tcp -j DNAT --to-destination 10.0.1.2:8080
[${c.svc}:${c.svc * 60}] -A KUBE-SERVICES -d 10.3.241.152/32 -p tcp -m comment --comment "default/service-test cluster IP" -m tcp --dport 80 -j KUBE-SVC-GBTMB5ZTD56ECL5F
[0:0] -A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
[0:0] -A KUBE-SVC-GBTMB5ZTD56ECL5F ! -s 10.0.0.0/16 -d 10.3.241.152/32 -p tcp -m comment --comment "default/service-test cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
[${c.sep0}:${c.sep0 * 60}] -A KUBE-SVC-GBTMB5ZTD56ECL5F -m comment --comment "default/service-test -> 10.0.1.2:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-SWDHQQVZNE4DIAR4
[${c.sep1}:${c.sep1 * 60}] -A KUBE-SVC-GBTMB5ZTD56ECL5F -m comment --comment "default/service-test -> 10.0.2.2:8080" -j KUBE-SEP-CCUNI5TAEJBRFII7
COMMIT`;
export const NAT_BEFORE = natRules({ svc: 0, sep0: 0, sep1: 0 });
export const NAT_AFTER = natRules({ svc: 1, sep0: 0, sep1: 1 });
export const NAT_NO_SERVICE = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
[0:0] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
COMMIT`;
export const CONNTRACK_AFTER = `tcp      6 119 TIME_WAIT src=10.0.1.3 dst=10.3.241.152 sport=49146 dport=80 src=10.0.2.2 dst=10.0.1.3 sport=8080 dport=49146 [ASSURED] mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.`;
export const PROBE_OK = `Hello from server-1 (10.0.2.2:8080)

HTTP 200 SPORT 49146`;
export const NFT_AFTER = `table ip kube-proxy { # handle 3
	map service-ips { # handle 9
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
		elements = { 10.3.240.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns,
			     10.3.241.152 . tcp . 80 : goto service-EAFHE2E3-default/service-test/tcp/ }
	}
	chain service-EAFHE2E3-default/service-test/tcp/ { # handle 49
		counter packets 1 bytes 60 comment "netlab-explain" # handle 78
		ip daddr 10.3.241.152 ip saddr != 10.0.0.0/16 jump mark-for-masquerade # handle 50
		numgen random mod 2 vmap { 0 : goto endpoint-3WTJTVM4-default/service-test/tcp/__10.0.1.2/8080, 1 : goto endpoint-TQ2NHXDT-default/service-test/tcp/__10.0.2.2/8080 } # handle 52
	}
	chain endpoint-3WTJTVM4-default/service-test/tcp/__10.0.1.2/8080 { # handle 47
		counter packets 1 bytes 60 comment "netlab-explain" # handle 79
		ip saddr 10.0.1.2 jump mark-for-masquerade # handle 53
		meta l4proto tcp dnat to 10.0.1.2:8080 # handle 54
	}
	chain endpoint-TQ2NHXDT-default/service-test/tcp/__10.0.2.2/8080 { # handle 48
		counter packets 0 bytes 0 comment "netlab-explain" # handle 80
		ip saddr 10.0.2.2 jump mark-for-masquerade # handle 55
		meta l4proto tcp dnat to 10.0.2.2:8080 # handle 56
	}
}`;

import { parseAddrs, parseLinks, parseListening, parseRoutes } from '../../src/checks/diagnose/evidence.js';
import type { NetnsFacts, PathFacts } from '../../src/checks/diagnose/path.js';

const ns = (links: string, addrs: string, routes: string, listen?: string): NetnsFacts => ({
  links: parseLinks(links),
  addrs: parseAddrs(addrs),
  routes: parseRoutes(routes),
  listening: listen === undefined ? undefined : parseListening(listen),
});

/** client (node1) → service-test:80 in pod-to-service, iptables mode, as read off the lab. */
export function serviceFacts(over: { router?: string; server1Listen?: string; server0Listen?: string; nat?: string; endpoints?: boolean } = {}): PathFacts {
  const endpoints =
    over.endpoints === false
      ? []
      : [
          { ip: '10.0.1.2', port: 8080, node: 'node1', pod: 'server-0', chain: 'KUBE-SEP-SWDHQQVZNE4DIAR4' },
          { ip: '10.0.2.2', port: 8080, node: 'node2', pod: 'server-1', chain: 'KUBE-SEP-CCUNI5TAEJBRFII7' },
        ];
  return {
    lab: 'pod-to-service',
    mode: 'iptables',
    underlay: '10.250.1.0/24',
    source: { kind: 'pod', name: 'client', ip: '10.0.1.3', node: 'node1' },
    target: { text: 'service-test:80', ip: '10.3.241.152', port: 80, proto: 'tcp' },
    nodes: [
      { name: 'node1', ip: '10.250.1.11', bridgeIP: '10.0.1.1', podCIDR: '10.0.1.0/24', running: true, ns: ns(NODE1_LINKS, NODE1_ADDRS, NODE1_ROUTES) },
      { name: 'node2', ip: '10.250.1.12', bridgeIP: '10.0.2.1', podCIDR: '10.0.2.0/24', running: true, ns: ns(NODE2_LINKS, NODE2_ADDRS, NODE2_ROUTES) },
    ],
    router: { ip: '10.250.1.2', running: true, ns: ns('', '', over.router ?? ROUTER_ROUTES) },
    pods: [
      {
        name: 'client',
        namespace: 'default',
        ip: '10.0.1.3',
        node: 'node1',
        running: true,
        labels: { app: 'client' },
        ns: ns(CLIENT_LINKS, CLIENT_ADDRS, CLIENT_ROUTES),
      },
      {
        name: 'server-0',
        namespace: 'default',
        ip: '10.0.1.2',
        node: 'node1',
        running: true,
        labels: { app: 'server' },
        ns: ns(SERVER0_LINKS, SERVER0_ADDRS, SERVER0_ROUTES, over.server0Listen ?? LISTEN_8080),
      },
      {
        name: 'server-1',
        namespace: 'default',
        ip: '10.0.2.2',
        node: 'node2',
        running: true,
        labels: { app: 'server' },
        ns: ns(SERVER1_LINKS, SERVER1_ADDRS, SERVER1_ROUTES, over.server1Listen ?? LISTEN_8080),
      },
    ],
    service: {
      name: 'service-test',
      namespace: 'default',
      clusterIP: '10.3.241.152',
      port: 80,
      protocol: 'tcp',
      targetPort: 8080,
      selector: { app: over.endpoints === false ? 'server_pod1' : 'server' },
      portName: 'default/service-test',
      chain: 'KUBE-SVC-GBTMB5ZTD56ECL5F',
      endpoints,
    },
    entry: { kind: 'cluster-ip', node: 'node1', hook: 'prerouting', ip: '10.3.241.152', port: 80 },
    allPods: [
      { name: 'client', namespace: 'default', labels: { app: 'client' }, ready: true },
      { name: 'server-0', namespace: 'default', labels: { app: 'server' }, ready: true },
      { name: 'server-1', namespace: 'default', labels: { app: 'server' }, ready: true },
    ],
    nat: over.nat ?? NAT_BEFORE,
    conntrack: '',
  };
}
