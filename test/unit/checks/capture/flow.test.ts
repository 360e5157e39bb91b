// explain --capture's pure part: the request's flow from conntrack, each hop's packets of it, and how they read.
import { describe, expect, it } from 'vitest';
import { flowTuples, flowView, formatCapture, type HopCapture, inFlow, requestFlow } from '../../../../src/checks/capture/flow.js';
import { readPcap } from '../../../../src/checks/capture/pcap.js';
import { parseConntrack } from '../../../../src/checks/diagnose/evidence.js';
import type { PathFacts } from '../../../../src/checks/diagnose/path.js';
import { type FrameSpec, pcapOf } from './frames.js';

const CLIENT = '10.0.1.3';
const VIP = '10.3.241.152';
const POD = '10.0.2.2';
const NODE1 = '10.250.0.11';
const DNAT = `tcp      6 119 TIME_WAIT src=${CLIENT} dst=${VIP} sport=40312 dport=80 src=${POD} dst=${CLIENT} sport=8080 dport=40312 [ASSURED] mark=0 use=1`;
const MASQ = `tcp      6 119 TIME_WAIT src=${CLIENT} dst=${VIP} sport=40312 dport=80 src=${POD} dst=${NODE1} sport=8080 dport=61000 [ASSURED] mark=0 use=1`;

const tcp = (time: number, src: string, sport: number, dst: string, dport: number, flags: number): FrameSpec => ({
  time,
  src,
  dst,
  proto: 'tcp',
  sport,
  dport,
  flags,
});
const hop = (where: string, frames: FrameSpec[], iface = 'eth0'): HopCapture => ({ where, interface: iface, packets: readPcap(pcapOf(frames)).packets });

/** The facts requestFlow reads: source, target, entry, and conntrack as explain read it after its request. */
function facts(conntrack: string): PathFacts {
  return {
    source: { kind: 'pod', name: 'client', ip: CLIENT, node: 'node1' },
    target: { text: 'service-test:80', ip: VIP, port: 80, proto: 'tcp' },
    entry: { ip: VIP, port: 80 },
    conntrack,
  } as unknown as PathFacts;
}

describe('the request flow', () => {
  it('is the tuple as sent and, after DNAT, as it left for the pod', () => {
    const tuples = requestFlow(
      facts(''),
      new Map([
        ['probe', 'Hello\nHTTP 200 SPORT 40312'],
        ['conntrack.after', DNAT],
      ]),
    );
    expect(tuples).toEqual([
      { proto: 'tcp', src: CLIENT, sport: 40312, dst: VIP, dport: 80 },
      { proto: 'tcp', src: CLIENT, sport: 40312, dst: POD, dport: 8080 },
    ]);
  });

  it('after masquerade: from the node address and port conntrack chose', () => {
    const tuples = requestFlow(facts(MASQ), new Map([['probe', 'HTTP 200 SPORT 40312']]));
    expect(tuples[1]).toEqual({ proto: 'tcp', src: NODE1, sport: 61000, dst: POD, dport: 8080 });
  });

  it("takes only the entry of this request's source port, and the tuple as sent without one", () => {
    const other = DNAT.replaceAll('40312', '40999');
    expect(requestFlow(facts(other), new Map([['probe', 'HTTP 200 SPORT 40312']]))).toHaveLength(1);
    expect(flowTuples({ proto: 'tcp', src: CLIENT, sport: 1, dst: POD, dport: 8080 })).toHaveLength(1);
  });

  it('matches packets of its tuples either way, and nothing else', () => {
    const [conn] = parseConntrack(DNAT);
    const tuples = flowTuples({ proto: 'tcp', src: CLIENT, sport: 40312, dst: VIP, dport: 80 }, conn);
    const [syn, synAck, dnated, otherPort, udp] = readPcap(
      pcapOf([
        tcp(1, CLIENT, 40312, VIP, 80, 0x02),
        tcp(1, VIP, 80, CLIENT, 40312, 0x12),
        tcp(1, POD, 8080, CLIENT, 40312, 0x12),
        tcp(1, CLIENT, 40313, VIP, 80, 0x02),
        { time: 1, src: CLIENT, dst: VIP, proto: 'udp', sport: 40312, dport: 80 },
      ]),
    ).packets;
    expect([syn, synAck, dnated, otherPort, udp].map((p) => inFlow(p!, tuples))).toEqual([true, true, true, false, false]);
  });
});

describe('flowView and formatCapture', () => {
  const [conn] = parseConntrack(DNAT);
  const tuples = flowTuples({ proto: 'tcp', src: CLIENT, sport: 40312, dst: VIP, dport: 80 }, conn);
  const hops = [
    hop('client', [tcp(100.0, CLIENT, 40312, VIP, 80, 0x02), tcp(100.0003, VIP, 80, CLIENT, 40312, 0x12), tcp(100.0001, CLIENT, 5555, '10.0.1.2', 8080, 0x02)]),
    hop('router', [tcp(100.00015, CLIENT, 40312, POD, 8080, 0x02), tcp(100.00016, CLIENT, 40312, POD, 8080, 0x02)]),
    hop('node1', [tcp(100.0001, CLIENT, 40312, POD, 8080, 0x02)]),
    hop('node2', []),
    { where: 'server-1', interface: 'eth0', packets: [], error: 'not running' },
  ];

  it("keeps each hop's packets of the flow, timed from the first, in the order the flow crossed them, and names the hops that saw none", () => {
    const view = flowView(hops, tuples);
    expect(view.flow).toEqual([`${CLIENT}:40312 > ${VIP}:80`, `${CLIENT}:40312 > ${POD}:8080`]);
    expect(view.hops.map((h) => h.where)).toEqual(['client', 'node1', 'router', 'server-1']);
    expect(view.quiet).toEqual(['node2 eth0']);
    expect(view.hops[0]!.packets.map((p) => [p.ms, p.text])).toEqual([
      [0, `${CLIENT}:40312 > ${VIP}:80 SYN`],
      [0.3, `${VIP}:80 > ${CLIENT}:40312 SYN-ACK`],
    ]);
    expect(view.hops[1]!.packets[0]).toMatchObject({ ms: 0.1, src: CLIENT, dst: POD, dport: 8080, flags: 'SYN' });
    expect(view.hops[3]!.error).toBe('not running');
  });

  it('reads as one line a packet, the router forwarding on one line, a failed capture said', () => {
    const text = formatCapture(flowView(hops, tuples));
    expect(text).toContain(`  client eth0       +0.000ms  ${CLIENT}:40312 > ${VIP}:80 SYN\n`);
    expect(text).toContain(`  node1 eth0        +0.100ms  ${CLIENT}:40312 > ${POD}:8080 SYN\n`);
    expect(text).toContain(`  router eth0       +0.150ms  ${CLIENT}:40312 > ${POD}:8080 SYN ×2\n`);
    expect(text).toContain('server-1 eth0  capture failed: not running');
    expect(text).toContain('none of it on: node2 eth0');
    expect(text.match(/router eth0/g)).toHaveLength(1);
    expect(text).toContain('×2: the same packet twice on one interface');
  });

  it('says so when no hop saw the flow', () => {
    const text = formatCapture(flowView([hop('client', [])], tuples));
    expect(text).toContain('no packet of this flow was captured');
    expect(text).not.toContain('×2');
  });
});
