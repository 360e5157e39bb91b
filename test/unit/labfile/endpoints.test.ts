import { DEFAULT_LIMITS } from '../../../src/labfile/limits.js';
import { describe, expect, it } from 'vitest';
import { resolveEndpoint, type EndpointRef } from '../../../src/labfile/endpoints.js';
import type { ContainerSpec, Lab, PodSpec, ServicePortSpec, ServiceSpec } from '../../../src/labfile/model.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };

function container(name: string, ports: ContainerSpec['ports'] = []): ContainerSpec {
  return { name, image: 'netlab/app', env: [], ports, at };
}
function pod(name: string, containers: ContainerSpec[], namespace = 'default'): PodSpec {
  return { name, namespace, labels: {}, containers, at };
}

const server = pod('server', [
  container('web', [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
  ]),
  container('sidecar', [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]),
]);
const client = pod('client', [container('app')]);
const webDefault = pod('web', [container('app')]);
const webOps = pod('web', [container('app')], 'ops');
const tools = pod('tools', [container('shell')], 'ops');

const lab: Pick<Lab, 'pods' | 'topology' | 'services'> = {
  pods: [server, client, webDefault, webOps, tools],
  services: [],
  topology: {
    serviceCIDR: '10.96.0.0/12',
    clusterCIDR: '10.0.0.0/16',
    proxyMode: 'iptables',
    dns: false,
    publish: false,
    limits: DEFAULT_LIMITS,
    routing: 'router',
    external: true,
    nodes: [
      { name: 'node1', podCIDR: '10.0.1.0/24', at },
      { name: 'node2', podCIDR: '10.0.2.0/24', at },
    ],
  },
};
const direct: Pick<Lab, 'pods' | 'topology' | 'services'> = { ...lab, topology: { ...lab.topology, routing: 'direct', external: false } };

const ok = (text: string, view = lab): EndpointRef => {
  const ref = resolveEndpoint(view, text);
  if ('error' in ref) throw new Error(`${text}: ${ref.error} (${ref.hint})`);
  return ref;
};
const fails = (text: string, view = lab) => resolveEndpoint(view, text) as { error: string; hint?: string };

describe('resolveEndpoint: pods', () => {
  it('resolves a unique pod name, with no container or port', () => {
    expect(ok('client')).toEqual({ kind: 'pod', pod: client });
    expect(ok('tools')).toEqual({ kind: 'pod', pod: tools }); // unique, though outside default
  });

  it('resolves ports by number (declared or not) and by name', () => {
    expect(ok('server:8080')).toEqual({ kind: 'pod', pod: server, port: { name: 'http', containerPort: 8080, protocol: 'TCP' } });
    expect(ok('server:http')).toEqual({ kind: 'pod', pod: server, port: { name: 'http', containerPort: 8080, protocol: 'TCP' } });
    expect(ok('server:dns')).toEqual({ kind: 'pod', pod: server, port: { name: 'dns', containerPort: 53, protocol: 'UDP' } });
    expect(ok('server:9999')).toEqual({ kind: 'pod', pod: server, port: { containerPort: 9999, protocol: 'TCP' } });
    expect(ok('server:metrics')).toMatchObject({ port: { containerPort: 9090 } });
  });

  it('resolves pod/container and pod/container:port, where a port name must be on that container', () => {
    expect(ok('server/sidecar')).toEqual({ kind: 'pod', pod: server, container: server.containers[1] });
    expect(ok('server/sidecar:metrics')).toEqual({
      kind: 'pod',
      pod: server,
      container: server.containers[1],
      port: { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    });
    expect(fails('server/sidecar:http')).toEqual({
      error: 'container server/sidecar declares no port named "http"',
      hint: 'its port names: metrics (9090/TCP); or write a number',
    });
    expect(fails('server/sidecr')).toEqual({ error: 'pod server has no container "sidecr"', hint: 'did you mean "sidecar"?' });
  });

  it('needs <pod>.<namespace> when a name is in several namespaces', () => {
    expect(fails('web')).toEqual({ error: '"web" names pods in several namespaces (default, ops)', hint: 'write web.default or web.ops' });
    expect(ok('web.ops')).toEqual({ kind: 'pod', pod: webOps });
    expect(ok('web.default/app')).toEqual({ kind: 'pod', pod: webDefault, container: webDefault.containers[0] });
    expect(ok('tools.ops:22')).toMatchObject({ pod: tools, port: { containerPort: 22 } });
    expect(fails('tools.default')).toEqual({ error: 'no pod tools in namespace default', hint: 'tools is in namespace ops: write tools.ops' });
  });

  it('suggests known names for unknown ones', () => {
    expect(fails('clinet')).toEqual({ error: 'no pod or node named "clinet"', hint: 'did you mean "client"?' });
    expect(fails('nod2')).toMatchObject({ hint: 'did you mean "node2"?' });
    expect(fails('zzzzzz').hint).toBe('known names: server, client, web, tools, node1, node2, router, external');
    expect(fails('server:htp')).toEqual({ error: 'pod server declares no port named "htp"', hint: 'did you mean "http"?' });
    expect(fails('client:http')).toEqual({
      error: 'pod client declares no port named "http"',
      hint: 'it declares no named ports; write a number, e.g. client:8080',
    });
  });

  it('rejects ports out of range and empty ports', () => {
    expect(fails('server:70000')).toEqual({ error: 'port 70000 is out of range', hint: 'ports are 1 to 65535' });
    expect(fails('server:0').error).toBe('port 0 is out of range');
    expect(fails('server:').error).toBe('"server:" ends with ":" but names no port');
    expect(fails('').error).toBe('empty endpoint');
  });
});

describe('resolveEndpoint: nodes, router, external, addresses', () => {
  it('resolves nodes, router and external when the lab has them', () => {
    expect(ok('node2')).toEqual({ kind: 'node', node: lab.topology.nodes[1] });
    expect(ok('router')).toEqual({ kind: 'router' });
    expect(ok('external')).toEqual({ kind: 'external' });
  });

  it('rejects router with direct routing and external when not enabled', () => {
    expect(fails('router', direct)).toEqual({
      error: 'this lab has no router (topology.routing is direct)',
      hint: 'set topology.routing: router, or name a node',
    });
    expect(fails('external', direct)).toEqual({ error: 'this lab has no external client', hint: 'set topology.external: true' });
    expect(fails('clinet', direct).hint).toBe('did you mean "client"?');
  });

  it('takes a port number on a node (a nodePort on its own address), but none on the router or external', () => {
    expect(ok('node1:30500')).toEqual({ kind: 'node', node: lab.topology.nodes[0], port: 30500 });
    expect(fails('node1:http')).toEqual({
      error: '"http" is not a port number',
      hint: 'a node has no named ports: write a number, e.g. node1:30080 (a nodePort)',
    });
    expect(fails('router:80')).toEqual({
      error: 'router takes no port here',
      hint: 'drop ":80"; to reach a port, name a pod (e.g. server:8080), a Service, a node (a nodePort) or an IP address',
    });
    expect(fails('external:80').error).toBe('external takes no port here');
  });

  it('resolves IP addresses with and without a port, and localhost:port', () => {
    expect(ok('10.0.2.5')).toEqual({ kind: 'ip', ip: '10.0.2.5' });
    expect(ok('10.0.2.5:8080')).toEqual({ kind: 'ip', ip: '10.0.2.5', port: 8080 });
    expect(ok('localhost:9090')).toEqual({ kind: 'localhost', port: 9090 });
    expect(fails('10.0.2.300')).toEqual({ error: '10.0.2.300 is not a valid IPv4 address', hint: 'each of the four numbers is 0 to 255' });
    expect(fails('10.0.2.5:http').error).toBe('"http" is not a port number');
    expect(fails('localhost')).toMatchObject({ error: 'localhost needs a port' });
  });
});

// ---------------------------------------------------------------- Services

function service(name: string, ports: Omit<ServicePortSpec, 'at'>[], namespace = 'default', selector: Record<string, string> = { app: name }): ServiceSpec {
  return { name, namespace, type: 'ClusterIP', selector, ports: ports.map((p) => ({ ...p, at })), sessionAffinity: 'None', affinitySeconds: 10800, at };
}

const seed = pod('seed-0', [container('web', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }])]);
seed.labels = { app: 'service-test' };
const serviceTest = service('service-test', [{ protocol: 'TCP', port: 80, targetPort: 'http' }]);
const multi = service('multi', [
  { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
  { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
  { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 5353 },
]);
const clientSvc = service('client', [{ protocol: 'TCP', port: 80, targetPort: 80 }]);
const shared = service('shared', [{ protocol: 'TCP', port: 80, targetPort: 80 }]);
const sharedOps = service('shared', [{ protocol: 'TCP', port: 80, targetPort: 80 }], 'ops');
const opsOnly = service('metrics', [{ protocol: 'TCP', port: 9090, targetPort: 9090 }], 'ops');
const withServices: Pick<Lab, 'pods' | 'topology' | 'services'> = {
  ...lab,
  pods: [...lab.pods, seed],
  services: [serviceTest, multi, clientSvc, shared, sharedOps, opsOnly],
};
const svc = (text: string) => ok(text, withServices);
const svcFails = (text: string) => fails(text, withServices);
const svcFrom = (text: string, namespace: string) => resolveEndpoint(withServices, text, { namespace });

describe('resolveEndpoint: Services', () => {
  it('resolves a bare name to a Service when no pod, node, router or external has it; the port stays unset when not written', () => {
    expect(svc('service-test')).toEqual({ kind: 'service', service: serviceTest });
    expect(svc('metrics')).toEqual({ kind: 'service', service: opsOnly }); // unique, though outside default
    expect(svc('metrics.ops:9090')).toEqual({ kind: 'service', service: opsOnly, port: opsOnly.ports[0] });
  });

  it('prefers a pod of the same name; service/<name> always means the Service', () => {
    expect(svc('client')).toEqual({ kind: 'pod', pod: client });
    expect(svc('service/client')).toEqual({ kind: 'service', service: clientSvc });
    expect(svc('service/client:80')).toEqual({ kind: 'service', service: clientSvc, port: clientSvc.ports[0] });
    expect(svc('client/app')).toEqual({ kind: 'pod', pod: client, container: client.containers[0] });
  });

  it('matches a Service port by its port number (TCP first) or its name', () => {
    expect(svc('multi:80')).toEqual({ kind: 'service', service: multi, port: multi.ports[0] });
    expect(svc('multi:53')).toEqual({ kind: 'service', service: multi, port: multi.ports[2] });
    expect(svc('multi:dns')).toEqual({ kind: 'service', service: multi, port: multi.ports[1] });
    expect(svc('service/multi.default:dns-tcp')).toEqual({ kind: 'service', service: multi, port: multi.ports[2] });
  });

  it('says which port to write instead of one the Service does not have', () => {
    expect(svcFails('multi:8080')).toEqual({
      error: 'Service multi has no port 8080',
      hint: "8080 is the pods' port (targetPort); the Service listens on 80: write multi:80",
    });
    // A named targetPort is looked up on the selected pods.
    expect(svcFails('service-test:8080')).toEqual({
      error: 'Service service-test has no port 8080',
      hint: "8080 is the pods' port (targetPort); the Service listens on 80: write service-test:80",
    });
    expect(svcFails('multi:9999')).toEqual({ error: 'Service multi has no port 9999', hint: 'its ports: http (80/TCP), dns (53/UDP), dns-tcp (53/TCP)' });
    expect(svcFails('multi:htp')).toEqual({ error: 'Service multi has no port named "htp"', hint: 'did you mean "http"?' });
    expect(svcFails('service-test:http')).toEqual({
      error: 'Service service-test has no port named "http"',
      hint: 'its ports have no names; write the number, e.g. service-test:80',
    });
  });

  it('needs <service>.<namespace> when a name is in several namespaces', () => {
    expect(svcFails('shared')).toEqual({ error: '"shared" names Services in several namespaces (default, ops)', hint: 'write shared.default or shared.ops' });
    expect(svc('shared.ops')).toEqual({ kind: 'service', service: sharedOps });
    expect(svcFails('service/shared')).toEqual({
      error: '"shared" names Services in several namespaces (default, ops)',
      hint: 'write service/shared.default or service/shared.ops',
    });
    expect(svcFails('service/metrics.default')).toEqual({
      error: 'no Service metrics in namespace default',
      hint: 'metrics is in namespace ops: write service/metrics.ops',
    });
  });

  it("takes a Service's DNS name (FQDN, with or without the cluster domain and the final dot)", () => {
    expect(svc('metrics.ops.svc.cluster.local:9090')).toEqual({ kind: 'service', service: opsOnly, port: opsOnly.ports[0] });
    expect(svc('metrics.ops.svc.cluster.local.')).toEqual({ kind: 'service', service: opsOnly });
    expect(svc('metrics.ops.svc:9090')).toEqual({ kind: 'service', service: opsOnly, port: opsOnly.ports[0] });
    expect(svc('shared.ops.svc.cluster.local')).toEqual({ kind: 'service', service: sharedOps });
    // The FQDN is a Service's even when a pod has its name.
    expect(svc('client.default.svc.cluster.local')).toEqual({ kind: 'service', service: clientSvc });
    expect(svcFails('metrics.default.svc.cluster.local')).toEqual({
      error: 'no Service metrics in namespace default',
      hint: 'metrics is in namespace ops: write service/metrics.ops',
    });
    expect(svcFails('metrics.ops.svc.example.org')).toMatchObject({ error: expect.stringContaining('metrics.ops.svc.example.org') });
  });

  it("resolves a bare name as the sender's resolv.conf search list would: its own namespace first", () => {
    expect(svcFrom('shared', 'ops')).toEqual({ kind: 'service', service: sharedOps });
    expect(svcFrom('shared:80', 'default')).toMatchObject({ kind: 'service', service: { namespace: 'default', name: 'shared' } });
    expect(svcFrom('metrics', 'default')).toEqual({ kind: 'service', service: opsOnly });
  });

  it('suggests Services for unknown names, and rejects service/ without a name', () => {
    expect(svcFails('service/sevice-test')).toEqual({ error: 'no Service named "sevice-test"', hint: 'did you mean "service-test"?' });
    expect(svcFails('servce-test')).toEqual({ error: 'no pod, Service or node named "servce-test"', hint: 'did you mean "service-test"?' });
    expect(svcFails('service/')).toEqual({
      error: '"service/" names no Service',
      hint: 'write service/<name>[.<namespace>][:<port>], e.g. service/service-test',
    });
    expect(fails('service/web')).toEqual({
      error: 'no Service named "web"',
      hint: 'this lab has no Services; add a Service manifest (kind: Service) under workloads',
    });
  });
});
