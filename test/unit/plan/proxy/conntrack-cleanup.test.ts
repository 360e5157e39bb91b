import { describe, expect, test } from 'vitest';
import { deleteStaleFlowsStep, hasUdpServices, listUdpFlowsStep, parseUdpFlows, staleUdpFilters } from '../../../../src/plan/proxy/conntrack-cleanup.js';
import type { ServicePortState } from '../../../../src/plan/proxy/types.js';

// Captured from `conntrack -L` in a node of proxy-modes (plus a TCP line and a nodePort flow).
const LISTING = `udp      17 28 src=10.0.1.3 dst=10.3.240.10 sport=53627 dport=53 src=10.0.1.4 dst=10.0.1.3 sport=53 dport=53627 mark=0 use=1
udp      17 3593 src=10.0.1.3 dst=10.3.254.254 sport=40000 dport=53 src=10.0.2.9 dst=10.0.1.3 sport=5353 dport=40000 [ASSURED] mark=0 use=1
udp      17 28 src=10.0.1.3 dst=10.3.254.254 sport=40001 dport=53 src=10.0.2.2 dst=10.0.1.3 sport=5353 dport=40001 mark=0 use=1
tcp      6 117 TIME_WAIT src=10.0.1.3 dst=10.3.241.152 sport=41234 dport=80 src=10.0.2.7 dst=10.0.1.3 sport=8080 dport=41234 [ASSURED] mark=0 use=1
udp      17 25 src=172.18.0.9 dst=172.18.0.3 sport=5000 dport=30053 [UNREPLIED] src=10.0.2.9 dst=172.18.0.3 sport=5353 dport=5000 mark=0 use=1
udp      17 20 src=10.0.1.3 dst=10.3.254.254 sport=40002 dport=53 [UNREPLIED] src=10.3.254.254 dst=10.0.1.3 sport=53 dport=40002 mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.`;

const ep = (ip: string, port = 5353) => ({ ip, port, node: ip.startsWith('10.0.1.') ? 'node1' : 'node2' });

function udpService(over: Partial<ServicePortState> = {}): ServicePortState {
  return {
    namespace: 'default',
    service: 'udp-echo',
    portName: 'echo',
    protocol: 'UDP',
    clusterIP: '10.3.254.254',
    port: 53,
    endpoints: [ep('10.0.1.2'), ep('10.0.2.2')],
    ...over,
  };
}

const dns: ServicePortState = {
  namespace: 'kube-system',
  service: 'kube-dns',
  portName: 'dns',
  protocol: 'UDP',
  clusterIP: '10.3.240.10',
  port: 53,
  endpoints: [ep('10.0.1.4', 53)],
};

describe('parseUdpFlows', () => {
  test('reads the original tuple and the reply source of each UDP entry, and skips TCP and the summary', () => {
    const flows = parseUdpFlows(LISTING);
    expect(flows).toHaveLength(5);
    expect(flows[1]).toEqual({ origSrc: '10.0.1.3', origDst: '10.3.254.254', origSport: 40000, origDport: 53, replySrc: '10.0.2.9' });
    expect(flows[3]).toEqual({ origSrc: '172.18.0.9', origDst: '172.18.0.3', origSport: 5000, origDport: 30053, replySrc: '10.0.2.9' });
  });
});

describe('staleUdpFilters (kube-proxy CleanStaleEntries)', () => {
  test('an entry DNATed to a pod that is no endpoint any more is deleted; flows to serving endpoints stay', () => {
    expect(staleUdpFilters([udpService(), dns], parseUdpFlows(LISTING))).toEqual([
      { origDst: '10.3.254.254', origDport: 53, replySrc: '10.0.2.9' },
      // Made while the service had no endpoint (never DNATed): deleted once it has one.
      { origDst: '10.3.254.254', origDport: 53, replySrc: '10.3.254.254' },
    ]);
  });

  test('a service without endpoints is left alone (nothing to send the flow to instead)', () => {
    expect(staleUdpFilters([udpService({ endpoints: [] }), dns], parseUdpFlows(LISTING))).toEqual([]);
  });

  test('TCP services are never reconciled, even with entries to gone pods', () => {
    const tcp = udpService({ protocol: 'TCP', clusterIP: '10.3.241.152', port: 80, endpoints: [ep('10.0.1.2', 8080)] });
    expect(staleUdpFilters([tcp], parseUdpFlows(LISTING))).toEqual([]);
  });

  test('the nodePort matches on any destination address; a load-balancer IP is a frontend like the cluster IP', () => {
    const flows = parseUdpFlows(LISTING);
    const lb = udpService({ nodePort: 30053, loadBalancerIPs: ['172.18.0.200'], endpoints: [ep('10.0.1.2')] });
    const viaLb = { origSrc: '172.18.0.9', origDst: '172.18.0.200', origSport: 5001, origDport: 53, replySrc: '10.0.2.2' };
    expect(staleUdpFilters([lb], [...flows, viaLb])).toEqual([
      { origDst: '10.3.254.254', origDport: 53, replySrc: '10.0.2.9' },
      { origDst: '10.3.254.254', origDport: 53, replySrc: '10.0.2.2' },
      { origDport: 30053, replySrc: '10.0.2.9', nodePort: true },
      { origDst: '10.3.254.254', origDport: 53, replySrc: '10.3.254.254' },
      { origDst: '172.18.0.200', origDport: 53, replySrc: '10.0.2.2' },
    ]);
  });

  test('one filter per frontend and reply source, however many flows it covers', () => {
    const flows = parseUdpFlows(LISTING);
    expect(staleUdpFilters([udpService()], [...flows, { ...flows[1]!, origSport: 40005 }])).toHaveLength(2);
  });

  test('traffic policies play no part (upstream ignores them here)', () => {
    const local = udpService({ internalPolicyLocal: true, externalPolicyLocal: true });
    expect(staleUdpFilters([local], parseUdpFlows(LISTING))).toEqual(staleUdpFilters([udpService()], parseUdpFlows(LISTING)));
  });
});

describe('agent steps', () => {
  const node = { pid: 42, container: 'abc' };
  test('list and delete by argv in the node, with upstream filters (IP and port, or nodePort; reply source)', () => {
    expect(listUdpFlowsStep(node)).toEqual({ argv: ['conntrack', '-L', '-p', 'udp'], netns: node });
    expect(deleteStaleFlowsStep(node, { origDst: '10.3.254.254', origDport: 53, replySrc: '10.0.2.9' }).argv).toEqual([
      'conntrack',
      '-D',
      '-p',
      'udp',
      '--orig-dst',
      '10.3.254.254',
      '--orig-port-dst',
      '53',
      '--reply-src',
      '10.0.2.9',
    ]);
    expect(deleteStaleFlowsStep(node, { origDport: 30053, replySrc: '10.0.2.9', nodePort: true }).argv).toEqual([
      'conntrack',
      '-D',
      '-p',
      'udp',
      '--orig-port-dst',
      '30053',
      '--reply-src',
      '10.0.2.9',
    ]);
  });

  test('a lab without UDP services lists nothing', () => {
    expect(hasUdpServices([udpService({ protocol: 'TCP' })])).toBe(false);
    expect(hasUdpServices([udpService({ protocol: 'TCP' }), dns])).toBe(true);
  });
});
