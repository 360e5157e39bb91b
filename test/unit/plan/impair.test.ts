// Link impairment planned: which namespaces, which packets, and the agent steps that make a
// namespace hold what is asked, from what it holds now.
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../src/core/toolbox-request.js';
import { resolveImpairTarget } from '../../../src/labfile/impair.js';
import {
  chainFor,
  describeObserved,
  endSteps,
  goDurationMs,
  impairEnds,
  type ObservedImpairments,
  PRUNE_STEP,
  parseObserved,
  queueFor,
  readSteps,
  tbfArgs,
  tcRateBits,
} from '../../../src/plan/impair.js';
import { planLab } from '../../../src/plan/plan.js';
import { AGENT_PROGRAMS } from '../../helpers/agent-programs.js';
import { images, pod, twoNodeLab } from '../../helpers/plan-fixtures.js';

const lab = twoNodeLab([pod('client', { nodeName: 'node1' })]);
const plan = planLab(lab, { images, underlay: '10.250.3.0/24' });
const target = (text: string) => {
  const t = resolveImpairTarget(lab, text);
  if ('error' in t) throw new Error(t.error);
  return t.value;
};
const netns = { pid: 42, container: 'c0ffee0c0ffee0' };
const nothing = (): ObservedImpairments => ({ lines: [], chains: new Set(), jumps: new Set(), tbf: new Map(), interfaces: new Set(['lo', 'eth0']) });
const ok = (stdout: string): StepResult => ({ exitCode: 0, stdout, stderr: '', ms: 1 });

describe('impairEnds', () => {
  it("impairs a part's interface, all its egress, in its own namespace (a pod's in its sandbox)", () => {
    const [node] = impairEnds(plan, target('node1:cbr0'));
    expect(node).toEqual({ container: plan.nodes[0]!.container.name, part: 'node1', iface: 'cbr0', to: [], label: 'cbr0', queue: queueFor('if:cbr0') });
    const [client] = impairEnds(plan, target('client'));
    expect(client).toMatchObject({ container: plan.pods[0]!.pause.name, part: 'client', iface: 'eth0', to: [] });
  });

  it('impairs a link both ways, each end only what it sends to the other', () => {
    const ends = impairEnds(plan, target('node1--router'));
    const node1 = plan.nodes[0]!;
    expect(ends).toEqual([
      {
        container: node1.container.name,
        part: 'node1',
        iface: 'eth0',
        // To the router, and whatever leaves the underlay through it (the other node's pods).
        to: [{ cidr: `${plan.router!.ip}/32` }, { cidr: '10.250.3.0/24', not: true }],
        label: 'link to router',
        queue: queueFor('link:router'),
      },
      {
        container: plan.router!.name,
        part: 'router',
        iface: 'eth0',
        to: [{ cidr: `${node1.ip}/32` }, { cidr: '10.0.1.0/24' }],
        label: 'link to node1',
        queue: queueFor('link:node1'),
      },
    ]);
    const direct = planLab(twoNodeLab([], 'direct'), { images, underlay: '10.250.3.0/24' });
    const t = resolveImpairTarget(twoNodeLab([], 'direct'), 'node1--node2');
    if ('error' in t) throw new Error(t.error);
    expect(impairEnds(direct, t.value).map((e) => [e.part, e.to])).toEqual([
      ['node1', [{ cidr: `${direct.nodes[1]!.ip}/32` }, { cidr: '10.0.2.0/24' }]],
      ['node2', [{ cidr: `${direct.nodes[0]!.ip}/32` }, { cidr: '10.0.1.0/24' }]],
    ]);
  });

  it('gives each end a stable queue of its own', () => {
    expect(queueFor('if:eth0')).toBe(queueFor('if:eth0'));
    const queues = ['if:eth0', 'if:cbr0', 'link:router', 'link:node1', 'link:node2'].map(queueFor);
    expect(new Set(queues).size).toBe(queues.length);
    for (const q of queues) expect(q).toBeGreaterThanOrEqual(1000);
  });
});

describe('endSteps', () => {
  const [eth0] = impairEnds(plan, target('node1'));
  const chain = chainFor(eth0!.queue);
  const q = `${eth0!.queue}`;

  it('queues the egress to a delay line in a chain of its own, shaped by tbf', () => {
    const steps = endSteps(eth0!, { delayMs: 200, jitterMs: 20, lossPercent: 5, rateBitsPerSecond: 10_000_000 }, nothing(), netns);
    expect(steps.map((s) => s.argv)).toEqual([
      ['iptables', '-w', '5', '-t', 'mangle', '-N', chain],
      ['iptables', '-w', '5', '-t', 'mangle', '-A', chain, '-o', 'eth0', '-j', 'NFQUEUE', '--queue-num', q, '--queue-bypass'],
      ['iptables', '-w', '5', '-t', 'mangle', '-A', 'POSTROUTING', '-m', 'comment', '--comment', 'netlab impair eth0', '-j', chain],
      ['netlab-delay', 'start', '--queue', q, '--delay=200ms', '--jitter=20ms', '--loss=5', '--label=eth0'],
      ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', '10000000bit', 'burst', '12500', 'limit', '1514000'],
    ]);
    for (const s of steps) {
      expect(s.netns).toEqual(netns);
      expect(AGENT_PROGRAMS.has(s.argv[0])).toBe(true);
    }
  });

  it('matches a link end by destination', () => {
    const [node1] = impairEnds(plan, target('node1--router'));
    const rules = endSteps(node1!, { delayMs: 50 }, nothing(), netns).filter((s) => s.argv.includes('NFQUEUE'));
    expect(rules.map((s) => s.argv.slice(7, 11))).toEqual([
      ['-o', 'eth0', '-d', `${plan.router!.ip}/32`],
      ['-o', 'eth0', '!', '-d'],
    ]);
  });

  it('replaces what is there: the old line stopped, the chain emptied, the jump kept', () => {
    const now: ObservedImpairments = {
      ...nothing(),
      lines: [{ pid: 7, queue: eth0!.queue, delay: '100ms', jitter: '0s', loss: 0, label: 'eth0' }],
      chains: new Set([chain]),
      jumps: new Set([chain]),
      tbf: new Map([['eth0', '1Mbit']]),
    };
    expect(endSteps(eth0!, { lossPercent: 100 }, now, netns).map((s) => s.argv.slice(0, 7).join(' '))).toEqual([
      `netlab-delay stop --queue ${q}`,
      `iptables -w 5 -t mangle -F ${chain}`,
      `iptables -w 5 -t mangle -A ${chain}`,
      `netlab-delay start --queue ${q} --delay=0ms --jitter=0ms --loss=100`,
      'tc qdisc del dev eth0 root',
    ]);
  });

  it('changes nothing when it is so already (a second up)', () => {
    const now: ObservedImpairments = {
      ...nothing(),
      lines: [{ pid: 7, queue: eth0!.queue, delay: '1.5s', jitter: '0s', loss: 5, label: 'eth0' }],
      chains: new Set([chain]),
      jumps: new Set([chain]),
      tbf: new Map([['eth0', '10Mbit']]),
    };
    expect(endSteps(eth0!, { delayMs: 1500, lossPercent: 5, rateBitsPerSecond: 10_000_000 }, now, netns)).toEqual([]);
  });

  it('clears: line stopped, jump, chain and qdisc removed; nothing to do when nothing is there', () => {
    const now: ObservedImpairments = {
      ...nothing(),
      lines: [{ pid: 7, queue: eth0!.queue, delay: '200ms', jitter: '0s', loss: 0, label: 'eth0' }],
      chains: new Set([chain]),
      jumps: new Set([chain]),
      tbf: new Map([['eth0', '10Mbit']]),
    };
    expect(endSteps(eth0!, undefined, now, netns).map((s) => s.argv.join(' '))).toEqual([
      `netlab-delay stop --queue ${q}`,
      `iptables -w 5 -t mangle -D POSTROUTING -m comment --comment netlab impair eth0 -j ${chain}`,
      `iptables -w 5 -t mangle -F ${chain}`,
      `iptables -w 5 -t mangle -X ${chain}`,
      'tc qdisc del dev eth0 root',
    ]);
    expect(endSteps(eth0!, undefined, nothing(), netns)).toEqual([]);
  });

  it('sizes tbf: a 10 ms bucket, never under two frames; room for 1000 frames', () => {
    expect(tbfArgs(100_000_000)).toEqual(['rate', '100000000bit', 'burst', '125000', 'limit', '1514000']);
    expect(tbfArgs(64_000)).toEqual(['rate', '64000bit', 'burst', '3028', 'limit', '1514000']);
  });
});

describe('what a namespace holds', () => {
  const results = [
    ok(
      '[{"pid":9,"queue":4242,"delay":"200ms","jitter":"20ms","loss":5,"label":"eth0"},{"pid":10,"queue":77,"delay":"50ms","jitter":"0s","loss":0,"label":"link to router"}]\n',
    ),
    ok(
      '*mangle\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:NETLAB-IMPAIR-4242 - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n-A POSTROUTING -m comment --comment "netlab impair eth0" -j NETLAB-IMPAIR-4242\n-A NETLAB-IMPAIR-4242 -o eth0 -j NFQUEUE --queue-num 4242 --queue-bypass\nCOMMIT\n',
    ),
    ok(
      'qdisc noqueue 0: dev lo root refcnt 2\nqdisc tbf 8001: dev eth0 root refcnt 2 rate 10Mbit burst 12500b lat 1.2s\nqdisc noqueue 0: dev cbr0 root refcnt 2\n',
    ),
    ok(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue\n2: cbr0: <BROADCAST> mtu 1500\n3: veth1a2b3c@if2: <BROADCAST> mtu 1500\n7: eth0@if8: <BROADCAST> mtu 1500\n',
    ),
  ];

  it('reads the delay lines, chains, jumps, tbf rates and interfaces', () => {
    const now = parseObserved(results);
    expect(now.lines.map((l) => l.queue)).toEqual([4242, 77]);
    expect(now.chains).toEqual(new Set(['NETLAB-IMPAIR-4242']));
    expect(now.jumps).toEqual(new Set(['NETLAB-IMPAIR-4242']));
    expect(now.tbf).toEqual(new Map([['eth0', '10Mbit']]));
    expect(now.interfaces).toEqual(new Set(['lo', 'cbr0', 'veth1a2b3c', 'eth0']));
    expect(describeObserved(now)).toEqual(['eth0: delay 200ms ±20ms, loss 5%, rate 10Mbit', 'link to router: delay 50ms']);
  });

  it('fails with what a step said', () => {
    expect(() =>
      parseObserved([{ exitCode: -1, stdout: '', stderr: '', ms: 0, error: '"netlab-delay" is not a program the agent runs' }, ...results.slice(1)]),
    ).toThrow('"netlab-delay" is not a program the agent runs');
  });

  it('reads them with four steps in the namespace, each a program of the agent', () => {
    const steps = readSteps(netns);
    expect(steps.map((s) => s.argv.join(' '))).toEqual(['netlab-delay list', 'iptables-save -t mangle', 'tc qdisc show', 'ip -o link show']);
    for (const s of steps) expect(AGENT_PROGRAMS.has(s.argv[0])).toBe(true);
    // And the lines of namespaces that are gone are ended, from the toolbox's own.
    expect(PRUNE_STEP).toEqual({ argv: ['netlab-delay', 'prune'] });
  });

  it("reads Go's durations and tc's rates", () => {
    expect(['0s', '200ms', '1.5s', '1m0s', '500µs', '250us'].map(goDurationMs)).toEqual([0, 200, 1500, 60000, 0.5, 0.25]);
    expect(goDurationMs('soon')).toBeNaN();
    expect(['10Mbit', '512Kbit', '1Gbit', '800bit', 'fast'].map(tcRateBits)).toEqual([10_000_000, 512_000, 1_000_000_000, 800, undefined]);
  });
});
