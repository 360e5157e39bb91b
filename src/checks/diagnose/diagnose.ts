// Why a connectivity check failed: the hop that broke, from evidence read off the lab in one
// toolbox exec, then pure analysis (analyzePath, unit-tested on captured outputs).
import { findNamed, podTitle } from '../../core/names.js';
import type { CheckResult } from '../../core/events.js';
import { planServices } from '../../plan/services.js';
import { resolveEndpoint } from '../../labfile/endpoints.js';
import type { CheckSpec } from '../../labfile/model.js';
import type { LabTarget } from '../target.js';
import { lastLogLine, stoppedState } from '../../engine/container-state.js';
import { describeListening, listensOn, lookupRoute } from './evidence.js';
import { impairedLinks } from './impaired.js';
import { proxyModeDriver } from '../../plan/proxy/registry.js';
import { probeDriver } from '../probes/index.js';
import { ingressRouting } from './ingress.js';
import { policyDiagnosis } from './policy.js';
import { whyNotReady } from './not-ready.js';
import { sourceIpLost } from './source-ip.js';
import { sourceRangeDrop } from './source-ranges.js';
import { staleUdpFlow } from './stale-flow.js';
import {
  dnsServiceFacts,
  gatherFacts,
  labNamespaces,
  nodeLabel,
  planPath,
  serviceLookupName,
  walkRoutes,
  type DnsServiceFacts,
  type NodeFacts,
  type PathFacts,
  type PodFacts,
} from './path.js';

/**
 * One sentence naming the hop that broke a failed connectivity check, with its evidence
 * (undefined when the check passed, is not about connectivity, or nothing broken was found).
 * One toolbox exec; never throws (a diagnosis that cannot be made is undefined).
 */
export async function diagnose(target: LabTarget, check: CheckSpec, result: CheckResult): Promise<string | undefined> {
  const { lab, plan } = target;
  if (result.ok || check.expect === 'unreachable' || check.expect === 'nxdomain') return undefined;
  try {
    // The check could not even start: its source container is down (crashed, crash-looping).
    const stopped = /^source (\S+) is not running \(/.exec(result.detail);
    if (stopped) return await stoppedSource(target, stopped[1]!);
    // A probe kind without a diagnosis is not about connectivity (netns, gateway, conntrack).
    const how = probeDriver(check.probe).diagnosis;
    if (!how) return undefined;
    const { ready, ns } = await labNamespaces(target);
    // A lookup (probe dns) is diagnosed on the path to the cluster DNS, and by what it answers.
    const dnsProbe = how.lookup === true;
    const to = dnsProbe ? `service/kube-dns.kube-system:53` : check.to;
    if (!to) return undefined;
    const path = planPath(lab, plan, ready, check.from, to, how.proto);
    if (dnsProbe) path.facts.target = { ...path.facts.target, proto: 'udp' };
    // The name the probe asked for: the one the check's `to` names, or the Service's as the probe wrote it.
    const from = path.facts.source.namespace;
    const byName = check.by === 'dns' && path.facts.service ? serviceLookupName(path.facts.service, from) : dnsProbe ? check.to : undefined;
    const named = dnsProbe && check.record !== 'PTR' ? check.to?.replace(/^_[^.]+\._[^.]+\./, '') : byName;
    const dnsService = named ? dnsServiceFacts(lab, plan, ready, named, from) : undefined;
    const { facts } = await gatherFacts(target, path, ns, { dnsName: byName, dnsService });
    if (facts.dns && !dnsProbe) facts.dns.expected = facts.service?.clusterIP;
    if (dnsProbe && facts.dns) facts.dns.expected = undefined;
    const found = sourceRangeDrop(lab, facts) ?? analyzePath(facts, { dnsOnly: dnsProbe });
    if (found && / pod \S+ is not running$/.test(found)) return (await notReadyPod(target, found)) ?? found;
    if (found && / are not ready$/.test(found)) return (await whyNotReady(target, found).catch(() => undefined)) ?? found;
    return (
      found ??
      policyDiagnosis(lab, plan, facts) ??
      sourceIpLost(lab, facts, result.detail) ??
      (await staleUdpFlow(target, check, facts)) ??
      (await nodePortRule(target, check, ready)) ??
      ingressRouting(lab, plan, check, ready) ??
      (await impairedLinks(target, ns))
    );
  } catch {
    return undefined;
  }
}

/** A check's source container that does not run: its state as kubectl words it, and the last thing it printed. */
async function stoppedSource({ engine, plan }: LabTarget, container: string): Promise<string | undefined> {
  const pod = plan.pods.find((p) => p.pause.name === container || p.containers.some((c) => c.name === container));
  const c = pod && [pod.pause, ...pod.containers].find((c) => c.name === container);
  if (!pod || !c) return undefined;
  const info = await engine.inspectContainer(container).catch(() => undefined);
  const which =
    c === pod.pause ? `pod ${podTitle(pod)}'s sandbox (pause)` : `pod ${podTitle(pod)}'s container ${c.create.Labels?.['netlab.container'] ?? c.name}`;
  if (!info) return `the source, ${which}, does not exist`;
  const state = stoppedState(info);
  const said = await lastLogLine(engine, container);
  return `the source, ${which}, is not running: ${state}${said ? `; it said: ${said}` : ''}`;
}

/** "pod web is not running": which of its containers is not, and the last thing it printed. */
async function notReadyPod({ engine, plan }: LabTarget, sentence: string): Promise<string | undefined> {
  const name = / pod (\S+) is not running$/.exec(sentence)![1]!;
  const pod = plan.pods.find((p) => (p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`) === name);
  if (!pod) return undefined;
  for (const c of [pod.pause, ...pod.containers]) {
    const info = await engine.inspectContainer(c.name).catch(() => undefined);
    if (info?.State.Running) continue;
    const said = info ? await lastLogLine(engine, c.name) : undefined;
    const which = c === pod.pause ? 'its sandbox (pause)' : `container ${c.create.Labels?.['netlab.container'] ?? c.name}`;
    const state = info ? `${info.State.Status}${info.State.ExitCode ? `, exit code ${info.State.ExitCode}` : ''}` : 'missing';
    return `pod ${name} is not ready: ${which} is not running (${state})${said ? `; it said: ${said}` : ''}`;
  }
  return undefined;
}

/** A check to `<node>:<nodePort>`: is kube-proxy's rule for that nodePort on that node? */
async function nodePortRule({ engine, lab, plan }: LabTarget, check: CheckSpec, ready: Map<string, boolean>): Promise<string | undefined> {
  const ref = check.to ? resolveEndpoint(lab, check.to) : undefined;
  if (!ref || 'error' in ref || ref.kind !== 'node' || ref.port === undefined) return undefined;
  const planned = planServices(
    lab.services,
    plan.pods.map((p) => ({
      pod: findNamed(lab.pods, p)!,
      ip: p.ip,
      node: p.node,
      ready: ready.get(`${p.namespace}/${p.name}`) ?? false,
    })),
    lab.topology.serviceCIDR,
  );
  const owner = planned.flatMap((s) => s.ports.map((p) => ({ s, p }))).find(({ p }) => p.nodePort === ref.port);
  if (!owner) return `no service has nodePort ${ref.port}, so nothing on ${ref.node.name} answers it`;
  if (!owner.p.endpoints.length) return `service ${owner.s.spec.namespace}/${owner.s.spec.name} (nodePort ${ref.port}) has no endpoints`;
  const node = plan.nodes.find((n) => n.name === ref.node.name)!;
  const rule = proxyModeDriver(lab.topology.proxyMode).nodePortRule;
  const r = await engine.exec(node.container.name, [...rule.command]);
  if (rule.present(r.stdout, ref.port)) return undefined;
  return `${node.name} has no kube-proxy rule for nodePort ${ref.port} (${rule.where} has none; kube-proxy's next sync, netlab sync, writes it again)`;
}

const selectedPods = (f: PathFacts, s: Pick<DnsServiceFacts, 'namespace' | 'selector'>) =>
  Object.keys(s.selector).length ? f.allPods.filter((p) => p.namespace === s.namespace && Object.entries(s.selector).every(([k, v]) => p.labels[k] === v)) : [];

/** Its pods are there and ready (then no endpoint means no matching port: the service's own sentence says so). */
function allSelectedReady(f: PathFacts, s: Pick<DnsServiceFacts, 'namespace' | 'selector'>): boolean {
  const selected = selectedPods(f, s);
  return selected.length > 0 && selected.every((p) => p.ready);
}

/** Which pods a Service's selector matches and whether they are ready (why it has no ready endpoints). */
function selection(f: PathFacts, s: Pick<DnsServiceFacts, 'namespace' | 'selector'>): string {
  const selector = labelsText(s.selector);
  const selected = selectedPods(f, s);
  if (!Object.keys(s.selector).length) return 'it has no selector';
  if (!selected.length) {
    const others = [...new Set(f.allPods.filter((p) => p.namespace === s.namespace).map((p) => labelsText(p.labels)))];
    return `its selector ${selector} matches no pod (pods in ${s.namespace} have ${others.join('; ') || 'none'})`;
  }
  return `its selector ${selector} matches ${selected.map((p) => `${p.name} (${p.ready ? 'ready' : 'not ready'})`).join(', ')}`;
}

const labelsText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'no labels';

/** The first broken hop on the path, as one sentence (pure). */
export function analyzePath(f: PathFacts, options: { dnsOnly?: boolean } = {}): string | undefined {
  const srcNode = f.source.node ? f.nodes.find((n) => n.name === f.source.node) : undefined;
  const srcPod = f.source.kind === 'pod' ? f.pods.find((p) => p.ip === f.source.ip) : undefined;

  // The source pod and its plumbing on its node.
  if (srcPod) {
    const broken = podSide(srcPod, srcNode, 'source') ?? nodeBridge(srcNode, srcPod);
    if (broken) return broken;
    const r = lookupRoute(srcPod.ns!.routes, f.target.ip);
    if (!r) return `pod ${srcPod.name} has no route to ${f.target.ip} (its table: ${srcPod.ns!.routes.map((x) => x.text).join('; ') || 'empty'})`;
    if (r.via && srcNode && r.via !== srcNode.bridgeIP)
      return `pod ${srcPod.name} sends ${f.target.ip} via ${r.via}, not via its node's cbr0 (${srcNode.bridgeIP})`;
  }

  // Names: the pod's resolver, CoreDNS, its answer.
  if (f.dns) {
    const ns = /^\s*nameserver\s+(\S+)/m.exec(f.dns.resolv ?? '')?.[1];
    if (f.dns.resolv !== undefined && ns !== f.dns.dnsIP)
      return `pod ${f.source.name}'s resolv.conf names ${ns ?? 'no nameserver'}, not the cluster DNS ${f.dns.dnsIP}`;
    if (!f.dns.corednsRunning) return `CoreDNS (kube-system/coredns) is not running, so nothing answers ${f.dns.dnsIP}`;
    const status = /status: ([A-Z]+)/.exec(f.dns.answer ?? '')?.[1];
    const answers = (f.dns.answer ?? '')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith(';'))
      .map((l) => l.trim().split(/\s+/).slice(4).join(' '));
    const svc = f.dns.service;
    if (status === 'NXDOMAIN' && svc && !svc.clusterIP && svc.endpoints === 0)
      return `CoreDNS answers NXDOMAIN for ${f.dns.name}, as it should: service ${svc.namespace}/${svc.name} is headless (clusterIP: None) and has no ready endpoints (${selection(f, svc)}), and a headless Service's name has records only for its ready pods`;
    if (status && status !== 'NOERROR') return `CoreDNS answered ${status} for ${f.dns.name}`;
    if (status && f.dns.expected && !answers.includes(f.dns.expected))
      return `CoreDNS answers ${f.dns.name} with ${answers.join(', ') || 'no address'}, but its cluster IP is ${f.dns.expected}`;
    if (status && svc?.clusterIP && svc.endpoints === 0 && !allSelectedReady(f, svc))
      return `${f.dns.name} resolves to ${svc.clusterIP} (the cluster IP of service ${svc.namespace}/${svc.name}), but the service has no ready endpoints: ${selection(f, svc)}`;
    if (status && options.dnsOnly) return undefined;
    if (!status && !options.dnsOnly && !f.service) return `no answer from the cluster DNS ${f.dns.dnsIP} for ${f.dns.name}`;
  }

  // The service: endpoints, kube-proxy's rule on the source's node, the target port.
  const s = f.service;
  let destinations: { pod?: PodFacts; ip: string; port?: number }[];
  if (s) {
    const svc = `service ${s.namespace}/${s.name}`;
    if (s.endpoints.length === 0) {
      const selected = f.allPods.filter((p) => p.namespace === s.namespace && Object.entries(s.selector).every(([k, v]) => p.labels[k] === v));
      if (selected.length && selected.every((p) => !p.ready))
        return `${svc} has no endpoints: its pods (${selected.map((p) => p.name).join(', ')}) are not ready`;
      if (selected.length) return `${svc} has no endpoints: no pod matching ${labelsText(s.selector)} has a port named ${s.targetPort}`;
      const others = [...new Set(f.allPods.filter((p) => p.namespace === s.namespace && p.namespace !== 'kube-system').map((p) => labelsText(p.labels)))];
      return `${svc} has no endpoints: no ready pod matches ${labelsText(s.selector)} (pods have ${others.join('; ') || 'none'})`;
    }
    // kube-proxy's rule for the cluster IP on the node whose rules the packet meets.
    const ruleNode = f.entry?.kind === 'cluster-ip' ? f.nodes.find((n) => n.name === f.entry!.node) : undefined;
    if (ruleNode) {
      const missing = ruleMissing(f, ruleNode);
      if (missing) return missing;
    }
    // Wrong targetPort: no endpoint pod listens on it.
    const read = s.endpoints.map((e) => ({ e, pod: f.pods.find((p) => p.ip === e.ip) })).filter((x) => x.pod?.ns?.listening);
    if (read.length && read.every((x) => !listensOn(x.pod!.ns!.listening!, s.protocol, x.e.port, x.e.ip))) {
      const first = read[0]!;
      return `${svc} sends port ${s.port} to targetPort ${first.e.port}, but nothing listens on ${first.e.port}/${s.protocol} in its pods (${read
        .map((x) => `${x.pod!.name} listens on ${describeListening(x.pod!.ns!.listening!)}`)
        .join('; ')})`;
    }
    destinations = s.endpoints.map((e) => ({ pod: f.pods.find((p) => p.ip === e.ip), ip: e.ip, port: e.port }));
  } else if (options.dnsOnly) {
    return undefined;
  } else {
    destinations = [
      { pod: f.target.pod ? f.pods.find((p) => `pod:${p.namespace}/${p.name}` === f.target.pod) : undefined, ip: f.target.ip, port: f.target.port },
    ];
  }

  // Each destination: there (routes, bridge, pod, socket) and back.
  const start = f.source.kind === 'router' ? 'router' : srcNode ? nodeLabel(srcNode.name) : undefined;
  for (const d of destinations) {
    if (!start) break;
    const there = walkRoutes(f, start, d.ip);
    if (there.error) return there.error;
    if (d.pod) {
      const node = f.nodes.find((n) => n.name === d.pod!.node);
      const broken = nodeBridge(node, d.pod) ?? podSide(d.pod, node, 'destination');
      if (broken) return broken;
      if (d.port !== undefined && f.target.proto !== 'icmp' && d.pod.ns?.listening && !listensOn(d.pod.ns.listening, f.target.proto, d.port, d.ip)) {
        return `nothing listens on ${d.ip}:${d.port} in pod ${d.pod.name} (listening: ${describeListening(d.pod.ns.listening)})`;
      }
      // The answer's way back to the source.
      if (f.source.ip && node) {
        const back = lookupRoute(d.pod.ns!.routes, f.source.ip);
        if (!back) return `pod ${d.pod.name} has no route back to ${f.source.ip} (its table: ${d.pod.ns!.routes.map((x) => x.text).join('; ') || 'empty'})`;
        if (!(srcNode && srcNode.name === node.name)) {
          const ret = walkRoutes(f, nodeLabel(node.name), f.source.ip);
          if (ret.error) return `the answer cannot come back: ${ret.error}`;
        }
      }
    } else if (f.target.node && d.port !== undefined && f.target.proto !== 'icmp') {
      const node = f.nodes.find((n) => n.name === f.target.node);
      const listening = node?.ns?.listening;
      if (listening && !listensOn(listening, f.target.proto, d.port, d.ip))
        return `nothing listens on ${d.ip}:${d.port} on node ${node!.name} (listening: ${describeListening(listening)})`;
    }
  }
  return undefined;
}

/** The pod's own end: running, eth0 up with its IP, default route via its node's cbr0. */
function podSide(pod: PodFacts, node: NodeFacts | undefined, role: 'source' | 'destination'): string | undefined {
  if (!pod.running || !pod.ns) return `${role} pod ${pod.name} is not running`;
  const eth0 = pod.ns.links.find((l) => l.name === 'eth0');
  if (!eth0) return `pod ${pod.name} has no eth0 (links: ${pod.ns.links.map((l) => l.name).join(', ')})`;
  if (!eth0.up || eth0.state === 'DOWN') return `eth0 in pod ${pod.name} is down`;
  const addr = pod.ns.addrs.find((a) => a.dev === 'eth0');
  if (!addr || addr.ip !== pod.ip) return `eth0 in pod ${pod.name} has ${addr ? `${addr.ip}/${addr.prefix}` : 'no address'}, not its IP ${pod.ip}`;
  const def = pod.ns.routes.find((r) => r.dst === 'default');
  if (!def) return `pod ${pod.name} has no default route (its table: ${pod.ns.routes.map((r) => r.text).join('; ') || 'empty'})`;
  if (node && def.via !== node.bridgeIP) return `pod ${pod.name}'s default route is via ${def.via ?? def.dev}, not its node's cbr0 (${node.bridgeIP})`;
  return undefined;
}

/** The node's end of a pod: cbr0 up with the bridge IP, the pod's veth up and on cbr0. */
function nodeBridge(node: NodeFacts | undefined, pod: PodFacts): string | undefined {
  if (!node) return undefined;
  if (!node.running || !node.ns) return `node ${node.name} is not running`;
  const cbr0 = node.ns.links.find((l) => l.name === 'cbr0');
  if (!cbr0) return `node ${node.name} has no cbr0 bridge`;
  if (!cbr0.up) return `cbr0 on node ${node.name} is down`;
  const addr = node.ns.addrs.find((a) => a.dev === 'cbr0');
  if (!addr || addr.ip !== node.bridgeIP) return `cbr0 on node ${node.name} has ${addr ? addr.ip : 'no address'}, not the pods' gateway ${node.bridgeIP}`;
  const peer = pod.ns?.links.find((l) => l.name === 'eth0')?.peerIndex;
  if (peer === undefined) return undefined;
  const veth = node.ns.links.find((l) => l.index === peer);
  if (!veth) return `pod ${pod.name}'s veth (ifindex ${peer}) is missing on node ${node.name}`;
  if (!veth.up || veth.state === 'DOWN') return `pod ${pod.name}'s veth ${veth.name} on node ${node.name} is down`;
  if (veth.master !== 'cbr0')
    return `pod ${pod.name}'s veth ${veth.name} on node ${node.name} is not attached to cbr0 (${veth.master ? `master ${veth.master}` : 'no master'})`;
  return undefined;
}

/** Whether kube-proxy's rule for the cluster IP:port is on the source's node (the mode's driver judges its own rules). */
function ruleMissing(f: PathFacts, node: NodeFacts): string | undefined {
  return proxyModeDriver(f.mode).serviceRuleMissing(f, f.service!, node.name, f.lab);
}
