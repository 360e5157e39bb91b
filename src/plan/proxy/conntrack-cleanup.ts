// kube-proxy's housekeeping after each sync (pkg/proxy/conntrack CleanStaleEntries): UDP has no
// connection to close, so a conntrack entry keeps sending a flow to the pod it was first DNATed
// to, gone or not. Every UDP conntrack entry addressed to a service frontend (cluster IP:port,
// load-balancer IP:port, or the nodePort on any address) whose reply comes from no serving
// endpoint is deleted. That covers both of upstream's cases: an endpoint that went away, and a
// service that gains its first endpoint (its earlier entries were never DNATed: the reply source
// is the service IP itself). Services with no endpoints are left alone. Traffic policies play
// no part, as upstream. Pure: the entries come from `conntrack -L`, the deletions go out as argv.
import type { AgentStep, NamespaceRef } from '../../core/toolbox-request.js';
import type { ServicePortState } from './types.js';

/** One UDP conntrack entry as `conntrack -L` prints it: its original tuple and its reply's source. */
export interface UdpFlow {
  origSrc: string;
  origDst: string;
  origSport: number;
  origDport: number;
  replySrc: string;
}

/** A deletion, as upstream's filters: by service IP and port, or by nodePort alone; always by the reply's source. */
export type StaleFlowFilter = { origDst: string; origDport: number; replySrc: string } | { origDport: number; replySrc: string; nodePort: true };

/** The UDP entries in `conntrack -L` output (other protocols and lines that are not entries are skipped). */
export function parseUdpFlows(listing: string): UdpFlow[] {
  const flows: UdpFlow[] = [];
  for (const line of listing.split('\n')) {
    if (!/^\s*udp\s/.test(line)) continue;
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dst = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    const sport = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    const dport = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dst.length < 1 || sport.length < 1 || dport.length < 1) continue;
    flows.push({ origSrc: src[0]!, origDst: dst[0]!, origSport: sport[0]!, origDport: dport[0]!, replySrc: src[1]! });
  }
  return flows;
}

/** The UDP service ports with at least one endpoint: their frontends and the endpoint IPs they may reply from. */
function frontends(services: readonly ServicePortState[]) {
  const byAddress = new Map<string, Set<string>>();
  const byNodePort = new Map<number, Set<string>>();
  for (const s of services) {
    if (s.protocol !== 'UDP' || s.endpoints.length === 0) continue;
    const ips = new Set(s.endpoints.map((e) => e.ip));
    for (const ip of [s.clusterIP, ...(s.loadBalancerIPs ?? [])]) byAddress.set(`${ip}:${s.port}`, ips);
    if (s.nodePort) byNodePort.set(s.nodePort, ips);
  }
  return { byAddress, byNodePort };
}

/** Which entries kube-proxy would delete: one filter per stale (frontend, reply source), in the listing's order. */
export function staleUdpFilters(services: readonly ServicePortState[], flows: readonly UdpFlow[]): StaleFlowFilter[] {
  const { byAddress, byNodePort } = frontends(services);
  const filters = new Map<string, StaleFlowFilter>();
  for (const f of flows) {
    const serving = byAddress.get(`${f.origDst}:${f.origDport}`);
    if (serving && !serving.has(f.replySrc))
      filters.set(`ip ${f.origDst}:${f.origDport} ${f.replySrc}`, { origDst: f.origDst, origDport: f.origDport, replySrc: f.replySrc });
    const viaNodePort = byNodePort.get(f.origDport);
    if (viaNodePort && !viaNodePort.has(f.replySrc))
      filters.set(`nodeport ${f.origDport} ${f.replySrc}`, { origDport: f.origDport, replySrc: f.replySrc, nodePort: true });
  }
  return [...filters.values()];
}

/** Whether a sync has anything to reconcile (a lab without UDP services skips the listing). */
export function hasUdpServices(services: readonly ServicePortState[]): boolean {
  return services.some((s) => s.protocol === 'UDP');
}

/** Lists a node's UDP entries. */
export function listUdpFlowsStep(node: NamespaceRef): AgentStep {
  return { argv: ['conntrack', '-L', '-p', 'udp'], netns: node };
}

/** Deletes the entries of one filter in a node (exit 1 when none are left: another sync or their timeout came first). */
export function deleteStaleFlowsStep(node: NamespaceRef, f: StaleFlowFilter): AgentStep {
  const where = 'nodePort' in f ? ['--orig-port-dst', `${f.origDport}`] : ['--orig-dst', f.origDst, '--orig-port-dst', `${f.origDport}`];
  return { argv: ['conntrack', '-D', '-p', 'udp', ...where, '--reply-src', f.replySrc], netns: node };
}
