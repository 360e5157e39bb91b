// What of a lab already exists on the engine, found by its labels.
import { NetlabError } from '../core/errors.js';
import { isLock, LABEL_LAB, LABEL_LAB_FILE, labFilter } from '../core/labels.js';
import { networkName } from '../core/names.js';
import type { Engine } from './engine.js';
import { containerName, type ContainerSummary, type NetworkSummary } from './types.js';

export interface LabState {
  network?: NetworkSummary;
  /** Existing containers of the lab by name. */
  containers: Map<string, ContainerSummary>;
}

/**
 * The containers of a lab (of every lab, without `lab`), found by their label. A lab's lock
 * carries the label too but is no part of the lab: it is left out, so that nothing counts,
 * replaces or removes it as one of the lab's containers. Every listing of a lab's containers
 * goes through here.
 */
export async function listLabContainers(engine: Engine, lab?: string): Promise<ContainerSummary[]> {
  return (await engine.listContainers(labFilter(lab))).filter((c) => !isLock(c.Labels));
}

export async function readLabState(engine: Engine, lab: string): Promise<LabState> {
  const [containers, networks] = await Promise.all([listLabContainers(engine, lab), engine.listNetworks({ name: [networkName(lab)] })]);
  // `name` filters match substrings: keep the exact one.
  const network = networks.find((n) => n.Name === networkName(lab));
  if (network && network.Labels?.[LABEL_LAB] !== lab) {
    throw new NetlabError(`A Docker network named ${network.Name} exists but was not created by netlab for lab ${lab}.`, {
      hint: `netlab never touches what it did not create: remove or rename that network (docker network rm ${network.Name}), or bring the lab up under another name (--name).`,
    });
  }
  return {
    network,
    containers: new Map(containers.map((c) => [containerName(c), c])),
  };
}

export interface LabSummary {
  name: string;
  file?: string;
  containers: number;
  running: number;
}

/** Every lab present on the engine (any object with a netlab.lab label; a lock alone is no lab). */
export async function listLabsOnEngine(engine: Engine): Promise<LabSummary[]> {
  const [containers, networks] = await Promise.all([listLabContainers(engine), engine.listNetworks(labFilter())]);
  const labs = new Map<string, LabSummary>();
  const entry = (name: string, file?: string) => {
    let e = labs.get(name);
    if (!e) labs.set(name, (e = { name, file, containers: 0, running: 0 }));
    e.file ??= file;
    return e;
  };
  for (const n of networks) entry(n.Labels![LABEL_LAB]!, n.Labels![LABEL_LAB_FILE]);
  for (const c of containers) {
    const e = entry(c.Labels[LABEL_LAB]!, c.Labels[LABEL_LAB_FILE]);
    e.containers++;
    if (c.State === 'running') e.running++;
  }
  return [...labs.values()].sort((a, b) => a.name.localeCompare(b.name));
}
