// Mermaid flowchart: the router on the underlay, a subgraph per node with its pods, services
// pointing (dotted) at their endpoint pods.
import { podLabel, type LabGraph } from './model.js';

export function graphId(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

function label(...lines: string[]): string {
  return `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;
}

export function podId(namespace: string, name: string): string {
  return graphId('pod', namespace, name);
}

export function serviceId(namespace: string, name: string): string {
  return graphId('svc', namespace, name);
}

/** The endpoint's pod id, found by IP. */
function endpointPodId(graph: LabGraph, ip: string): string | undefined {
  for (const n of graph.nodes) for (const p of n.pods) if (p.ip === ip) return podId(p.namespace, p.name);
  return undefined;
}

export function toMermaid(graph: LabGraph): string {
  const out: string[] = ['flowchart TB'];
  out.push(`  %% lab ${graph.lab}${graph.planned ? ' (planned: not up)' : ''}`);
  out.push(`  underlay[/${label(`underlay ${graph.underlay.subnet}`, graph.underlay.name)}/]`);
  if (graph.router) {
    out.push(`  router[${label('router', graph.router.ip, ...graph.router.routes.map((r) => `${r.dst} via ${r.via}`))}]`);
    out.push('  router --- underlay');
  }
  if (graph.external) {
    out.push(`  external([${label('external client', graph.external.ip)}])`);
    out.push('  external --- underlay');
  }
  for (const n of graph.nodes) {
    const nid = graphId('node', n.name);
    out.push(`  subgraph ${nid}[${label(`${n.name} ${n.ip}`)}]`);
    out.push(`    ${graphId('cbr0', n.name)}[${label(`cbr0 ${n.bridgeIP}`, `pods ${n.podCIDR}`)}]`);
    for (const p of n.pods) {
      const mark = p.ready === undefined ? '' : p.ready ? ' ✔' : ' ✖';
      out.push(`    ${podId(p.namespace, p.name)}(${label(`${podLabel(p)}${mark}`, p.ip)})`);
    }
    out.push('  end');
    out.push(`  underlay --- ${graphId('cbr0', n.name)}`);
    for (const p of n.pods) out.push(`  ${graphId('cbr0', n.name)} --- ${podId(p.namespace, p.name)}`);
  }
  if (graph.impaired?.length) {
    out.push(`  impaired>${label('impaired', ...graph.impaired.flatMap((i) => i.lines.map((l) => `${i.part} ${l}`)))}]`);
  }
  for (const s of graph.services) {
    const sid = serviceId(s.namespace, s.name);
    out.push(`  ${sid}{{${label(`svc ${podLabel(s)}`, s.clusterIP ?? 'headless', ...s.ports)}}}`);
    for (const e of s.endpoints) {
      const target = endpointPodId(graph, e.ip);
      if (target) out.push(`  ${sid} -.->|${e.ports.join(',')}| ${target}`);
    }
  }
  return `${out.join('\n')}\n`;
}
