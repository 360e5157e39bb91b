// What most commands need: the lab (from a file, or from a running lab's labels), the engine,
// image refs, the plan of a running lab, and a renderer for the event stream.
import type Docker from 'dockerode';
import { readLabState, listLabsOnEngine, runningPodIPs, type LabState } from '../engine/state.js';
import { LABEL_PROXY_MODE, LABEL_ROLE } from '../core/labels.js';
import { connectEngine } from '../engine/engine.js';
import { imageRefs, type ImageName } from '../images/index.js';
import { withAddons } from '../plan/addons.js';
import { currentLab } from './overlay-read.js';
import { EMPTY_OVERLAY, type Overlay } from './overlay.js';
import { planLab, podContainerName } from '../plan/plan.js';
import { resolveEndpoint } from '../labfile/endpoints.js';
import type { LabPlan } from '../plan/types.js';
import { LabFileError, NetlabError } from '../core/errors.js';
import { loadLab, resolveLabFile } from '../labfile/load.js';
import type { Lab, ProxyMode } from '../labfile/model.js';
import { isProxyMode } from '../core/proxy-modes.js';
import { proxyModeDriver } from '../plan/proxy/registry.js';
import { chooseMode, createRenderer, type Renderer } from '../ui/renderer.js';

export interface OutputOptions {
  json?: boolean;
}

export function renderer(opts: OutputOptions, title: string): Renderer {
  return createRenderer(chooseMode({ json: opts.json }), { title });
}

export async function engine(): Promise<Docker> {
  return (await connectEngine()).docker;
}

/** Loads a lab file by lab name or path, optionally renamed (`--name alice`). */
export async function loadLabArg(labArg: string, name?: string, warn = false): Promise<Lab> {
  const file = resolveLabFile(labArg);
  const { lab, warnings } = await loadLab(file, name ? { name } : undefined);
  if (warn) for (const w of warnings) process.stderr.write(`warning: ${w.at.file}:${w.at.line}:${w.at.column}: ${w.message}\n`);
  return withAddons(lab);
}

/** The proxy mode a running lab's nodes were made with (kept on their labels). */
function runningProxyMode(state: LabState): ProxyMode | undefined {
  for (const c of state.containers.values()) {
    const mode = c.Labels[LABEL_PROXY_MODE];
    if (isProxyMode(mode)) return mode;
  }
  return undefined;
}

function withMode(lab: Lab, mode: ProxyMode | undefined): Lab {
  return mode && mode !== lab.topology.proxyMode ? { ...lab, topology: { ...lab.topology, proxyMode: mode } } : lab;
}

/** The running toolbox's name, if the lab has one (the overlay lives there). */
function toolboxOf(state: LabState): string | undefined {
  for (const [name, c] of state.containers) if (c.Labels[LABEL_ROLE] === 'toolbox' && c.State === 'running') return name;
  return undefined;
}

function isPublished(state: LabState): boolean {
  return [...state.containers.values()].some((c) => c.Labels[LABEL_ROLE] === 'node' && (c.Ports ?? []).some((p) => p.PublicPort));
}

/**
 * The lab `up` means: a lab file by name or path (renamed with --name), or else a lab already
 * on the engine by that name, from the file on its labels (so `netlab up alice` repairs a copy).
 * The proxy mode: --proxy-mode, else the running lab's, else the lab file's.
 */
export async function labForUp(labArg: string, options: { name?: string; proxyMode?: string; publish?: boolean } = {}): Promise<Lab> {
  const { name } = options;
  // An unknown --proxy-mode is a usage error that lists the modes.
  const proxyMode = options.proxyMode === undefined ? undefined : proxyModeDriver(options.proxyMode).name;
  let lab: Lab;
  try {
    lab = await loadLabArg(labArg, name, true);
  } catch (err) {
    if (name || err instanceof LabFileError) throw err;
    const onEngine = (await listLabsOnEngine(await engine())).find((l) => l.name === labArg);
    if (!onEngine?.file) throw err;
    lab = withAddons((await loadLab(onEngine.file, { name: labArg })).lab);
  }
  const docker = await engine();
  const state = await readLabState(docker, lab.name);
  lab = (await currentLab(docker, lab, toolboxOf(state))).lab;
  const running = proxyMode ? undefined : runningProxyMode(state);
  lab = withMode(lab, proxyMode ?? running);
  // --publish, or a running lab that was brought up with it.
  if (options.publish || isPublished(state)) lab = { ...lab, topology: { ...lab.topology, publish: true } };
  return lab;
}

/**
 * The lab a command about a RUNNING lab means: a lab on the engine by that name (its lab file is
 * on its labels, so `netlab check alice` finds the copy's file), else the lab file by name/path.
 */
export async function runningLab(docker: Docker, labArg: string): Promise<{ lab: Lab; plan: LabPlan; base: Lab; overlay: Overlay }> {
  const onEngine = (await listLabsOnEngine(docker)).find((l) => l.name === labArg);
  const loaded = onEngine?.file ? withAddons((await loadLab(onEngine.file, { name: labArg })).lab) : await loadLabArg(labArg);
  const state = await readLabState(docker, loaded.name);
  const subnet = state.network?.IPAM?.Config?.[0]?.Subnet;
  if (!subnet) {
    throw new NetlabError(`Lab ${loaded.name} is not up.`, { hint: `Bring it up first: netlab up ${labArg}` });
  }
  // The lab file's lab as it runs (mode, publish), then with what apply/delete/scale changed.
  let base = withMode(loaded, runningProxyMode(state));
  if (isPublished(state)) base = { ...base, topology: { ...base.topology, publish: true } };
  const { lab, overlay } = await currentLab(docker, base, toolboxOf(state));
  return { lab, base, overlay: overlay ?? structuredClone(EMPTY_OVERLAY), plan: planLab(lab, { images: await imageRefs(), underlay: subnet, previousIPs: runningPodIPs(state) }) };
}

/** Ctrl-C: first press asks the running work to stop at a safe point, a second one exits at once. */
export function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the steps in flight (Ctrl-C again to quit now)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** The images a lab needs (CoreDNS only with DNS: it is the slow one to build). */
export function imagesFor(lab: Lab): ImageName[] {
  return ['base', 'pause', 'app', 'node', 'router', 'probe', ...(lab.topology.dns ? (['coredns'] as const) : [])];
}

/** The container `netlab exec <lab> <target>` means. */
export async function containerFor(docker: Docker, labArg: string, target: string): Promise<{ name: string; lab: string }> {
  const { lab, plan } = await runningLab(docker, labArg);
  if (target === 'toolbox') return { name: plan.toolbox.name, lab: plan.lab };
  const ref = resolveEndpoint(lab, target);
  if ('error' in ref) throw new NetlabError(`No ${target} in lab ${plan.lab}: ${ref.error}`, { hint: ref.hint ?? 'Targets: a pod, pod/container, a node, router, external.' });
  switch (ref.kind) {
    case 'pod': {
      const container = ref.container ?? ref.pod.containers[0]!;
      return { name: `${podContainerName(plan.lab, ref.pod)}-${container.name}`, lab: plan.lab };
    }
    case 'node':
      return { name: plan.nodes.find((n) => n.name === ref.node.name)!.container.name, lab: plan.lab };
    case 'router':
      return { name: plan.router!.name, lab: plan.lab };
    case 'external':
      return { name: plan.external!.name, lab: plan.lab };
    default:
      throw new NetlabError(`${target} is an address, not a container.`, { hint: 'Targets: a pod, pod/container, a node, router, external.' });
  }
}

