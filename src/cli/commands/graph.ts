// `netlab graph <lab>`: a picture of a lab (text, Mermaid, DOT or SVG). A running lab is drawn as
// it runs (addresses, readiness, endpoints); a lab that is not up, from its file with planned addresses.
import { writeFile } from 'node:fs/promises';
import { connectEngine } from '../../cluster/connect.js';
import { impairedParts } from '../../cluster/impair.js';
import { plannedLab } from '../../cluster/planned.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { LabFileError, NetlabError } from '../../core/errors.js';
import { GRAPH_FORMATS, labGraph, readyPods, renderGraph, type GraphFormat, type LabGraph } from '../../ui/graph/index.js';

/** A running lab's picture now: pod readiness read from the engine, endpoints from ready pods. */
export async function liveGraph(running: RunningLab): Promise<LabGraph> {
  const [sources, impaired] = await Promise.all([running.podSources(), impairedParts(running)]);
  const graph = labGraph(running.plan, await running.services(sources), readyPods(sources), { proxyMode: running.lab.topology.proxyMode });
  return impaired.length ? { ...graph, impaired } : graph;
}

/** A lab file's picture as `up` would make it: every pod taken as ready. */
export async function plannedGraph(labArg: string): Promise<LabGraph> {
  const { lab, plan, services } = await plannedLab(labArg);
  return labGraph(plan, services, undefined, { proxyMode: lab.topology.proxyMode, planned: true });
}

function formatOf(format: string | undefined, output: string | undefined): GraphFormat {
  if (format === undefined) {
    const ext = output?.match(/\.(svg|dot|gv|mmd|mermaid)$/i)?.[1]?.toLowerCase();
    return ext === 'svg' ? 'svg' : ext === 'dot' || ext === 'gv' ? 'dot' : ext === 'mmd' || ext === 'mermaid' ? 'mermaid' : 'text';
  }
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) {
    throw new NetlabError(`Unknown graph format ${format}.`, { hint: `Use one of ${GRAPH_FORMATS.join(', ')}.`, exitCode: 2 });
  }
  return format as GraphFormat;
}

export async function graphCommand(labArg: string, opts: { format?: string; output?: string }): Promise<number> {
  const format = formatOf(opts.format, opts.output);
  let graph: LabGraph;
  try {
    graph = await liveGraph(await RunningLab.open(await connectEngine(), labArg));
  } catch (err) {
    // Not up (or no engine at all): draw it from its file. A broken lab file says so.
    if (err instanceof LabFileError) throw err;
    graph = await plannedGraph(labArg);
    process.stderr.write(`${graph.lab} is not up: planned addresses (underlay ${graph.underlay.subnet}); netlab up ${labArg} makes it real.\n`);
  }
  const text = renderGraph(graph, format);
  if (opts.output) {
    await writeFile(opts.output, text);
    process.stderr.write(`wrote ${opts.output} (${format}${graph.planned ? ', planned' : ''})\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
