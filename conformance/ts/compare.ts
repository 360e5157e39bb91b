// netlab side of the upstream-conformance harness (see conformance/README.md).
//
//   node conformance/build/compare.mjs input LAB.yaml NODE OUT.json   -> the harness's JSON input
//   node conformance/build/compare.mjs netlab iptables|nftables IN.json -> netlab's generator output
//   node conformance/build/compare.mjs diff UPSTREAM.txt NETLAB.txt     -> sorted line diff, then per-chain rule order
//
// Bundled by scripts/conformance-compare.sh with esbuild; not part of dist/.

import { readFileSync, writeFileSync } from 'node:fs';
import { loadLab } from '../../src/labfile/load.js';
import { withAddons } from '../../src/plan/addons.js';
import { planLab } from '../../src/plan/plan.js';
import { planServices, proxyInput } from '../../src/plan/services.js';
import type { ImageRefs } from '../../src/plan/types.js';
import type { ProxyInput, ServicePortState } from '../../src/plan/proxy/types.js';
import { iptablesRestore } from '../../src/plan/proxy/iptables/rules.js';
import { nftablesScript } from '../../src/plan/proxy/nftables/rules.js';

const images: ImageRefs = {
  base: 'netlab/base:c',
  pause: 'netlab/pause:c',
  app: 'netlab/app:c',
  node: 'netlab/node:c',
  router: 'netlab/router:c',
  probe: 'netlab/probe:c',
  coredns: 'netlab/coredns:c',
};

/** The harness's input file: Kubernetes objects plus the node facts. */
interface HarnessInput {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR?: string;
  /** Overrides of upstream's fake proxier (see conformance/README.md); unset = the fake's values. */
  iptables?: { randomFully?: boolean; localhostNodePorts?: boolean; nfacct?: boolean };
  services: unknown[];
  endpointSlices: unknown[];
  /** netlab's own ProxyInput, so `netlab` mode generates from exactly the same data. */
  netlab: ProxyInput;
}

/** The lab planned offline (every pod ready), as kube-proxy on `node` would see it. */
async function labProxyInput(labFile: string, node: string): Promise<ProxyInput> {
  const lab = withAddons((await loadLab(labFile)).lab);
  const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
  const sources = plan.pods.map((p) => {
    const pod = lab.pods.find((s) => s.name === p.name && s.namespace === p.namespace);
    if (!pod) throw new Error(`planned pod ${p.namespace}/${p.name} not in the lab`);
    return { pod, ip: p.ip, node: p.node, ready: true };
  });
  const planned = planServices(lab.services, sources, lab.topology.serviceCIDR);
  const n = plan.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node ${node} (nodes: ${plan.nodes.map((x) => x.name).join(', ')})`);
  return proxyInput(planned, n.name, n.ip, lab.topology.clusterCIDR, lab.topology.serviceCIDR);
}

/** ProxyInput -> Services and EndpointSlices (one slice per service port and target port). */
export function toHarnessInput(input: ProxyInput): HarnessInput {
  const byService = new Map<string, ServicePortState[]>();
  for (const sp of input.services) {
    const key = `${sp.namespace}/${sp.service}`;
    byService.set(key, [...(byService.get(key) ?? []), sp]);
  }
  const services: unknown[] = [];
  const endpointSlices: unknown[] = [];
  for (const ports of byService.values()) {
    const first = ports[0]!;
    const nodePort = ports.some((p) => p.nodePort !== undefined);
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: first.namespace, name: first.service },
      spec: {
        type: nodePort ? 'NodePort' : 'ClusterIP',
        clusterIP: first.clusterIP,
        clusterIPs: [first.clusterIP],
        ipFamilies: ['IPv4'],
        ports: ports.map((p) => ({
          ...(p.portName ? { name: p.portName } : {}),
          protocol: p.protocol,
          port: p.port,
          ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
        })),
        ...(nodePort ? { externalTrafficPolicy: 'Cluster' } : {}),
        sessionAffinity: first.affinitySeconds !== undefined ? 'ClientIP' : 'None',
        ...(first.affinitySeconds !== undefined ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: first.affinitySeconds } } } : {}),
      },
    });
    let slice = 0;
    for (const p of ports) {
      const byTarget = new Map<number, typeof p.endpoints>();
      for (const e of p.endpoints) byTarget.set(e.port, [...(byTarget.get(e.port) ?? []), e]);
      for (const [target, eps] of byTarget) {
        endpointSlices.push({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            namespace: first.namespace,
            name: `${first.service}-${slice++}`,
            labels: { 'kubernetes.io/service-name': first.service },
          },
          addressType: 'IPv4',
          ports: [{ name: p.portName, protocol: p.protocol, port: target }],
          endpoints: eps.map((e) => ({
            addresses: [e.ip],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: e.node,
          })),
        });
      }
    }
  }
  return {
    nodeName: input.node,
    nodeIP: input.nodeIP,
    clusterCIDR: input.clusterCIDR,
    ...(input.serviceCIDR ? { serviceCIDR: input.serviceCIDR } : {}),
    services,
    endpointSlices,
    netlab: input,
  };
}

/** Lines only upstream has ("- "), lines only netlab has ("+ "); both sorted, multiplicity kept. */
export function sortedLineDiff(upstream: string, netlab: string): string[] {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const l of text.split('\n')) if (l.trim() !== '') m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const u = count(upstream);
  const n = count(netlab);
  const out: string[] = [];
  for (const [l, c] of [...u].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) for (let i = 0; i < c - (n.get(l) ?? 0); i++) out.push(`- ${l}`);
  for (const [l, c] of [...n].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) for (let i = 0; i < c - (u.get(l) ?? 0); i++) out.push(`+ ${l}`);
  return out;
}

/** Rules of one chain: iptables-restore "-A CHAIN ...", nft "add rule FAMILY TABLE CHAIN ...". */
function chainOf(line: string): string | undefined {
  return /^-A (\S+) /.exec(line)?.[1] ?? /^add rule \S+ \S+ (\S+) /.exec(line)?.[1];
}

/**
 * iptables chains whose per-service rules upstream writes while iterating a Go map
 * (svcPortMap): their order between services changes from run to run and means nothing.
 */
const MAP_ORDERED_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL']);

/** A rule that belongs to one service: its comment starts with "ns/name". */
const isServiceRule = (line: string): boolean => /--comment "?[a-z0-9-]+\/[a-z0-9.-]+/.test(line);

/** In a map-ordered chain, each run of consecutive per-service rules is sorted; the rest keep their places. */
function normalizeOrder(chain: string, lines: string[]): string[] {
  if (!MAP_ORDERED_CHAINS.has(chain)) return lines;
  const out: string[] = [];
  let run: string[] = [];
  for (const l of lines) {
    if (isServiceRule(l)) run.push(l);
    else {
      out.push(...run.sort(), l);
      run = [];
    }
  }
  return [...out, ...run.sort()];
}

/** Chains whose rules both sides have, in a different order (the sorted diff cannot see that). */
export function chainOrderDiffs(upstream: string, netlab: string): string[] {
  const byChain = (text: string) => {
    const m = new Map<string, string[]>();
    for (const l of text.split('\n')) {
      const c = chainOf(l);
      if (c) m.set(c, [...(m.get(c) ?? []), l]);
    }
    for (const [c, ls] of m) m.set(c, normalizeOrder(c, ls));
    return m;
  };
  const u = byChain(upstream);
  const n = byChain(netlab);
  const out: string[] = [];
  for (const [chain, ul] of [...u].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const nl = n.get(chain) ?? [];
    const shared = new Set(nl);
    const us = ul.filter((l) => shared.has(l));
    const inU = new Set(ul);
    const ns = nl.filter((l) => inU.has(l));
    if (us.join('\n') !== ns.join('\n')) out.push(`order differs in chain ${chain}`);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, a, b, c] = argv;
  if (cmd === 'input' && a && b && c) {
    const harness = toHarnessInput(await labProxyInput(a, b));
    // ALIGN=1: give upstream the iptables setup netlab's generator always assumes, so only
    // generator differences are left.
    if (process.env.ALIGN === '1') harness.iptables = { randomFully: true, localhostNodePorts: false, nfacct: false };
    writeFileSync(c, `${JSON.stringify(harness, null, 2)}\n`);
    return 0;
  }
  if (cmd === 'netlab' && (a === 'iptables' || a === 'nftables') && b) {
    const input = (JSON.parse(readFileSync(b, 'utf8')) as HarnessInput).netlab;
    process.stdout.write(a === 'iptables' ? iptablesRestore(input) : nftablesScript(input));
    return 0;
  }
  if (cmd === 'diff' && a && b) {
    const upstream = readFileSync(a, 'utf8');
    const netlab = readFileSync(b, 'utf8');
    const lines = [...sortedLineDiff(upstream, netlab), ...chainOrderDiffs(upstream, netlab)];
    process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
    return 0;
  }
  process.stderr.write('usage: compare input LAB.yaml NODE OUT.json | netlab iptables|nftables IN.json | diff UPSTREAM NETLAB\n');
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
