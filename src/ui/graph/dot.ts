// Graphviz DOT: a cluster per node (cbr0 and its pods), the router and external client on the
// underlay, services with dashed edges to their endpoint pods.
import { graphId, podId, serviceId } from './mermaid.js';
import { podLabel, type LabGraph } from './model.js';

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function lines(...parts: string[]): string {
  return q(parts.join('\n')).replace(/\n/g, '\\n');
}

export function toDot(graph: LabGraph): string {
  const out: string[] = [`graph ${q(graph.lab)} {`];
  out.push(`  label=${q(`lab ${graph.lab}${graph.planned ? ' (planned: not up)' : ''}`)};`);
  out.push('  labelloc=t; rankdir=TB; compound=true;');
  out.push('  node [fontname="monospace", fontsize=10, shape=box, style=rounded];');
  out.push(`  underlay [shape=underline, label=${lines(`underlay ${graph.underlay.subnet}`, graph.underlay.name)}];`);
  if (graph.router) {
    out.push(`  router [shape=box3d, label=${lines('router', graph.router.ip, ...graph.router.routes.map((r) => `${r.dst} via ${r.via}`))}];`);
    out.push('  router -- underlay;');
  }
  if (graph.external) {
    out.push(`  external [shape=ellipse, label=${lines('external client', graph.external.ip)}];`);
    out.push('  external -- underlay;');
  }
  for (const n of graph.nodes) {
    const cbr = graphId('cbr0', n.name);
    out.push(`  subgraph ${graphId('cluster', n.name)} {`);
    out.push(`    label=${q(`${n.name} ${n.ip}`)}; style=rounded;`);
    out.push(`    ${cbr} [shape=box, label=${lines(`cbr0 ${n.bridgeIP}`, `pods ${n.podCIDR}`)}];`);
    for (const p of n.pods) {
      const mark = p.ready === undefined ? '' : p.ready ? ' (ready)' : ' (not ready)';
      out.push(`    ${podId(p.namespace, p.name)} [label=${lines(`${podLabel(p)}${mark}`, p.ip)}];`);
    }
    out.push('  }');
    out.push(`  underlay -- ${cbr};`);
    for (const p of n.pods) out.push(`  ${cbr} -- ${podId(p.namespace, p.name)};`);
  }
  if (graph.impaired?.length) {
    out.push(`  impaired [shape=note, label=${lines('impaired', ...graph.impaired.flatMap((i) => i.lines.map((l) => `${i.part} ${l}`)))}];`);
  }
  const byIP = new Map(graph.nodes.flatMap((n) => n.pods.map((p) => [p.ip, podId(p.namespace, p.name)] as const)));
  for (const s of graph.services) {
    const sid = serviceId(s.namespace, s.name);
    out.push(`  ${sid} [shape=hexagon, label=${lines(`svc ${podLabel(s)}`, s.clusterIP ?? 'headless', ...s.ports)}];`);
    for (const e of s.endpoints) {
      const target = byIP.get(e.ip);
      if (target) out.push(`  ${sid} -- ${target} [style=dashed, dir=forward, label=${q(e.ports.join(','))}];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
