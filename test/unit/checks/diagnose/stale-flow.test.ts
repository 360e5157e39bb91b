import { describe, expect, it } from 'vitest';
import { staleFlowSentence } from '../../../../src/checks/diagnose/stale-flow.js';
import { parseUdpFlows } from '../../../../src/plan/proxy/conntrack-cleanup.js';

const service = {
  namespace: 'default',
  name: 'udp-echo',
  endpoints: [
    { ip: '10.0.1.2', port: 5353, node: 'node1', chain: 'KUBE-SEP-A' },
    { ip: '10.0.2.2', port: 5353, node: 'node2', chain: 'KUBE-SEP-B' },
  ],
};
const [stale, live] =
  parseUdpFlows(`udp      17 3593 src=10.0.1.3 dst=10.3.254.254 sport=40000 dport=53 src=10.0.2.9 dst=10.0.1.3 sport=5353 dport=40000 [ASSURED] mark=0 use=1
udp      17 28 src=10.0.1.3 dst=10.3.254.254 sport=40001 dport=53 src=10.0.2.2 dst=10.0.1.3 sport=5353 dport=40001 mark=0 use=1`);

describe('staleFlowSentence', () => {
  it('names the entry whose replies come from no endpoint, where to see it and who clears it', () => {
    expect(staleFlowSentence(service, stale!, 'node1')).toBe(
      'a stale conntrack entry on node1 sends the UDP flow 10.0.1.3:40000 → 10.3.254.254:53 to 10.0.2.9, which is no endpoint of service default/udp-echo (endpoints: 10.0.1.2:5353, 10.0.2.2:5353); conntrack -L -p udp on node1 shows it, and kube-proxy deletes such entries after a sync',
    );
  });

  it('says nothing of an entry that goes to an endpoint', () => {
    expect(staleFlowSentence(service, live!, 'node1')).toBeUndefined();
  });
});
