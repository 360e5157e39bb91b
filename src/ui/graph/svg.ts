// A self-made SVG layout: nodes side by side with their pods inside, the router above the
// underlay line, services below with lines up to their endpoint pods. Valid standalone XML.
import { podLabel, type LabGraph } from './model.js';

const NODE_W = 230;
const GAP = 40;
const POD_H = 34;
const POD_GAP = 8;
const MARGIN = 20;
const SVC_W = 210;
const LINE = 14;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function text(x: number, y: number, lines: string[], attrs = ''): string {
  return lines.map((l, i) => `<text x="${x}" y="${y + i * LINE}"${attrs ? ` ${attrs}` : ''}>${xmlEscape(l)}</text>`).join('');
}

export function toSvg(graph: LabGraph): string {
  const out: string[] = [];
  const columns = graph.nodes.length + (graph.external ? 1 : 0);
  const width = Math.max(MARGIN * 2 + columns * NODE_W + (columns - 1) * GAP, 500);
  let y = MARGIN;
  out.push(
    text(
      MARGIN,
      y + 10,
      [`lab ${graph.lab}${graph.planned ? ' (planned: not up)' : ''}${graph.proxyMode ? ` · kube-proxy ${graph.proxyMode}` : ''}`],
      'class="title"',
    ),
  );
  y += 30;

  // The router, centred above the underlay.
  let busY = y + 20;
  if (graph.router) {
    const lines = ['router', graph.router.ip, ...graph.router.routes.map((r) => `${r.dst} via ${r.via}`)];
    const h = 12 + lines.length * LINE;
    const x = width / 2 - 110;
    out.push(`<rect class="router" x="${x}" y="${y}" width="220" height="${h}" rx="6"/>`);
    out.push(text(x + 10, y + 16, lines));
    busY = y + h + 30;
    out.push(`<line class="link" x1="${width / 2}" y1="${y + h}" x2="${width / 2}" y2="${busY}"/>`);
  }
  out.push(`<line class="underlay" x1="${MARGIN}" y1="${busY}" x2="${width - MARGIN}" y2="${busY}"/>`);
  out.push(text(MARGIN, busY - 6, [`underlay ${graph.underlay.subnet} (${graph.underlay.name})`], 'class="small"'));

  // Nodes side by side, pods inside; remember where each pod sits for the service lines.
  const top = busY + 30;
  const podAt = new Map<string, { x: number; y: number }>();
  let bottom = top;
  graph.nodes.forEach((n, i) => {
    const x = MARGIN + i * (NODE_W + GAP);
    const h = 56 + n.pods.length * (POD_H + POD_GAP);
    out.push(`<line class="link" x1="${x + NODE_W / 2}" y1="${busY}" x2="${x + NODE_W / 2}" y2="${top}"/>`);
    out.push(`<rect class="node" x="${x}" y="${top}" width="${NODE_W}" height="${h}" rx="8"/>`);
    out.push(text(x + 10, top + 16, [`${n.name}  ${n.ip}`], 'class="bold"'));
    out.push(text(x + 10, top + 32, [`cbr0 ${n.bridgeIP}  pods ${n.podCIDR}`], 'class="small"'));
    n.pods.forEach((p, j) => {
      const py = top + 46 + j * (POD_H + POD_GAP);
      const state = p.ready === undefined ? 'pod' : p.ready ? 'pod ready' : 'pod notready';
      out.push(`<rect class="${state}" x="${x + 10}" y="${py}" width="${NODE_W - 20}" height="${POD_H}" rx="5"/>`);
      out.push(text(x + 18, py + 14, [podLabel(p), p.ip]));
      podAt.set(p.ip, { x: x + NODE_W / 2, y: py + POD_H });
    });
    bottom = Math.max(bottom, top + h);
  });
  if (graph.external) {
    const x = MARGIN + graph.nodes.length * (NODE_W + GAP);
    out.push(`<line class="link" x1="${x + NODE_W / 2}" y1="${busY}" x2="${x + NODE_W / 2}" y2="${top}"/>`);
    out.push(`<rect class="external" x="${x}" y="${top}" width="${NODE_W}" height="40" rx="20"/>`);
    out.push(text(x + 20, top + 16, ['external client', graph.external.ip]));
    bottom = Math.max(bottom, top + 40);
  }

  // Services in rows below, each with lines up to its endpoint pods.
  const svcTop = bottom + 60;
  const perRow = Math.max(1, Math.floor((width - MARGIN * 2 + GAP) / (SVC_W + GAP)));
  let end = svcTop;
  graph.services.forEach((s, i) => {
    const x = MARGIN + (i % perRow) * (SVC_W + GAP);
    const sy = svcTop + Math.floor(i / perRow) * 90;
    const lines = [`svc ${podLabel(s)}`, s.clusterIP ?? 'headless', ...s.ports];
    const h = 10 + lines.length * LINE;
    for (const e of s.endpoints) {
      const p = podAt.get(e.ip);
      if (p) out.push(`<line class="endpoint" x1="${x + SVC_W / 2}" y1="${sy}" x2="${p.x}" y2="${p.y}"/>`);
    }
    out.push(`<rect class="service" x="${x}" y="${sy}" width="${SVC_W}" height="${h}" rx="4"/>`);
    out.push(text(x + 10, sy + 15, lines));
    end = Math.max(end, sy + h);
  });
  const height = end + MARGIN;
  const style = [
    'text{font-family:monospace;font-size:11px;fill:#222}',
    '.title{font-size:14px;font-weight:bold}.bold{font-weight:bold}.small{font-size:10px;fill:#555}',
    'rect{stroke:#444;stroke-width:1}.router{fill:#fde7c8}.node{fill:#eef3fb}.external{fill:#f2f2f2}.service{fill:#efe3fb}',
    '.pod{fill:#fff}.ready{fill:#e6f6e6}.notready{fill:#fbe3e3}',
    '.link{stroke:#444;stroke-width:1.5}.underlay{stroke:#222;stroke-width:3}.endpoint{stroke:#8a5cc2;stroke-dasharray:4 3}',
  ].join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${xmlEscape(`netlab lab ${graph.lab}`)}</title>`,
    `<style>${style}</style>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff" stroke="none"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
