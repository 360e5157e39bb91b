// Check rules for Services and cluster DNS: ports and protocols of Service targets,
// by / count / distinct / record, probe dns (a name, not an endpoint) and probe conntrack.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { GOOD, problemsOf, summary } from '../../helpers/labfile-fixtures.js';

describe('checks of Services and DNS', () => {
  it('reports each misuse at its line with what to write instead', async () => {
    expect(summary(await problemsOf('service-checks.yaml'))).toEqual([
      ['37:9', 'Service web has 2 ports: an http check needs one of them in `to`', 'write web:http or web:dns'],
      ['40:9', 'port dns of Service web is UDP, but a tcp check needs a TCP port', 'use probe: udp, or name a TCP port'],
      ['44:9', 'to: Service web has no port 8080', "8080 is the pods' port (targetPort); the Service listens on 80: write web:80"],
      [
        '46:11',
        'a check starts from a pod, a node, router or external, not a Service',
        'write the name of the pod or node the probe runs in (e.g. a pod the Service selects), and put the Service in `to`',
      ],
      ['51:5', '`by` only applies when `to` is a Service, and server:http is a pod', 'remove by, or name a Service in `to`'],
      ['56:5', '`by` only applies to http, tcp and udp checks of a Service, and this is a ping check', 'remove by'],
      ['61:5', '`count` only applies to http and udp checks, and this is a tcp check', 'remove count, or use probe: http or udp'],
      ['65:15', 'distinct: 3 needs at least 3 requests, and count is 1 (the default)', 'add count: 30 (requests spread over the pods by chance need a margin)'],
      ['69:5', '`record` only applies to dns checks, and this is an http check', 'remove record, or set probe: dns'],
      ['73:13', 'expect: nxdomain only applies to probe: dns', 'write probe: dns with a name in `to`, or expect: reachable / unreachable'],
      ['75:11', "a dns check asks a pod's resolver (its resolv.conf), but from: node1 is not a pod", 'write from: <pod>'],
      [
        '82:13',
        'a dns check expects reachable (an answer) or nxdomain, not unreachable',
        'write expect: nxdomain for a name that must not exist, or remove expect',
      ],
      ['85:9', 'a PTR lookup finds the name of an address, and web.default is not an IPv4 address', 'write the address to look up, e.g. to: 10.96.0.10'],
      ['90:9', 'an A lookup needs a name, and 10.96.0.10 is an address', 'write record: PTR to look up the name of an address, or a name in `to`'],
      ['94:9', 'a dns check looks up a name, and web:80 has a port', 'drop ":80" (write to: web), or use probe: http with by: dns to reach the port by name'],
      [
        '98:9',
        "a conntrack check follows a connection to a Service's cluster IP, and to: server:http is not a Service",
        'write to: <service>[:port], e.g. to: web:80',
      ],
      ['104:13', 'a conntrack check expects reachable (the translation is in the table), not unreachable', 'remove expect'],
      [
        '107:9',
        'Service headless is headless (clusterIP: None): it has no cluster IP to probe',
        "write by: dns (the name resolves to the pods' addresses), or name a pod",
      ],
      ['110:9', 'a ping check takes no port', 'drop ":http", or use probe: tcp or http to test the port'],
      ['114:9', 'to: no Service named "wbe"', 'did you mean "web"?'],
      ['117:9', 'to: Service web has no port named "htp"', 'did you mean "http"?'],
      ['122:5', '`distinct` counts the pods that answer, so it needs expect: reachable', 'remove distinct, or write expect: reachable'],
      ['132:12', '`checks[23].count` must be at most 100, not the number 101', 'write a number up to 100'],
      ['135:9', 'an http check needs a port in `to`, and node1 has none', 'write node1:<port>, e.g. node1:30080 (a nodePort)'],
      [
        '139:9',
        'Service headless is headless (clusterIP: None): it has no cluster IP to translate',
        'name a Service with a cluster IP: a headless Service is not translated',
      ],
      [
        '145:14',
        'answers: "web.default.svc.cluster.local" is not an IPv4 address, and an A lookup answers addresses',
        'write addresses, e.g. answers: [10.96.0.10]; for names write record: PTR',
      ],
      [
        '151:14',
        'answers: "0 100 web.default.svc.cluster.local." is not an SRV record as dig prints it (priority weight port target)',
        'write e.g. answers: ["0 100 80 web.default.svc.cluster.local."]',
      ],
      ['157:5', 'expect: nxdomain means no answer, and `answers` lists what the answer holds', 'remove answers, or remove expect: nxdomain'],
      ['161:5', '`answers` only applies to dns checks, and this is an http check', 'remove answers, or set probe: dns'],
      ['166:5', '`sourcePort` only applies to udp checks, and this is a tcp check', 'remove sourcePort, or use probe: udp'],
      [
        '173:15',
        'sourcePort: 40000 makes every request one UDP flow, which conntrack keeps on one pod, so distinct: 2 can never pass',
        'remove sourcePort to count the pods, or remove distinct',
      ],
      ['178:17', '`checks[32].sourcePort` must be at most 65535, not the number 70000', 'write a number up to 65535'],
    ]);
  });
});

describe('checks of nodePorts', () => {
  it('reach <node>:<port>, probed with udp when only a UDP Service port uses that nodePort', async () => {
    const { lab, warnings } = await loadLab(join(GOOD, 'nodeport-checks', 'lab.yaml'));
    expect(warnings).toEqual([]);
    expect(lab.checks.map((c) => [c.to, c.probe, c.expect, c.count, c.distinct])).toEqual([
      ['node2:30500', 'http', 'reachable', 10, 2],
      ['node1:30900', 'udp', 'reachable', undefined, undefined],
      ['node1:30501', 'tcp', 'unreachable', undefined, undefined],
    ]);
  });
});
