// What most commands need: the lab (from a file, or from a running lab's labels), the engine,
// image refs, the plan of a running lab, and a renderer for the event stream.
import type Docker from 'dockerode';
import { readLabState, listLabsOnEngine } from '../lab/apply/state.js';
import { connectEngine } from '../lab/docker/engine.js';
import { imageRefs } from '../lab/images/index.js';
import { planLab } from '../lab/plan/plan.js';
import type { LabPlan } from '../lab/plan/types.js';
import { LabFileError, NetlabError } from '../topology/errors.js';
import { loadLab, resolveLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
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
export async function loadLabArg(labArg: string, name?: string): Promise<Lab> {
  const file = resolveLabFile(labArg);
  const { lab, warnings } = await loadLab(file, name ? { name } : undefined);
  for (const w of warnings) process.stderr.write(`warning: ${w.at.file}:${w.at.line}:${w.at.column}: ${w.message}\n`);
  return lab;
}

/**
 * The lab `up` means: a lab file by name or path (renamed with --name), or else a lab already
 * on the engine by that name, from the file on its labels (so `netlab up alice` repairs a copy).
 */
export async function labForUp(labArg: string, name?: string): Promise<Lab> {
  try {
    return await loadLabArg(labArg, name);
  } catch (err) {
    if (name || err instanceof LabFileError) throw err;
    const onEngine = (await listLabsOnEngine(await engine())).find((l) => l.name === labArg);
    if (!onEngine?.file) throw err;
    return (await loadLab(onEngine.file, { name: labArg })).lab;
  }
}

/**
 * The lab a command about a RUNNING lab means: a lab on the engine by that name (its lab file is
 * on its labels, so `netlab check alice` finds the copy's file), else the lab file by name/path.
 */
export async function runningLab(docker: Docker, labArg: string): Promise<{ lab: Lab; plan: LabPlan }> {
  const onEngine = (await listLabsOnEngine(docker)).find((l) => l.name === labArg);
  const lab = onEngine?.file ? (await loadLab(onEngine.file, { name: labArg })).lab : await loadLabArg(labArg);
  const state = await readLabState(docker, lab.name);
  const subnet = state.network?.IPAM?.Config?.[0]?.Subnet;
  if (!subnet) {
    throw new NetlabError(`Lab ${lab.name} is not up.`, { hint: `Bring it up first: netlab up ${labArg}` });
  }
  return { lab, plan: planLab(lab, { images: await imageRefs(), underlay: subnet }) };
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
