import { describe, expect, it } from 'vitest';
import { analyzePath } from '../../../../src/checks/diagnose/diagnose.js';
import { lookupRoute, parseConntrack, parseIptablesSave, parseLinks, parseListening, parseRoutes } from '../../../../src/checks/diagnose/evidence.js';
import { walkRoutes, type PathFacts } from '../../../../src/checks/diagnose/path.js';
import {
  CLIENT_LINKS,
  CONNTRACK_AFTER,
  LISTEN_8080,
  LISTEN_9090,
  NAT_AFTER,
  NAT_NO_SERVICE,
  NODE1_LINKS,
  NODE1_ROUTES,
  ROUTER_ROUTES_BROKEN,
  serviceFacts,
} from '../../../helpers/diagnose-fixtures.js';

describe('evidence parsers (captured outputs)', () => {
  it('links: veth peers, master, state', () => {
    const node = parseLinks(NODE1_LINKS);
    expect(node.find((l) => l.index === 4)).toMatchObject({ name: 'vethf9f325c6', master: 'cbr0', up: true, state: 'UP' });
    expect(parseLinks(CLIENT_LINKS).find((l) => l.name === 'eth0')?.peerIndex).toBe(4);
  });
  it('routes: longest prefix wins', () => {
    const routes = parseRoutes(NODE1_ROUTES);
    expect(lookupRoute(routes, '10.0.2.2')?.via).toBe('10.250.1.2');
    expect(lookupRoute(routes, '10.0.1.2')?.dev).toBe('cbr0');
    expect(lookupRoute(parseRoutes(ROUTER_ROUTES_BROKEN), '10.0.2.2')).toBeUndefined();
  });
  it('ss, iptables-save -c and conntrack', () => {
    expect(parseListening(LISTEN_9090)).toEqual([{ proto: 'tcp', addr: '*', port: 9090 }]);
    const sep = parseIptablesSave(NAT_AFTER).find((r) => r.chain === 'KUBE-SEP-CCUNI5TAEJBRFII7' && r.target === 'DNAT');
    expect(sep?.packets).toBe(1);
    const [e] = parseConntrack(CONNTRACK_AFTER);
    expect(e).toMatchObject({
      proto: 'tcp',
      state: 'TIME_WAIT',
      original: { src: '10.0.1.3', dst: '10.3.241.152', sport: 49146, dport: 80 },
      reply: { src: '10.0.2.2', sport: 8080 },
    });
    expect(parseListening(LISTEN_8080)[0]?.port).toBe(8080);
  });
});

describe('analyzePath', () => {
  it('finds nothing broken on a healthy path', () => {
    expect(analyzePath(serviceFacts())).toBeUndefined();
  });
  it("names the router's missing route", () => {
    expect(analyzePath(serviceFacts({ router: ROUTER_ROUTES_BROKEN }))).toBe(
      'router has no route to 10.0.2.0/24 (its table: 10.0.1.0/24 via 10.250.1.11, 10.250.1.0/24 dev eth0)',
    );
  });
  it('a service without endpoints: the selector and what the pods have', () => {
    expect(analyzePath(serviceFacts({ endpoints: false }))).toBe(
      'service default/service-test has no endpoints: no ready pod matches app=server_pod1 (pods have app=client; app=server)',
    );
  });
  it('a wrong targetPort: nothing listens on it in any endpoint pod', () => {
    expect(analyzePath(serviceFacts({ server0Listen: LISTEN_9090, server1Listen: LISTEN_9090 }))).toBe(
      'service default/service-test sends port 80 to targetPort 8080, but nothing listens on 8080/tcp in its pods (server-0 listens on 9090/tcp; server-1 listens on 9090/tcp)',
    );
  });
  it('one endpoint pod that does not listen', () => {
    expect(analyzePath(serviceFacts({ server1Listen: LISTEN_9090 }))).toBe('nothing listens on 10.0.2.2:8080 in pod server-1 (listening: 9090/tcp)');
  });
  it("kube-proxy's rule missing on the client's node", () => {
    expect(analyzePath(serviceFacts({ nat: NAT_NO_SERVICE }))).toMatch(/^node node1 has no KUBE-SERVICES rule for 10\.3\.241\.152:80\/tcp/);
  });
  it("a pod's veth off the bridge", () => {
    const f = serviceFacts();
    f.nodes[0]!.ns!.links.find((l) => l.index === 4)!.master = undefined;
    expect(analyzePath(f)).toBe("pod client's veth vethf9f325c6 on node node1 is not attached to cbr0 (no master)");
  });
  it('the way back: node2 has no route to the client', () => {
    const f = serviceFacts();
    f.nodes[1]!.ns!.routes = f.nodes[1]!.ns!.routes.filter((r) => r.dst !== 'default');
    expect(analyzePath(f)).toMatch(/^the answer cannot come back: node2 has no route to 10\.0\.1\.0\/24/);
  });
  it('walks node1 → router → node2', () => {
    const w = walkRoutes(serviceFacts(), 'node:node1', '10.0.2.2');
    expect(w.steps.map((s) => s.where)).toEqual(['node1', 'router', 'node2']);
    expect(w.endNode?.name).toBe('node2');
  });
});

describe('analyzePath: names through the cluster DNS', () => {
  const RESOLV = 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.3.240.10\noptions ndots:5\n';
  const answer = (status: string, ...records: string[]) => `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 7\n${records.map((r) => `${r}\n`).join('')}`;
  /** The facts of a check by name (or a dns check, `dnsOnly`) whose Service has no ready endpoints. */
  function byName(over: {
    status: string;
    records?: string[];
    name: string;
    service: NonNullable<PathFacts['dns']>['service'];
    ready?: boolean;
    pods?: boolean;
  }) {
    const f = serviceFacts({ endpoints: false });
    const allPods =
      over.pods === false
        ? f.allPods.filter((p) => p.labels.app !== 'server')
        : f.allPods.map((p) => (p.labels.app === 'server' ? { ...p, ready: over.ready ?? false } : p));
    return {
      ...f,
      service: { ...f.service!, selector: { app: 'server' } },
      allPods,
      dns: {
        resolv: RESOLV,
        dnsIP: '10.3.240.10',
        corednsRunning: true,
        answer: answer(over.status, ...(over.records ?? [])),
        name: over.name,
        expected: over.service?.clusterIP,
        service: over.service,
      },
    } satisfies PathFacts;
  }
  const svc = { namespace: 'default', name: 'service-test', clusterIP: '10.3.241.152', selector: { app: 'server' }, endpoints: 0 };

  it('a name that resolves, to a Service without ready endpoints: says it resolves, and which pods the selector matches', () => {
    const f = byName({ status: 'NOERROR', records: ['service-test.default.svc.cluster.local. 30 IN A 10.3.241.152'], name: 'service-test', service: svc });
    expect(analyzePath(f)).toBe(
      'service-test resolves to 10.3.241.152 (the cluster IP of service default/service-test), but the service has no ready endpoints: its selector app=server matches server-0 (not ready), server-1 (not ready)',
    );
    // A dns check of that name says the same.
    expect(analyzePath(f, { dnsOnly: true })).toMatch(/^service-test resolves to 10\.3\.241\.152 .* has no ready endpoints/);
  });

  it('a Service scaled to nothing: its selector matches no pod', () => {
    const f = byName({ status: 'NOERROR', records: ['x 30 IN A 10.3.241.152'], name: 'service-test', service: svc, pods: false });
    expect(analyzePath(f)).toBe(
      'service-test resolves to 10.3.241.152 (the cluster IP of service default/service-test), but the service has no ready endpoints: its selector app=server matches no pod (pods in default have app=client)',
    );
  });

  it('a headless Service without ready pods: NXDOMAIN is what CoreDNS answers, and why', () => {
    const headless = { ...svc, name: 'db', clusterIP: undefined };
    const f = byName({ status: 'NXDOMAIN', name: 'db', service: headless });
    expect(analyzePath(f, { dnsOnly: true })).toBe(
      "CoreDNS answers NXDOMAIN for db, as it should: service default/db is headless (clusterIP: None) and has no ready endpoints (its selector app=server matches server-0 (not ready), server-1 (not ready)), and a headless Service's name has records only for its ready pods",
    );
  });

  it('NXDOMAIN for a name that is no Service stays NXDOMAIN', () => {
    expect(analyzePath(byName({ status: 'NXDOMAIN', name: 'nosuch', service: undefined }), { dnsOnly: true })).toBe('CoreDNS answered NXDOMAIN for nosuch');
  });

  it('ready pods without the port: the service sentence names the port, not the DNS', () => {
    const f = byName({ status: 'NOERROR', records: ['x 30 IN A 10.3.241.152'], name: 'service-test', service: svc, ready: true });
    expect(analyzePath(f)).toMatch(/^service default\/service-test has no endpoints: no pod matching app=server has a port named/);
  });
});
