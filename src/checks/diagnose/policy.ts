// A check that failed because a NetworkPolicy drops its packets: which policy, at which pod,
// in which direction. Judged from the lab's policies and pods with the policy engine's own
// verdict (src/plan/policy/compile.ts), the same planning that wrote the nodes' rules. Pure.
import { findNamed } from '../../core/names.js';
import type { Lab } from '../../labfile/model.js';
import { type DirectionVerdict, type Packet, packetVerdict } from '../../plan/policy/compile.js';
import { policyInput } from '../../plan/policy/input.js';
import type { PolicyInput } from '../../plan/policy/types.js';
import type { LabPlan } from '../../plan/types.js';
import type { ProxyMode } from '../../core/proxy-modes.js';
import type { ProxyHop } from '../../plan/proxy/driver.js';
import { planNodePolicies } from '../../plan/policy/compile.js';
import { policyRestore, ruleTitle } from '../../plan/policy/iptables.js';
import { policyScript } from '../../plan/policy/nftables.js';
import { policyFamily } from '../../plan/policy/sync.js';
import type { PathFacts, Proto } from './path.js';

export function labPolicyInput(lab: Lab, plan: Pick<LabPlan, 'pods'>): PolicyInput {
  const sources = plan.pods.flatMap((p) => {
    const pod = findNamed(lab.pods, p);
    return pod ? [{ pod, ip: p.ip, node: p.node }] : [];
  });
  return policyInput(lab, sources);
}

/** The direction and policies that drop a packet (undefined: none does). */
export function policyDrop(input: PolicyInput, packet: Packet): Extract<DirectionVerdict, { allowed: false }> | undefined {
  return packetVerdict(input, packet).find((v): v is Extract<DirectionVerdict, { allowed: false }> => v.selected && !v.allowed);
}

const podAt = (input: PolicyInput, ip: string) => {
  const pod = input.pods.find((p) => p.ip === ip);
  return pod ? `pod ${pod.namespace}/${pod.name}` : ip;
};

/** One sentence for packets that one set of policies drops in one direction (several destinations of one service). */
function dropSentence(input: PolicyInput, packets: readonly Packet[], verdict: Extract<DirectionVerdict, { allowed: false }>): string {
  const egress = verdict.direction === 'egress';
  const first = packets[0]!;
  const selected = [...new Set(packets.map((p) => podAt(input, egress ? p.src : p.dst)))];
  const peers = [...new Set(packets.map((p) => (egress ? p.dst : p.src)))].map((ip) => {
    const pod = input.pods.find((p) => p.ip === ip);
    return `${ip}${pod ? ` (pod ${pod.namespace}/${pod.name})` : ''}`;
  });
  const many = verdict.policies.length > 1;
  const what = `${first.protocol}${first.port === undefined ? '' : ` port ${first.port}`}`;
  return `NetworkPolicy ${verdict.policies.join(', ')} ${many ? 'select' : 'selects'} ${selected.join(', ').replace(/, pod /g, ', ')} for ${verdict.direction}, and no rule of ${many ? 'them' : 'it'} allows ${what} ${egress ? 'to' : 'from'} ${peers.join(', ')}: the default deny drops it`;
}

/** Whether the lab's policies drop every way the check's packets could go (each endpoint of a service), and which. */
export function policyDiagnosis(lab: Lab, plan: Pick<LabPlan, 'pods'>, f: PathFacts): string | undefined {
  if (!lab.networkPolicies?.length || !f.source.ip) return undefined;
  const input = labPolicyInput(lab, plan);
  const protocol = f.target.proto === 'icmp' ? 'ICMP' : f.target.proto === 'udp' ? 'UDP' : 'TCP';
  const destinations = f.service ? f.service.endpoints.map((e) => ({ ip: e.ip, port: e.port })) : [{ ip: f.target.ip, port: f.target.port }];
  if (!destinations.length) return undefined;
  const packets: Packet[] = destinations.map((d) => ({
    src: f.source.ip!,
    dst: d.ip,
    protocol,
    ...(protocol === 'ICMP' || d.port === undefined ? {} : { port: d.port }),
  }));
  const drops = packets.map((p) => ({ packet: p, verdict: policyDrop(input, p) }));
  if (drops.some((d) => d.verdict === undefined)) return undefined;
  const groups = new Map<string, { verdict: Extract<DirectionVerdict, { allowed: false }>; packets: Packet[] }>();
  for (const d of drops) {
    const key = `${d.verdict!.direction} ${d.verdict!.policies.join(',')}`;
    const g = groups.get(key) ?? { verdict: d.verdict!, packets: [] };
    g.packets.push(d.packet);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => dropSentence(input, g.packets, g.verdict)).join('; ');
}

/** One request's destination as explain knows it: its address and port, and its node. */
interface Destination {
  ip: string;
  port?: number;
}

/** The node's policy rules as the sync writes them (the mode family's text), one rule a line. */
function nodeRuleLines(input: PolicyInput, mode: ProxyMode, node: string): string[] {
  const plan = planNodePolicies(input, node);
  return (policyFamily(mode) === 'nftables' ? policyScript(plan, true) : policyRestore(plan)).split('\n');
}

/**
 * explain's hops through the policies: for each direction whose pod a policy selects, the rule
 * that accepted the packet or the default deny that dropped it, with the rule's lines as the
 * node has them. `destinations`: where the request may have gone (a service's endpoints;
 * the one that answered first when known).
 */
export function policyHops(lab: Lab, plan: Pick<LabPlan, 'pods'>, src: string | undefined, destinations: readonly Destination[], proto: Proto): ProxyHop[] {
  if (!lab.networkPolicies?.length || !src || !destinations.length) return [];
  const input = labPolicyInput(lab, plan);
  const protocol = proto === 'icmp' ? 'ICMP' : proto === 'udp' ? 'UDP' : 'TCP';
  const packets = destinations.map((d) => ({ src, dst: d.ip, protocol, ...(protocol === 'ICMP' || d.port === undefined ? {} : { port: d.port }) }) as Packet);
  // The packet a policy drops, if every way is dropped; else the first way.
  const dropped = packets.find((p) => policyDrop(input, p));
  const packet = packets.every((p) => policyDrop(input, p)) ? dropped! : packets.find((p) => !policyDrop(input, p))!;
  const hops: ProxyHop[] = [];
  for (const v of packetVerdict(input, packet)) {
    if (!v.selected) continue;
    const ip = v.direction === 'egress' ? packet.src : packet.dst;
    const pod = input.pods.find((p) => p.ip === ip)!;
    const title = `${pod.namespace}/${pod.name}`;
    const lines = nodeRuleLines(input, lab.topology.proxyMode, pod.node);
    const words = v.direction === 'egress' ? 'egress from' : 'ingress to';
    if (v.allowed) {
      const [namespace = '', policy = ''] = v.policy.split('/');
      const rule = ruleTitle({ namespace, policy, direction: v.direction }, v.rule);
      hops.push({
        hop: 'NetworkPolicy',
        where: pod.node,
        what: `${words} pod ${title}: accepted by ${rule} (NetworkPolicy ${v.policy})`,
        evidence: lines.filter((l) => l.includes(`"${rule}"`) || l.includes(`"${rule}:`)).slice(0, 6),
      });
    } else {
      const deny = `default deny ${words} ${title} (`;
      hops.push({
        hop: 'NetworkPolicy',
        where: pod.node,
        what: `${words} pod ${title}: dropped by the default deny, no rule of ${v.policies.join(', ')} allows it`,
        evidence: lines.filter((l) => l.includes(deny)),
      });
      break;
    }
  }
  return hops;
}
