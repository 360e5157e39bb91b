// `netlab graph <lab>`: a picture of a lab (text, Mermaid, DOT or SVG). A running lab is drawn as
// it runs (addresses, readiness, endpoints); a lab that is not up, from its file with planned addresses.
import { writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { GRAPH_FORMATS, labGraph, readyPods, renderGraph, type GraphFormat, type LabGraph } from '../../ui/graph/index.js';
import { planLab } from '../../plan/plan.js';
import { planServices } from '../../plan/services.js';
import type { ImageRefs, LabPlan } from '../../plan/types.js';
import { podSources } from '../../cluster/sync.js';
import { LabFileError, NetlabError } from '../../core/errors.js';
import type { Lab } from '../../labfile/model.js';
import { engine, loadLabArg, runningLab } from '../../cluster/context.js';

/** The underlay a lab that is not up is drawn on (the one `up` picks first when it is free). */
export const PLANNED_UNDERLAY = '10.250.0.0/24';

const PLACEHOLDER_IMAGES: ImageRefs = {
  base: 'netlab/base:planned', pause: 'netlab/pause:planned', app: 'netlab/app:planned', node: 'netlab/node:planned',
  router: 'netlab/router:planned', probe: 'netlab/probe:planned', coredns: 'netlab/coredns:planned',
};

/** A running lab's picture now: pod readiness read from the engine, endpoints from ready pods. */
export async function liveGraph(docker: Docker, lab: Lab, plan: LabPlan): Promise<LabGraph> {
  const sources = await podSources(docker, lab, plan);
  const services = planServices(lab.services, sources, lab.topology.serviceCIDR);
  return labGraph(plan, services, readyPods(sources), { proxyMode: lab.topology.proxyMode });
}

/** A lab file's picture as `up` would make it: every pod taken as ready. */
export async function plannedGraph(labArg: string): Promise<LabGraph> {
  const lab = await loadLabArg(labArg);
  const plan = planLab(lab, { images: PLACEHOLDER_IMAGES, underlay: lab.topology.underlay ?? PLANNED_UNDERLAY });
  const sources = plan.pods.map((p) => ({ pod: lab.pods.find((s) => s.name === p.name && s.namespace === p.namespace)!, ip: p.ip, node: p.node, ready: true }));
  const services = planServices(lab.services, sources, lab.topology.serviceCIDR);
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
    const docker = await engine();
    const { lab, plan } = await runningLab(docker, labArg);
    graph = await liveGraph(docker, lab, plan);
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
