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

/** node1's nat table with a NodePort Service (default/web-np, nodePort 30600) over the same two pods, counters as `c` says. */
const nodePortRules = (c: { np: number; sep0: number; sep1: number }) => `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-XGQ5ZE3NGFVJA4PN - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-BQOWZ3VJ5B3RGVQC - [0:0]
:KUBE-SEP-XLJ4BZKPBM4M5H6J - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-XGQ5ZE3NGFVJA4PN - [0:0]
[${c.np}:${c.np * 60}] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
[0:0] -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
[${c.np}:${c.np * 60}] -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
[${c.np}:${c.np * 60}] -A KUBE-EXT-XGQ5ZE3NGFVJA4PN -m comment --comment "masquerade traffic for default/web-np external destinations" -j KUBE-MARK-MASQ
[${c.np}:${c.np * 60}] -A KUBE-EXT-XGQ5ZE3NGFVJA4PN -j KUBE-SVC-XGQ5ZE3NGFVJA4PN
[${c.np}:${c.np * 60}] -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
[${c.np}:${c.np * 60}] -A KUBE-NODEPORTS -p tcp -m comment --comment default/web-np -m tcp --dport 30600 -j KUBE-EXT-XGQ5ZE3NGFVJA4PN
[0:0] -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
[${c.np}:${c.np * 60}] -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
[${c.np}:${c.np * 60}] -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
[0:0] -A KUBE-SEP-BQOWZ3VJ5B3RGVQC -s 10.0.1.2/32 -m comment --comment default/web-np -j KUBE-MARK-MASQ
[${c.sep0}:${c.sep0 * 60}] -A KUBE-SEP-BQOWZ3VJ5B3RGVQC -p tcp -m comment --comment default/web-np -m tcp -j DNAT --to-destination 10.0.1.2:8080
[0:0] -A KUBE-SEP-XLJ4BZKPBM4M5H6J -s 10.0.2.2/32 -m comment --comment default/web-np -j KUBE-MARK-MASQ
[${c.sep1}:${c.sep1 * 60}] -A KUBE-SEP-XLJ4BZKPBM4M5H6J -p tcp -m comment --comment default/web-np -m tcp -j DNAT --to-destination 10.0.2.2:8080
[0:0] -A KUBE-SERVICES -d 10.3.245.7/32 -p tcp -m comment --comment "default/web-np cluster IP" -m tcp --dport 80 -j KUBE-SVC-XGQ5ZE3NGFVJA4PN
[${c.np}:${c.np * 60}] -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS
[0:0] -A KUBE-SVC-XGQ5ZE3NGFVJA4PN ! -s 10.0.0.0/16 -d 10.3.245.7/32 -p tcp -m comment --comment "default/web-np cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
[${c.sep0}:${c.sep0 * 60}] -A KUBE-SVC-XGQ5ZE3NGFVJA4PN -m comment --comment "default/web-np -> 10.0.1.2:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-BQOWZ3VJ5B3RGVQC
[${c.sep1}:${c.sep1 * 60}] -A KUBE-SVC-XGQ5ZE3NGFVJA4PN -m comment --comment "default/web-np -> 10.0.2.2:8080" -j KUBE-SEP-XLJ4BZKPBM4M5H6J
COMMIT`;
export const NODEPORT_NAT_BEFORE = nodePortRules({ np: 0, sep0: 0, sep1: 0 });
export const NODEPORT_NAT_AFTER = nodePortRules({ np: 1, sep0: 0, sep1: 1 });
/** The external client's request to node1:30600, DNATed to server-1 on node2 and masqueraded to node1's address. */
export const NODEPORT_CONNTRACK = `tcp      6 119 TIME_WAIT src=10.250.1.3 dst=10.250.1.11 sport=51334 dport=30600 src=10.0.2.2 dst=10.250.1.11 sport=8080 dport=51334 [ASSURED] mark=0 use=1`;
export const NODEPORT_PROBE = `Hello from server-1 (10.0.2.2:8080)

HTTP 200 SPORT 51334`;

/** node1's kube-proxy table (nftables) with the same NodePort Service, explain's counters after the request. */
export const NODEPORT_NFT_AFTER = `table ip kube-proxy { # handle 3
	set nodeport-ips { # handle 5
		type ipv4_addr
		comment "IPs that accept NodePort traffic"
		elements = { 10.250.1.11 }
	}
	map service-nodeports { # handle 10
		type inet_proto . inet_service : verdict
		comment "NodePort traffic"
		elements = { tcp . 30600 : goto external-ZX3DLV4N-default/web-np/tcp/ }
	}
	chain masquerading { # handle 20
		mark and 0x4000 == 0x0 return # handle 30
		mark set mark xor 0x4000 # handle 31
		masquerade fully-random # handle 32
	}
	chain mark-for-masquerade { # handle 21
		mark set mark or 0x4000 # handle 33
	}
	chain external-ZX3DLV4N-default/web-np/tcp/ { # handle 60
		counter packets 1 bytes 60 comment "netlab-explain" # handle 90
		jump mark-for-masquerade # handle 61
		goto service-ZX3DLV4N-default/web-np/tcp/ # handle 62
	}
	chain service-ZX3DLV4N-default/web-np/tcp/ { # handle 63
		counter packets 1 bytes 60 comment "netlab-explain" # handle 91
		ip daddr 10.3.245.7 ip saddr != 10.0.0.0/16 jump mark-for-masquerade # handle 64
		numgen random mod 2 vmap { 0 : goto endpoint-AAAAAAAA-default/web-np/tcp/__10.0.1.2/8080, 1 : goto endpoint-BBBBBBBB-default/web-np/tcp/__10.0.2.2/8080 } # handle 65
	}
	chain endpoint-AAAAAAAA-default/web-np/tcp/__10.0.1.2/8080 { # handle 66
		counter packets 0 bytes 0 comment "netlab-explain" # handle 92
		ip saddr 10.0.1.2 jump mark-for-masquerade # handle 67
		meta l4proto tcp dnat to 10.0.1.2:8080 # handle 68
	}
	chain endpoint-BBBBBBBB-default/web-np/tcp/__10.0.2.2/8080 { # handle 69
		counter packets 1 bytes 60 comment "netlab-explain" # handle 93
		ip saddr 10.0.2.2 jump mark-for-masquerade # handle 70
		meta l4proto tcp dnat to 10.0.2.2:8080 # handle 71
	}
}`;
