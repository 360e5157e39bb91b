// A UDP check sent from a fixed source port is one flow, and conntrack decides where it goes:
// when the source node's entry for it still names a pod that is no endpoint any more (kube-proxy
// missed its housekeeping), every datagram goes there, whatever the rules say. Read on the
// source's node with one `conntrack -L` for that flow; the sentence is pure.
import { rawStepsRequest } from '../../core/toolbox-request.js';
import type { CheckSpec } from '../../labfile/model.js';
import { parseUdpFlows, type UdpFlow } from '../../plan/proxy/conntrack-cleanup.js';
import type { LabTarget } from '../target.js';
import type { PathFacts, ServiceFacts } from './path.js';

/** The stale entry that carries a failed UDP check's flow, said in one sentence (undefined: none). */
export async function staleUdpFlow({ engine, toolbox, plan }: LabTarget, check: CheckSpec, facts: PathFacts): Promise<string | undefined> {
  const s = facts.service;
  const { ip, node } = facts.source;
  if (s?.protocol !== 'udp' || check.sourcePort === undefined || !ip || !node) return undefined;
  const container = plan.nodes.find((n) => n.name === node)?.container.name;
  const info = container ? await engine.inspectContainer(container) : undefined;
  if (!info?.State.Running) return undefined;
  const argv: ['conntrack', ...string[]] = ['conntrack', '-L', '-p', 'udp', '--orig-src', ip, '--orig-dst', s.clusterIP];
  argv.push('--orig-port-src', `${check.sourcePort}`, '--orig-port-dst', `${s.port}`);
  const [listed] = await toolbox.run(rawStepsRequest('reading the flow in conntrack', [{ argv, netns: { pid: info.State.Pid, container: info.Id } }]));
  const flow = listed?.exitCode === 0 ? parseUdpFlows(listed.stdout)[0] : undefined;
  return flow && staleFlowSentence(s, flow, node);
}

/** Why the flow goes nowhere: its entry sends it to an address that is no endpoint (undefined: the entry is fine). */
export function staleFlowSentence(s: Pick<ServiceFacts, 'namespace' | 'name' | 'endpoints'>, flow: UdpFlow, node: string): string | undefined {
  if (s.endpoints.some((e) => e.ip === flow.replySrc)) return undefined;
  const endpoints = s.endpoints.map((e) => `${e.ip}:${e.port}`).join(', ') || 'none';
  return (
    `a stale conntrack entry on ${node} sends the UDP flow ${flow.origSrc}:${flow.origSport} → ${flow.origDst}:${flow.origDport} to ${flow.replySrc}, ` +
    `which is no endpoint of service ${s.namespace}/${s.name} (endpoints: ${endpoints}); conntrack -L -p udp on ${node} shows it, and kube-proxy deletes such entries after a sync`
  );
}
