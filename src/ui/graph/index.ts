// Pictures of a lab: the graph model and its renderers (text, Mermaid, DOT, SVG). Pure.
export * from './model.js';
export { toText, type TextOptions } from './text.js';
export { toMermaid } from './mermaid.js';
export { toDot } from './dot.js';
export { toSvg } from './svg.js';
import type { LabGraph } from './model.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import { toSvg } from './svg.js';
import { toText } from './text.js';

export const GRAPH_FORMATS = ['text', 'mermaid', 'dot', 'svg'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export function renderGraph(graph: LabGraph, format: GraphFormat): string {
  switch (format) {
    case 'text':
      return toText(graph);
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(graph);
    case 'svg':
      return toSvg(graph);
  }
}
