// `netlab explain <lab> <from> <to>`: the path of one real packet, hop by hop, as the seed
// narrates it. One toolbox exec reads every namespace on the path and the source node's
// kube-proxy rules with their counters, sends ONE real request from the source's netns,
// reads the counters and conntrack again; explainPath() (pure) turns that into hops.
//
// Counters: iptables keeps packet counters on every rule (`iptables-save -c`), read before
// and after. kube-proxy's nftables table has no counters, so explain inserts one rule
// `counter comment "netlab-explain"` at the top of the service chain and of each endpoint
// chain, probes, reads them and deletes exactly those rules by the handles the table listed
// after the request, in a second exec (a sync in between replaces the whole table, which
// removes them as well). A nat chain sees only a connection's first packet, so a counter
// that moved by one is the connection's choice.
//
// No shell: every read and the request are agent steps (src/core/toolbox-request.ts), in
// order (reads, counters, the request, the reads again), each one's output a section.
import type { LabTarget } from '../target.js';
import { rawStepsRequest, type AgentStep, type NamespaceRef, type StepResult } from '../../core/toolbox-request.js';
import { NetlabError } from '../../core/errors.js';
import { formatTuple, listensOn, describeListening, lookupRoute, parseConntrack, type ConntrackEntry } from './evidence.js';
import type { ProxyHop } from '../../plan/proxy/driver.js';
import { proxyModeDriver } from '../../plan/proxy/registry.js';
import { EXPLAIN_MARK } from '../../plan/proxy/shared.js';
import { CONNECT_TIMEOUT_S, MAX_TIME_S } from '../probes/index.js';
import { analyzePath } from './diagnose.js';
import { policyDiagnosis, policyHops } from './policy.js';
import type { CaptureView } from '../capture/flow.js';
import { startExplainCapture } from '../capture/explain-capture.js';
import { gatherFacts, labNamespaces, nodeLabel, planPath, walkRoutes, type NodeFacts, type PathFacts, type PodFacts, type Proto } from './path.js';

export type { Counters } from '../../plan/proxy/driver.js';
/** One step of the narration (the proxy-mode drivers make the steps through kube-proxy's rules). */
export type Hop = ProxyHop;

export interface Explanation {
  lab: string;
  from: string;
  to: string;
  mode: PathFacts['mode'];
  ok: boolean;
  hops: Hop[];
  /** When the probe failed: the broken hop (diagnose). */
  diagnosis?: string;
  /** With --capture: the request's packets as each hop's interface saw them (src/checks/capture). */
  capture?: CaptureView;
}

/** A UDP source port for the one datagram, so conntrack's entry is ours. */
const UDP_SPORT = 40999;

/** explain's one request, from the source's network namespace, and how its result reads as the section `probe`. */
export interface Probe {
  step: AgentStep;
  /** What the request printed, as explainPath reads it (curl's errors before its `-w` line, nc's answer then `SPORT`). */
  text(result: StepResult): string;
}

const joined = (...parts: (string | undefined)[]) =>
  parts
    .filter((t): t is string => !!t?.trim())
    .map((t) => t.replace(/\n+$/, ''))
    .join('\n');

/** The one request, from the source's network namespace: ping, the datagram (its payload on stdin) or curl. */
export function probeStep(source: NamespaceRef, proto: Proto, ip: string, port?: number): Probe {
  if (proto === 'icmp' || port === undefined)
    return {
      step: { argv: ['ping', '-n', '-c', '1', '-W', String(CONNECT_TIMEOUT_S), '--', ip], netns: source },
      text: (r) => joined(r.stdout, r.stderr, r.error).trim(),
    };
  if (proto === 'udp')
    return {
      step: {
        argv: ['nc', '-u', '-p', String(UDP_SPORT), '-W', '1', '-w', String(CONNECT_TIMEOUT_S), '--', ip, String(port)],
        netns: source,
        stdin: `${EXPLAIN_MARK}\n`,
      },
      text: (r) => `${joined(r.stdout, r.stderr, r.error)}\nSPORT ${UDP_SPORT}`.trim(),
    };
  return {
    step: {
      argv: [
        'curl',
        '-sS',
        '--connect-timeout',
        String(CONNECT_TIMEOUT_S),
        '--max-time',
        String(MAX_TIME_S),
        '-w',
        '\\nHTTP %{http_code} SPORT %{local_port}',
        `http://${ip}:${port}/`,
      ],
      netns: source,
    },
    // curl's error line first: the `-w` line stays last, where explainPath reads it.
    text: (r) => `${joined(r.error, r.stderr)}${r.error || r.stderr.trim() ? '\n' : ''}${r.stdout}`.trim(),
  };
}

export { nftCounterSteps } from '../../plan/proxy/nftables/evidence.js';

/** Reads the lab, sends one request, and explains it. */
export async function explain(target: LabTarget, from: string, to: string, proto: Proto = 'tcp', options: { capture?: boolean } = {}): Promise<Explanation> {
  const { lab, plan } = target;
  const { ready, ns } = await labNamespaces(target);
  const path = planPath(lab, plan, ready, from, to, proto);
  const f = path.facts;
  const notRunning = () => new NetlabError(`${from} is not running.`, { hint: `netlab up ${plan.lab} repairs the lab.` });
  const sourceContainer = path.containers.get(path.sourceLabel);
  if (!sourceContainer || !(await ns(sourceContainer))) throw notRunning();
  // Modes whose rules count nothing themselves get counters for the one request (nftables).
  const count = proxyModeDriver(f.mode).explain.counters;
  let counting: ReturnType<NonNullable<typeof count>> | undefined;
  let probe: Probe | undefined;
  const capture = options.capture ? await startExplainCapture(target, path, ns) : undefined;
  const gathering = gatherFacts(target, path, ns, {
    probe: (namespaces) => {
      const source = namespaces.get(path.sourceLabel);
      if (!source) return undefined;
      const node = path.proxyNodeLabel ? namespaces.get(path.proxyNodeLabel) : undefined;
      counting = f.service && count && node ? count(node, f.service) : undefined;
      probe = probeStep(source, f.target.proto, f.target.ip, f.target.port);
      return { before: counting?.add ?? [], probe: probe.step };
    },
  });
  const { facts, sections, results } = await (capture ? capture.during(gathering) : gathering);
  // Exactly the counter rules added, by the handles the table listed after the request.
  const remove = counting?.remove(sections) ?? [];
  if (remove.length) await target.toolbox.run(rawStepsRequest("removing explain's counters", remove));
  const probed = results.get('probe');
  if (!probe || !probed) throw notRunning();
  sections.set('probe', probe.text(probed));
  const explained = withPolicyHops(target, explainPath(facts, sections, { from, to }), facts, sections);
  return capture ? { ...explained, capture: capture.view(facts, sections) } : explained;
}

/** The NetworkPolicy hops (src/checks/diagnose/policy.ts) before the answer, and the policy that dropped it as the diagnosis. */
function withPolicyHops({ lab, plan }: LabTarget, e: Explanation, f: PathFacts, sections: ReadonlyMap<string, string>): Explanation {
  const hello = /Hello from (\S+)/.exec(sections.get('probe') ?? '')?.[1];
  const all = f.service ? f.service.endpoints.map((x) => ({ ip: x.ip, port: x.port, pod: x.pod })) : [{ ip: f.target.ip, port: f.target.port, pod: undefined }];
  const answered = all.filter((x) => x.pod !== undefined && x.pod === hello);
  const hops = policyHops(lab, plan, f.source.ip, answered.length ? answered : all, f.target.proto);
  if (!hops.length) return e;
  const at = e.hops.length - 1;
  const diagnosis = e.ok ? undefined : (e.diagnosis ?? policyDiagnosis(lab, plan, f));
  return { ...e, hops: [...e.hops.slice(0, at), ...hops, ...e.hops.slice(at)], ...(diagnosis ? { diagnosis } : {}) };
}

/** The hops of one request, from the gathered facts and sections (pure). */
export function explainPath(f: PathFacts, sections: ReadonlyMap<string, string>, names: { from: string; to: string }): Explanation {
  const hops: Hop[] = [];
  const srcNode = f.source.node ? f.nodes.find((n) => n.name === f.source.node) : undefined;
  const srcPod = f.source.kind === 'pod' ? f.pods.find((p) => p.ip === f.source.ip) : undefined;
  const probe = sections.get('probe') ?? '';
  const http = /\nHTTP (\d{3}) SPORT (\d+)\s*$/.exec(`\n${probe}`);
  const sport = Number(/SPORT (\d+)\s*$/.exec(probe)?.[1] ?? NaN);
  const answered =
    f.target.proto === 'icmp'
      ? / 0% packet loss/.test(probe)
      : f.target.proto === 'udp'
        ? probe.replace(/SPORT \d+/, '').trim().length > 0
        : !!http && http[1] !== '000';

  if (srcPod) podOut(hops, srcPod, srcNode);

  // kube-proxy's rules where the packet meets them: the source's node (a cluster IP), or the
  // node it is sent to (a nodePort), reached first over the underlay.
  const s = f.service;
  const entry = f.entry;
  const start = f.source.kind === 'router' ? 'router' : srcNode ? nodeLabel(srcNode.name) : undefined;
  if (entry?.kind === 'node-port' && !(f.source.kind === 'node' && f.source.node === entry.node)) {
    if (start) routeHops(hops, walkRoutes(f, start, entry.ip));
    else hops.push({ hop: 'underlay', where: f.source.name, what: `sends to ${entry.node} ${entry.ip}:${entry.port} over the underlay`, evidence: [] });
  }
  let chosen: string | undefined;
  let conn: ConntrackEntry | undefined;
  const driver = proxyModeDriver(f.mode);
  if (s && entry) {
    const where = entry.node;
    const rules = driver.explain.serviceHops({ service: s, where, before: f, sections, entry });
    hops.push(...rules.hops);
    chosen = rules.chosen;
    // conntrack: the translation, original and reply tuples.
    const entries = parseConntrack(sections.get('conntrack.after') ?? f.conntrack ?? '');
    const sent = (e: ConntrackEntry) => e.original.dst === entry.ip && (!f.source.ip || e.original.src === f.source.ip || f.source.kind === 'node');
    conn = entries.find((e) => sent(e) && e.original.sport === sport) ?? entries.find((e) => sent(e) && e.original.dport === entry.port);
    if (conn) {
      if (driver.explain.conntrack.replyIsEndpoint && s.endpoints.some((e) => e.ip === conn!.reply.src)) chosen = conn.reply.src;
      const snat = conn.reply.dst !== conn.original.src;
      const translated = `${driver.explain.conntrack.translated(conn.reply)}${snat ? `, source NATed to ${conn.reply.dst}` : ''}`;
      hops.push({
        hop: 'conntrack',
        where,
        what: `original ${formatTuple(conn.original)}, reply ${formatTuple(conn.reply)}: ${translated}, ${snat ? 'un-NATed' : 'un-DNATed'} on the way back`,
        evidence: [conn.text],
      });
    } else hops.push({ hop: 'conntrack', where, what: `no conntrack entry from ${f.source.ip ?? f.source.name} to ${entry.ip}:${entry.port}`, evidence: [] });
  }

  // Which pod answered.
  const hello = /Hello from (\S+)/.exec(probe)?.[1];
  const destIp = s ? (chosen ?? s.endpoints.find((e) => e.pod === hello)?.ip) : f.target.ip;
  const destPod = destIp ? f.pods.find((p) => p.ip === destIp) : undefined;
  const destPort = s ? s.endpoints.find((e) => e.ip === destIp)?.port : f.target.port;

  // Routing to it, from the node whose rules sent it on; masqueraded as it leaves that node.
  const from = entry ? nodeLabel(entry.node) : start;
  if (from && destIp) {
    const walk = walkRoutes(f, from, destIp);
    const leaving = walk.steps.findIndex((st) => st.at !== from);
    const masquerade = entry && conn && conn.reply.dst !== conn.original.src ? masqueradeHop(driver, entry.node, conn, sections) : undefined;
    const onNode = leaving < 0 ? walk.steps : walk.steps.slice(0, leaving);
    routeHops(hops, { ...walk, steps: onNode, error: leaving < 0 ? walk.error : undefined });
    if (masquerade) hops.push(masquerade);
    if (leaving >= 0) routeHops(hops, { ...walk, steps: walk.steps.slice(leaving) });
    if (destPod)
      podIn(
        hops,
        destPod,
        f.nodes.find((n) => n.name === destPod.node),
        destPort,
        f.target.proto,
      );
  }

  const line = probe
    .replace(/\n?HTTP \d{3} SPORT \d+\s*$/, '')
    .replace(/SPORT \d+\s*$/, '')
    .trim()
    .split('\n')
    .filter(Boolean);
  hops.push({
    hop: 'answer',
    where: f.source.name,
    what: answered
      ? `${http ? `HTTP ${http[1]} ` : ''}${line.join(' ').slice(0, 160)}`.trim()
      : `no answer: ${line.join(' ').slice(0, 160) || 'nothing came back'}`,
    evidence: probe.trim() ? probe.trim().split('\n').slice(0, 6) : [],
  });
  return { lab: f.lab, from: names.from, to: names.to, mode: f.mode, ok: answered, hops, diagnosis: answered ? undefined : analyzePath(f) };
}

/** The route hops of a walk, and its error as the last one. */
function routeHops(hops: Hop[], walk: ReturnType<typeof walkRoutes>): void {
  for (const step of walk.steps) hops.push({ hop: 'route', where: step.where, what: step.decision, evidence: step.route ? [step.route.text] : [] });
  if (walk.error) hops.push({ hop: 'route', where: walk.steps.at(-1)?.where ?? '?', what: walk.error, evidence: [] });
}

/** The connection's source NATed as it leaves the node (nat POSTROUTING), as conntrack's reply tuple shows. */
function masqueradeHop(driver: ReturnType<typeof proxyModeDriver>, node: string, conn: ConntrackEntry, sections: ReadonlyMap<string, string>): Hop | undefined {
  const m = driver.explain.masquerade;
  if (!m) return undefined;
  return {
    hop: 'masquerade',
    where: node,
    what: `${m.chain}: the marked connection leaves with source ${conn.reply.dst} (was ${conn.original.src}), so the answer comes back through ${node}`,
    evidence: m.evidence(sections),
  };
}

function podOut(hops: Hop[], pod: PodFacts, node: NodeFacts | undefined): void {
  const eth0 = pod.ns?.links.find((l) => l.name === 'eth0');
  const addr = pod.ns?.addrs.find((a) => a.dev === 'eth0');
  const def = pod.ns?.routes.find((r) => r.dst === 'default');
  hops.push({
    hop: 'pod',
    where: pod.name,
    what: `eth0 ${addr ? `${addr.ip}/${addr.prefix}` : 'without address'} ${eth0?.up ? 'up' : 'DOWN'}; default via ${def?.via ?? '?'}${node && def?.via === node.bridgeIP ? ` (cbr0 on ${node.name})` : ''}`,
    evidence: [...(pod.ns?.addrs.filter((a) => a.dev === 'eth0').map((a) => `eth0 inet ${a.ip}/${a.prefix}`) ?? []), ...(def ? [def.text] : [])],
  });
  bridgeHops(hops, pod, node, 'out');
}

function bridgeHops(hops: Hop[], pod: PodFacts, node: NodeFacts | undefined, dir: 'out' | 'in'): void {
  if (!node?.ns) return;
  const peer = pod.ns?.links.find((l) => l.name === 'eth0')?.peerIndex;
  const veth = peer !== undefined ? node.ns.links.find((l) => l.index === peer) : undefined;
  const cbr0 = node.ns.links.find((l) => l.name === 'cbr0');
  const addr = node.ns.addrs.find((a) => a.dev === 'cbr0');
  const vethHop: Hop = {
    hop: 'veth',
    where: node.name,
    what: veth
      ? `${veth.name} (ifindex ${veth.index}, the other end of ${pod.name}'s eth0) ${veth.up ? 'up' : 'DOWN'}, ${veth.master ? `master ${veth.master}` : 'on no bridge'}`
      : `no veth for ${pod.name} on ${node.name}`,
    evidence: veth ? [`${veth.index}: ${veth.name} master ${veth.master ?? '-'} state ${veth.state ?? '?'}`] : [],
  };
  const bridgeHop: Hop = {
    hop: 'bridge',
    where: node.name,
    what: `cbr0 ${addr ? `${addr.ip}/${addr.prefix}` : 'without address'} ${cbr0?.up ? 'up' : 'DOWN'}: ${dir === 'out' ? `the gateway of ${node.podCIDR}` : `${node.podCIDR} is on this bridge`}`,
    evidence: addr ? [`cbr0 inet ${addr.ip}/${addr.prefix}`] : [],
  };
  if (dir === 'out') hops.push(vethHop, bridgeHop);
  else hops.push(bridgeHop, vethHop);
}

function podIn(hops: Hop[], pod: PodFacts, node: NodeFacts | undefined, port: number | undefined, proto: Proto): void {
  bridgeHops(hops, pod, node, 'in');
  const addr = pod.ns?.addrs.find((a) => a.dev === 'eth0');
  const listening = pod.ns?.listening;
  const listens = port !== undefined && proto !== 'icmp' && listening ? listensOn(listening, proto, port, pod.ip) : undefined;
  hops.push({
    hop: 'pod',
    where: pod.name,
    what: `eth0 ${addr ? `${addr.ip}/${addr.prefix}` : 'without address'}${
      listens === undefined
        ? ''
        : listens
          ? `; listening on ${port}/${proto}`
          : `; nothing listens on ${port}/${proto} (listening: ${describeListening(listening!)})`
    }`,
    evidence: [
      ...(addr ? [`eth0 inet ${addr.ip}/${addr.prefix}`] : []),
      ...(listening ?? []).filter((l) => l.port === port).map((l) => `${l.proto} ${l.addr}:${l.port}`),
      ...(pod.ns ? [lookupRoute(pod.ns.routes, '0.0.0.0')?.text ?? ''].filter(Boolean) : []),
    ],
  });
}

/** Terminal lines. */
export function formatExplanation(e: Explanation): string {
  const out = [`${e.from} → ${e.to} in lab ${e.lab} (kube-proxy ${e.mode})`];
  const width = Math.max(...e.hops.map((h) => h.where.length));
  e.hops.forEach((h, i) => {
    const c = h.counters ? `  [packets ${h.counters.before} → ${h.counters.after}${h.counters.moved ? ', moved' : ''}]` : '';
    out.push(`${String(i + 1).padStart(2)}. ${h.where.padEnd(width)}  ${h.hop}: ${h.what}${c}`);
    for (const ev of h.evidence) out.push(`      ${' '.repeat(width)}  | ${ev}`);
  });
  out.push(e.ok ? 'answered' : `not answered${e.diagnosis ? `: ${e.diagnosis}` : ''}`);
  return `${out.join('\n')}\n`;
}
