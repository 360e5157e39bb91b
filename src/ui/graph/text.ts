// The terminal drawing: router on top, the underlay, nodes as boxes holding cbr0 and their pods,
// then the services with their endpoints. Box-drawing characters only; every glyph one column wide.
import { podLabel, type GraphPod, type LabGraph } from './model.js';

export interface TextOptions {
  /** List the services under the drawing (default true). */
  services?: boolean;
  /** Widest line wanted: nodes wrap onto more rows beyond it (default 160). */
  width?: number;
}

const GAP = 2;

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

function len(s: string): number {
  return [...s].length;
}

/** A box: title in the top border, lines inside; `joint` puts ┴ at the top middle. */
function box(title: string, lines: string[], joint: 'top' | 'bottom' | 'none'): string[] {
  const inner = Math.max(len(title) + 3, ...lines.map((l) => len(l) + 2), 12);
  const mid = Math.floor((inner + 2) / 2);
  const border = (left: string, right: string, fill: string, text?: string, j?: string) => {
    const chars = [...(left + (text ? `─ ${text} ` : '') + fill.repeat(inner - (text ? len(text) + 3 : 0)) + right)];
    if (j && chars[mid] === fill) chars[mid] = j;
    return chars.join('');
  };
  return [
    border('┌', '┐', '─', title, joint === 'top' ? '┴' : undefined),
    ...lines.map((l) => `│ ${pad(l, inner - 1)}│`),
    border('└', '┘', '─', undefined, joint === 'bottom' ? '┬' : undefined),
  ];
}

function mark(p: GraphPod): string {
  return p.ready === undefined ? '' : p.ready ? '✔ ' : '✖ ';
}

function nodeBox(graph: LabGraph, index: number): string[] {
  const n = graph.nodes[index]!;
  const nameW = Math.max(0, ...n.pods.map((p) => len(podLabel(p))));
  const lines = [`eth0 ${n.ip}`, `cbr0 ${n.bridgeIP}  pods ${n.podCIDR}`];
  n.pods.forEach((p, i) => {
    const last = i === n.pods.length - 1;
    lines.push(`${last ? '└─' : '├─'} ${mark(p)}${pad(podLabel(p), nameW)}  ${p.ip}`);
  });
  if (n.pods.length === 0) lines.push('(no pods)');
  return box(n.name, lines, 'top');
}

/** Boxes side by side, aligned at the top, padded to one height. */
function sideBySide(boxes: string[][]): string[] {
  const height = Math.max(...boxes.map((b) => b.length));
  const widths = boxes.map((b) => Math.max(...b.map(len)));
  const out: string[] = [];
  for (let row = 0; row < height; row++)
    out.push(
      boxes
        .map((b, i) => pad(b[row] ?? '', widths[i]!))
        .join(' '.repeat(GAP))
        .trimEnd(),
    );
  return out;
}

/** A row of boxes hung from the underlay: the bar with ┬ over each box's middle, then the boxes. */
function hungRow(boxes: string[][], barWidth: number, up?: number): string[] {
  const widths = boxes.map((b) => Math.max(...b.map(len)));
  const centers: number[] = [];
  let x = 0;
  for (const w of widths) {
    centers.push(x + Math.floor(w / 2));
    x += w + GAP;
  }
  const width = Math.max(barWidth, x - GAP);
  const bar = [...'─'.repeat(width)];
  for (const c of centers) bar[c] = '┬';
  if (up !== undefined) bar[up] = bar[up] === '┬' ? '┼' : '┴';
  const drops = [...' '.repeat(width)];
  for (const c of centers) drops[c] = '│';
  return [bar.join(''), drops.join('').trimEnd(), ...sideBySide(boxes)];
}

export function toText(graph: LabGraph, options: TextOptions = {}): string {
  const maxWidth = options.width ?? 160;
  const boxes = graph.nodes.map((_, i) => nodeBox(graph, i));
  if (graph.external) boxes.push(box('external', [`client ${graph.external.ip}`], 'top'));
  // Rows of boxes that fit the width.
  const rows: string[][][] = [];
  let current: string[][] = [];
  let used = 0;
  for (const b of boxes) {
    const w = Math.max(...b.map(len));
    if (current.length && used + GAP + w > maxWidth) {
      rows.push(current);
      current = [];
      used = 0;
    }
    used += (current.length ? GAP : 0) + w;
    current.push(b);
  }
  if (current.length) rows.push(current);
  const rowWidth = (r: string[][]) => r.reduce((s, b) => s + Math.max(...b.map(len)), 0) + GAP * (r.length - 1);
  const width = Math.max(...rows.map(rowWidth), 0);

  const lines: string[] = [];
  const title = `lab ${graph.lab}${graph.planned ? ' (planned: not up)' : ''}${graph.proxyMode ? `  kube-proxy ${graph.proxyMode}` : ''}`;
  lines.push(title, '');
  let up: number | undefined;
  if (graph.router) {
    const routes = graph.router.routes.map((r) => `${r.dst} via ${r.via}`);
    const r = box('router', [`eth0 ${graph.router.ip}`, ...routes], 'bottom');
    const w = Math.max(...r.map(len));
    const left = Math.max(0, Math.floor((width - w) / 2));
    for (const l of r) lines.push(' '.repeat(left) + l);
    up = left + Math.floor(w / 2);
    lines.push(`${' '.repeat(up)}│  underlay ${graph.underlay.subnet} (${graph.underlay.name}, gateway ${graph.underlay.gateway})`);
  } else {
    lines.push(`underlay ${graph.underlay.subnet} (${graph.underlay.name}, gateway ${graph.underlay.gateway}); nodes route pod CIDRs directly`);
  }
  rows.forEach((row, i) => {
    if (i > 0) lines.push('');
    lines.push(...hungRow(row, width, i === 0 ? up : undefined));
  });

  if (graph.impaired?.length) {
    lines.push('', 'impaired');
    for (const i of graph.impaired) for (const l of i.lines) lines.push(`  ${i.part} ${l}`);
  }
  if (options.services ?? true) {
    lines.push('', 'services');
    if (graph.services.length === 0) lines.push('  (none)');
    for (const s of graph.services) {
      lines.push(`  ${podLabel(s)}  ${s.clusterIP ?? 'headless'}  ${s.ports.join(', ')}${s.type !== 'ClusterIP' ? `  ${s.type}` : ''}`);
      if (s.endpoints.length === 0) lines.push('    └─ (no ready endpoints)');
      s.endpoints.forEach((e, i) => {
        lines.push(`    ${i === s.endpoints.length - 1 ? '└─' : '├─'}→ ${e.pod}  ${e.ip}:${e.ports.join(',')}${e.node ? `  on ${e.node}` : ''}`);
      });
    }
  }
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
