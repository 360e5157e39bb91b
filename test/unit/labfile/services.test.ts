// Services: the seed's NodePort example, what a Service manifest may say, and the
// rules that span the lab (names, cluster IPs, nodePorts, selectors), each at its line.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { BAD, GOOD, problemsOf, shown, summary } from '../../helpers/labfile-fixtures.js';

describe("the seed's NodePort Service", () => {
  const file = join(GOOD, 'seed-nodeport', 'lab.yaml');
  const manifests = join(GOOD, 'seed-nodeport', 'service-test.yaml');

  it('loads the Deployment and the Service from one multi-document file', async () => {
    const { lab, warnings } = await loadLab(file);
    expect(lab.pods.map((p) => p.name)).toEqual(['service-test-0', 'service-test-1', 'service-test-2', 'service-test-3', 'client']);
    expect(lab.pods[0]!.labels).toEqual({ app: 'service_test_pod' });
    expect(lab.pods[0]!.containers[0]!.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(lab.services).toEqual([
      {
        name: 'service-test',
        namespace: 'default',
        type: 'NodePort',
        selector: { app: 'service_test_pod' },
        ports: [{ protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30500, at: { file: shown(manifests), line: 38, column: 5 } }],
        sessionAffinity: 'None',
        affinitySeconds: 10800,
        at: { file: shown(manifests), line: 29, column: 1 },
      },
    ]);
    // Nothing is worth a word: the Service is modelled whole, and imagePullPolicy is read.
    expect(summary(warnings)).toEqual([]);
    expect(lab.pods[0]!.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('turns the cluster DNS on because the lab has a Service, and keeps the other defaults', async () => {
    const { lab } = await loadLab(file);
    expect(lab.topology).toMatchObject({ serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.0.0.0/16', proxyMode: 'iptables', dns: true, publish: true });
  });

  it('defaults probes for Service targets and fills by and record', async () => {
    const { lab } = await loadLab(file);
    expect(lab.checks.map((c) => [c.to, c.probe, c.expect, c.by, c.count, c.distinct, c.record])).toEqual([
      ['service-test', 'http', 'reachable', 'ip', undefined, undefined, undefined],
      ['service-test:80', 'http', 'reachable', 'dns', undefined, undefined, undefined],
      ['service/service-test', 'http', 'reachable', 'ip', 20, 2, undefined],
      ['service-test.default.svc.cluster.local', 'dns', 'reachable', undefined, undefined, undefined, 'A'],
      ['nope.default.svc.cluster.local', 'dns', 'nxdomain', undefined, undefined, undefined, 'A'],
      ['service-test', 'conntrack', 'reachable', undefined, undefined, undefined, undefined],
    ]);
  });
});

describe('Services that load, with warnings', () => {
  const file = join(GOOD, 'services', 'lab.yaml');

  it('reads types, cluster IPs, named and UDP ports, affinity and namespaces', async () => {
    const { lab } = await loadLab(file);
    expect(lab.topology).toMatchObject({ serviceCIDR: '10.100.0.0/16', clusterCIDR: '10.0.0.0/15', proxyMode: 'nftables', dns: true, publish: true });
    expect(lab.services.map((s) => [`${s.namespace}/${s.name}`, s.type, s.clusterIP, s.sessionAffinity, s.affinitySeconds])).toEqual([
      ['team-a/echo', 'ClusterIP', '10.100.0.20', 'ClientIP', 60],
      ['team-a/echo-np', 'NodePort', undefined, 'None', 10800],
      ['team-a/echo-headless', 'ClusterIP', 'None', 'None', 10800],
      ['default/manual', 'ClusterIP', undefined, 'None', 10800],
      ['default/empty-selector', 'ClusterIP', undefined, 'None', 10800],
      ['default/typo', 'ClusterIP', undefined, 'None', 10800],
      ['default/elsewhere', 'ClusterIP', undefined, 'None', 10800],
    ]);
    expect(lab.services[0]!.ports.map((p) => [p.name, p.port, p.protocol, p.targetPort, p.nodePort])).toEqual([
      ['http', 80, 'TCP', 'http', undefined],
      ['echo', 9000, 'UDP', 'echo-udp', undefined],
      ['metrics', 9090, 'TCP', 'metrics', undefined],
    ]);
    // One nodePort for the TCP and the UDP port of one Service, as Kubernetes allows; targetPort defaults to port.
    expect(lab.services[1]!.ports.map((p) => [p.protocol, p.nodePort])).toEqual([
      ['TCP', 30080],
      ['UDP', 30080],
    ]);
    expect(lab.services[2]!.ports[0]!.targetPort).toBe(8080);
    expect(lab.services[3]!.selector).toEqual({});
  });

  it('warns about ignored fields, missing selectors, selectors that match nothing and named ports no pod declares', async () => {
    expect(summary((await loadLab(file)).warnings)).toEqual([
      ['35:48', '`annotations` is accepted but ignored', 'annotations have no effect in netlab'],
      ['38:7', '`clusterIPs` is accepted but ignored', 'netlab is IPv4 only: clusterIP says it all'],
      ['39:7', '`ipFamilies` is accepted but ignored', 'netlab is IPv4 only'],
      ['40:7', '`ipFamilyPolicy` is accepted but ignored', 'netlab is IPv4 only'],
      ['46:53', '`appProtocol` is accepted but ignored', "netlab's probes choose their protocol themselves (probe: http, tcp, udp)"],
      [
        '48:52',
        'no pod selected by Service echo.team-a declares a TCP container port named metrics: Kubernetes would give this port no endpoints',
        'name one of their TCP ports (http), or write the port number',
      ],
      ['55:7', '`allocateLoadBalancerNodePorts` is accepted but ignored', 'netlab always gives LoadBalancer Services nodePorts (the default, true)'],
      [
        '59:61',
        'no pod selected by Service echo-np.team-a declares a UDP container port named http: Kubernetes would give this port no endpoints',
        'their port http is TCP: write protocol: TCP on this Service port',
      ],
      ['65:7', '`publishNotReadyAddresses` is accepted but ignored', 'netlab publishes only ready pods as endpoints (in rules and DNS)'],
      [
        '71:5',
        'Service manual has no selector: it will have no endpoints',
        "add a selector matching the pods' labels, e.g. selector: {app: web}; netlab has no Endpoints objects to fill in by hand",
      ],
      [
        '77:17',
        'Service empty-selector has an empty selector: it will have no endpoints',
        "add a selector matching the pods' labels, e.g. selector: {app: web}; netlab has no Endpoints objects to fill in by hand",
      ],
      [
        '83:17',
        'the selector of Service typo matches no pod: it will have no endpoints',
        'make the selector match the labels of the pods that should answer (spec.template.metadata.labels of a Deployment)',
      ],
      [
        '89:17',
        'the selector of Service elsewhere matches no pod: it will have no endpoints',
        'the matching pods are in namespace team-a: a Service selects pods of its own namespace only',
      ],
    ]);
  });

  it('defaults each check from the Service port it names', async () => {
    const { lab } = await loadLab(file);
    expect(lab.checks.map((c) => [c.name, c.probe, c.expect, c.by ?? c.record])).toEqual([
      ['cluster IP, short name within the namespace', 'http', 'reachable', 'ip'],
      ['UDP by port name', 'udp', 'reachable', 'ip'],
      ['by name, spread', 'http', 'reachable', 'dns'],
      ['headless by name', 'http', 'reachable', 'dns'],
      ['no endpoints is rejected', 'http', 'unreachable', 'ip'],
      ['cluster IPs do not answer ping', 'ping', 'unreachable', undefined],
      ['SRV of a named port', 'dns', 'reachable', 'SRV'],
      ['PTR of the cluster IP', 'dns', 'reachable', 'PTR'],
      ['conntrack on the UDP port', 'conntrack', 'reachable', undefined],
    ]);
  });
});

describe('Service manifests', () => {
  it('rejects what Kubernetes rejects or netlab cannot run, each at its value, with what to write', async () => {
    const file = shown(join(BAD, 'services.yaml'));
    expect(summary(await problemsOf('services.yaml'))).toEqual([
      ['14:7', '`workloads[1].spec.ports` is missing', 'add `ports: [{port: 80, targetPort: 8080}]`'],
      [
        '14:13',
        'ExternalName Services are not supported by netlab',
        'netlab serves no CNAME records for names outside the lab; use type: ClusterIP with a selector',
      ],
      [
        '18:23',
        'Service name "1web" must start with a letter',
        'Service names become DNS names (DNS-1035 labels): start with a lowercase letter, e.g. svc-1web',
      ],
      ['22:33', 'SCTP is not supported by netlab', 'write protocol: TCP or protocol: UDP'],
      ['23:35', 'targetPort "8080" is a number in quotes', 'remove the quotes: `targetPort: 8080`'],
      ['24:33', 'nodePort 80 is outside the NodePort range 30000-32767', 'write a nodePort from 30000 to 32767, or leave it out to have one allocated'],
      [
        '25:35',
        'targetPort must be a port number or a port name',
        'write a number (e.g. targetPort: 8080) or the name of a container port (e.g. targetPort: http)',
      ],
      ['33:11', 'Service many-ports has 5 ports, so each needs a name', 'add name: tcp-81 (or any name: at most 15 lowercase letters, digits and "-")'],
      ['34:19', `port name http is used twice in Service many-ports (first at ${file}:32:19)`, 'give each port of a Service its own name'],
      [
        '35:32',
        `port 80/TCP is listed twice in Service many-ports (first at ${file}:32:31)`,
        'list each port and protocol once: pick another port, or write protocol: UDP for the UDP one',
      ],
      [
        '41:18',
        'clusterIP "10.96.0.300" is not an IPv4 address',
        'write an address inside topology.serviceCIDR (e.g. 10.96.0.20), None for a headless Service, or leave clusterIP out to have one allocated',
      ],
      ['42:19', 'clusterIPs [10.96.0.30] is not [clusterIP] ([10.96.0.300])', 'netlab is IPv4 only: remove clusterIPs and write the address in clusterIP'],
      [
        '45:33',
        'nodePort only applies to types NodePort and LoadBalancer, and Service cluster-ip is ClusterIP (the default type)',
        'add `type: NodePort` under spec, or remove nodePort',
      ],
      [
        '46:7',
        'sessionAffinityConfig only applies with sessionAffinity: ClientIP',
        'add `sessionAffinity: ClientIP` under spec, or remove sessionAffinityConfig',
      ],
      [
        '52:18',
        'a NodePort Service cannot be headless (clusterIP: None): Service headless needs a cluster IP',
        'remove clusterIP: None, or use type: ClusterIP for a headless Service',
      ],
      ['62:18', 'clusterIP "none" is not an IPv4 address', 'write None (with a capital N) for a headless Service'],
      [
        '66:42',
        `nodePort 30080/TCP is used twice in Service nodeports (first at ${file}:65:42)`,
        'give each port its own nodePort, or leave it out to have one allocated',
      ],
      [
        '72:7',
        '`externalIPs` is not supported by netlab',
        'netlab routes no external IPs to Services: use type: NodePort and reach <node IP>:<nodePort> (from `external`, or from the host with topology.publish)',
      ],
      ['74:60', '`workloads[7].spec.sessionAffinityConfig.clientIP.timeoutSeconds` must be at most 86400, not the number 90000', 'write a number up to 86400'],
      ['75:14', 'a Service needs at least one port', 'add a port under spec.ports, e.g. `- {port: 80, targetPort: 8080}`'],
    ]);
  });
});

describe('Services across the lab', () => {
  it('rejects duplicate names, cluster IPs outside serviceCIDR, on the DNS address or taken, shared nodePorts, kube-dns and a pod named service', async () => {
    const file = shown(join(BAD, 'services-lab.yaml'));
    expect(summary(await problemsOf('services-lab.yaml'))).toEqual([
      ['7:23', '"service" cannot name a pod: checks write service/<name> for a Service', 'rename the pod, e.g. service-pod'],
      [
        '20:23',
        `Service web is defined twice in namespace default (first at ${file}:12:23)`,
        'Service names must be unique in a namespace: rename one of them',
      ],
      [
        '26:39',
        'Service web: namespaces "other" not found',
        'namespaces here: default, kube-system, kube-public, kube-node-lease; or create it: add a manifest `apiVersion: v1, kind: Namespace, metadata: {name: other}`',
      ],
      [
        '28:18',
        `clusterIP 10.96.0.20 is already Service web's (${file}:14:18)`,
        'give each Service its own clusterIP, or leave clusterIP out to have one allocated',
      ],
      [
        '35:18',
        'clusterIP 10.96.1.5 is outside serviceCIDR 10.96.0.0/24',
        'write an address inside it, e.g. clusterIP: 10.96.0.21, or leave clusterIP out to have one allocated',
      ],
      [
        '42:18',
        'clusterIP 10.96.0.10 is the cluster DNS address (kube-dns, the 10th address of serviceCIDR)',
        'write another address, e.g. clusterIP: 10.96.0.21, or leave clusterIP out (or set topology.dns: false)',
      ],
      [
        '49:18',
        'clusterIP 10.96.0.0 is the network address of serviceCIDR 10.96.0.0/24',
        'write another address, e.g. clusterIP: 10.96.0.21, or leave clusterIP out',
      ],
      [
        '54:23',
        "kube-dns in kube-system is netlab's own cluster DNS (CoreDNS) while topology.dns is on",
        "rename this Service, or set topology.dns: false to run without netlab's DNS",
      ],
      [
        '73:52',
        `nodePort 30080 is already used by Service web (${file}:16:37)`,
        'every node listens on a nodePort for one Service: pick another, e.g. nodePort: 30081, or leave it out',
      ],
    ]);
  });

  it('leaves kube-dns and 10.96.0.10 to the lab when topology.dns is false, and then refuses DNS checks', async () => {
    expect(summary(await problemsOf('dns-off.yaml'))).toEqual([
      ['21:9', 'by: dns needs the cluster DNS, and this lab runs none (topology.dns is off)', 'set topology.dns: true, or write by: ip'],
      [
        '25:12',
        'a dns check asks the cluster DNS, and this lab runs none (topology.dns is off)',
        'set topology.dns: true (it is on by default only in labs with a Service)',
      ],
    ]);
  });
});
