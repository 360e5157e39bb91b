// Link impairment as steps for the toolbox's agent, planned from what is there now. The kernel
// here has no sch_netem, so it is built as netem does it from what the kernel has: delay, jitter
// and loss by netlab's delay line (netlab-delay, in the toolbox's agent), which gets the
// interface's egress packets from iptables' NFQUEUE target in a chain of its own in the mangle
// table's POSTROUTING (the last hook before the qdisc, where netem sits); rate by a tbf qdisc.
// A link's two ends each queue only what they send to the other end.
import type { AgentStep, NamespaceRef, StepResult } from '../core/toolbox-request.js';
import { type ImpairTarget, endName, type LinkEnd } from '../labfile/impair.js';
import type { Impairment } from '../labfile/model.js';
import type { LabPlan } from './types.js';

/** One namespace's side of an impairment: the packets it sends out of `iface` (to `to`, when given). */
export interface ImpairEnd {
  /** The container whose network namespace it is. */
  container: string;
  /** The part as the user names it: node1, router, default/client. */
  part: string;
  iface: string;
  /** Only packets to these (`not`: to anywhere but these); empty: every packet. */
  to: { cidr: string; not?: boolean }[];
  /** What status shows: `eth0`, `link to router`. */
  label: string;
  /** The NFQUEUE number, stable for the end (its chain is NETLAB-IMPAIR-<queue>). */
  queue: number;
}

/** The namespaces an impairment acts in, with what each sends that is impaired. */
export function impairEnds(plan: LabPlan, target: ImpairTarget): ImpairEnd[] {
  if (target.kind === 'part') {
    const part = target.part;
    const { container, name } =
      part.kind === 'node'
        ? { container: plan.nodes.find((n) => n.name === part.name)!.container.name, name: part.name }
        : part.kind === 'router'
          ? { container: plan.router!.name, name: 'router' }
          : part.kind === 'external'
            ? { container: plan.external!.name, name: 'external' }
            : { container: podPause(plan, part.namespace, part.name), name: podName(part.namespace, part.name) };
    return [{ container, part: name, iface: target.iface, to: [], label: target.iface, queue: queueFor(`if:${target.iface}`) }];
  }
  return [linkEnd(plan, target.a, target.b), linkEnd(plan, target.b, target.a)];
}

function podPause(plan: LabPlan, namespace: string, name: string): string {
  return plan.pods.find((p) => p.namespace === namespace && p.name === name)!.pause.name;
}

export function podName(namespace: string, name: string): string {
  return namespace === 'default' ? name : `${namespace}/${name}`;
}

/** `from`'s side of the link: what it sends toward `to` on the underlay (eth0). */
function linkEnd(plan: LabPlan, from: LinkEnd, to: LinkEnd): ImpairEnd {
  const container = from.kind === 'router' ? plan.router!.name : plan.nodes.find((n) => n.name === from.name)!.container.name;
  const peer = endName(to);
  return { container, part: endName(from), iface: 'eth0', to: behind(plan, to), label: `link to ${peer}`, queue: queueFor(`link:${peer}`) };
}

/** The addresses a packet is sent to when its next hop is that end. */
function behind(plan: LabPlan, end: LinkEnd): ImpairEnd['to'] {
  if (end.kind === 'router') {
    // The router is the nodes' gateway: it gets what is for it and whatever leaves the underlay.
    return [{ cidr: `${plan.router!.ip}/32` }, { cidr: plan.network.subnet, not: true }];
  }
  const node = plan.nodes.find((n) => n.name === end.name)!;
  return [{ cidr: `${node.ip}/32` }, { cidr: node.podCIDR }];
}

/** A queue number from the end's key (FNV-1a): the same end always gets the same queue, so a change replaces it. */
export function queueFor(key: string): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(key)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return 1000 + (h % 60000);
}

export const chainFor = (queue: number) => `NETLAB-IMPAIR-${queue}`;

/** What is in a namespace now, read by `readSteps`. */
export interface ObservedImpairments {
  lines: DelayLine[];
  /** Chains NETLAB-IMPAIR-* in the mangle table, and those POSTROUTING jumps to. */
  chains: Set<string>;
  jumps: Set<string>;
  /** tbf qdiscs by interface: the rate as tc prints it (10Mbit). */
  tbf: Map<string, string>;
  interfaces: Set<string>;
}

/** A delay line running in a namespace, as `netlab-delay list` prints it. */
export interface DelayLine {
  pid: number;
  queue: number;
  delay: string;
  jitter: string;
  loss: number;
  label: string;
}

/** Four steps per namespace: its delay lines, its mangle table, its qdiscs, its interfaces. */
export function readSteps(netns: NamespaceRef): AgentStep[] {
  return [
    { argv: ['netlab-delay', 'list'], netns },
    { argv: ['iptables-save', '-t', 'mangle'], netns },
    { argv: ['tc', 'qdisc', 'show'], netns },
    { argv: ['ip', '-o', 'link', 'show'], netns },
  ];
}

export const READ_STEPS = 4;

/** In the toolbox itself: ends the delay lines whose namespace is gone (their container removed or replaced). */
export const PRUNE_STEP: AgentStep = { argv: ['netlab-delay', 'prune'] };

/** What readSteps' results say; throws when a step failed. */
export function parseObserved(results: StepResult[]): ObservedImpairments {
  const [list, save, qdiscs, links] = results;
  for (const r of results) {
    if (r.exitCode !== 0) throw new Error(`${(r.error || r.stderr || r.stdout).trim() || `exit code ${r.exitCode}`}`);
  }
  const lines = JSON.parse(list!.stdout || '[]') as DelayLine[];
  const chains = new Set<string>();
  const jumps = new Set<string>();
  for (const line of save!.stdout.split('\n')) {
    const chain = /^:(NETLAB-IMPAIR-\d+) /.exec(line);
    if (chain) chains.add(chain[1]!);
    const jump = /^-A POSTROUTING .*-j (NETLAB-IMPAIR-\d+)\s*$/.exec(line);
    if (jump) jumps.add(jump[1]!);
  }
  const tbf = new Map<string, string>();
  for (const line of qdiscs!.stdout.split('\n')) {
    const m = /^qdisc tbf \S+ dev (\S+) root .*\brate (\S+)/.exec(line);
    if (m) tbf.set(m[1]!, m[2]!);
  }
  const interfaces = new Set<string>();
  for (const line of links!.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)[@:]/.exec(line);
    if (m) interfaces.add(m[1]!);
  }
  return { lines, chains, jumps, tbf, interfaces };
}

/**
 * The steps that make the end impaired as `imp` says (or not impaired at all: `imp` undefined),
 * from what is there now. Every step must succeed. Order: the old line stopped and its chain
 * emptied first, then the new rules, the new line, the qdisc.
 */
export function endSteps(end: ImpairEnd, imp: Impairment | undefined, now: ObservedImpairments, netns: NamespaceRef): AgentStep[] {
  const chain = chainFor(end.queue);
  const steps: AgentStep[] = [];
  const ipt = (...args: string[]): AgentStep => ({ argv: ['iptables', '-w', '5', '-t', 'mangle', ...args], netns });
  const delays = imp !== undefined && (imp.delayMs !== undefined || imp.jitterMs !== undefined || imp.lossPercent !== undefined);
  const line = now.lines.find((l) => l.queue === end.queue);
  const same = delays && line !== undefined && sameLine(line, end, imp) && now.chains.has(chain) && now.jumps.has(chain);
  if (line && !same) steps.push({ argv: ['netlab-delay', 'stop', '--queue', `${end.queue}`], netns });
  if (same) {
    // Already so (a second `up`): the line keeps running, its packets keep their places.
  } else if (delays) {
    steps.push(ipt(now.chains.has(chain) ? '-F' : '-N', chain));
    const matches: string[][] = end.to.length ? end.to.map((t) => (t.not ? ['!', '-d', t.cidr] : ['-d', t.cidr])) : [[]];
    for (const m of matches) {
      // --queue-bypass: should the line be gone, packets pass unimpaired instead of being dropped.
      steps.push(ipt('-A', chain, '-o', end.iface, ...m, '-j', 'NFQUEUE', '--queue-num', `${end.queue}`, '--queue-bypass'));
    }
    if (!now.jumps.has(chain)) steps.push(ipt('-A', 'POSTROUTING', '-m', 'comment', '--comment', `netlab impair ${end.label}`, '-j', chain));
    steps.push({
      argv: [
        'netlab-delay',
        'start',
        '--queue',
        `${end.queue}`,
        `--delay=${imp.delayMs ?? 0}ms`,
        `--jitter=${imp.jitterMs ?? 0}ms`,
        `--loss=${imp.lossPercent ?? 0}`,
        `--label=${end.label}`,
      ],
      netns,
    });
  } else {
    if (now.jumps.has(chain)) steps.push(ipt('-D', 'POSTROUTING', '-m', 'comment', '--comment', `netlab impair ${end.label}`, '-j', chain));
    if (now.chains.has(chain)) steps.push(ipt('-F', chain), ipt('-X', chain));
  }
  if (end.to.length === 0) {
    const rate = now.tbf.get(end.iface);
    const sameRate = rate !== undefined && imp?.rateBitsPerSecond !== undefined && tcRateBits(rate) === imp.rateBitsPerSecond;
    if (sameRate) {
      // Shaped so already.
    } else if (imp?.rateBitsPerSecond !== undefined)
      steps.push({ argv: ['tc', 'qdisc', 'replace', 'dev', end.iface, 'root', 'tbf', ...tbfArgs(imp.rateBitsPerSecond)], netns });
    else if (now.tbf.has(end.iface)) steps.push({ argv: ['tc', 'qdisc', 'del', 'dev', end.iface, 'root'], netns });
  }
  return steps;
}

function sameLine(line: DelayLine, end: ImpairEnd, imp: Impairment): boolean {
  return (
    line.label === end.label &&
    goDurationMs(line.delay) === (imp.delayMs ?? 0) &&
    goDurationMs(line.jitter) === (imp.jitterMs ?? 0) &&
    line.loss === (imp.lossPercent ?? 0)
  );
}

const GO_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** A Go duration as Go prints it (`200ms`, `1.5s`, `1m0s`, `0s`) -> milliseconds; NaN when it is not one. */
export function goDurationMs(text: string): number {
  let ms = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!m) return Number.NaN;
    ms += Number(m[1]) * GO_UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(ms * 1e6) / 1e6;
}

/** A rate as tc prints it (`10Mbit`, `512Kbit`, `800bit`) -> bits per second. */
export function tcRateBits(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)bit$/i.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * scale);
}

/**
 * tbf's rate, bucket and queue: a bucket of 10 ms at the rate (never less than two full
 * frames, which tbf needs to pass one) and room for 1000 full frames (netem's default limit).
 */
export function tbfArgs(bitsPerSecond: number): string[] {
  const burst = Math.max(3028, Math.ceil(bitsPerSecond / 8 / 100));
  return ['rate', `${bitsPerSecond}bit`, 'burst', `${burst}`, 'limit', `${1000 * 1514}`];
}

/** What a namespace's impairments are, for status and graph: `eth0: delay 200ms, loss 5%`. */
export function describeObserved(now: ObservedImpairments): string[] {
  const out: string[] = [];
  const byLabel = new Map<string, string[]>();
  const add = (label: string, text: string) => byLabel.set(label, [...(byLabel.get(label) ?? []), text]);
  for (const l of [...now.lines].sort((a, b) => a.label.localeCompare(b.label))) {
    const parts: string[] = [];
    if (l.delay !== '0s' || l.jitter !== '0s') parts.push(`delay ${l.delay}${l.jitter !== '0s' ? ` ±${l.jitter}` : ''}`);
    if (l.loss > 0) parts.push(`loss ${l.loss}%`);
    add(l.label, parts.join(', ') || 'queued, unimpaired');
  }
  for (const [iface, rate] of [...now.tbf].sort()) add(iface, `rate ${rate}`);
  for (const [label, texts] of byLabel) out.push(`${label}: ${texts.join(', ')}`);
  return out;
}
