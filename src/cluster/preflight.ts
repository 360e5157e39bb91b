// Preflight on the engine and the host: before `up` creates, removes or replaces anything, every
// image a pod names is on the engine, the lab's subnets overlap no other network on the engine
// (nor, with a local engine, a route of the host), and every nodePort `--publish` binds on
// 127.0.0.1 is free. Every problem at once, in one error; when it is thrown, nothing was touched.
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { endianness } from 'node:os';
import { NetlabError } from '../core/errors.js';
import { LABEL_CONTAINER, LABEL_LAB } from '../core/labels.js';
import { findNamed, podTitle } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { containerName, type NetworkSummary } from '../engine/types.js';
import type { Lab } from '../labfile/model.js';
import {
  type HostRoute,
  type NetworkView,
  type PortHolder,
  type PreflightProblem,
  parseProcRoutes,
  portKey,
  portProblems,
  publishedNodePorts,
  type SubnetHolder,
  subnetClaims,
  subnetHolders,
  subnetProblems,
} from '../plan/preflight.js';
import type { ImageRefs, LabPlan } from '../plan/types.js';

/** Docker's option naming a network's host bridge (`docker0` for the default network). */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/** What preflight found: every problem, each on its line, and what to do. */
export class PreflightError extends NetlabError {
  constructor(
    readonly problems: PreflightProblem[],
    lab: string,
    running: boolean,
  ) {
    const hints = [...new Set(problems.map((p) => p.hint))];
    super(`${problems.map((p) => p.message).join('\n')}\n${running ? `Nothing was changed: lab ${lab} runs as it was.` : 'Nothing was created.'}`, {
      hint: hints.join('\nhint: '),
      exitCode: 2,
    });
  }
}

/** The host's routes (main table), when they can be read (Linux); none elsewhere. */
export async function readHostRoutes(): Promise<HostRoute[]> {
  if (process.platform !== 'linux') return [];
  try {
    return parseProcRoutes(await readFile('/proc/net/route', 'utf8'), endianness() === 'LE');
  } catch {
    return [];
  }
}

function networkView(n: NetworkSummary): NetworkView {
  const bridge = n.Options?.[BRIDGE_NAME_OPTION];
  const lab = n.Labels?.[LABEL_LAB];
  return {
    name: n.Name,
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s),
    ...(bridge ? { bridge } : {}),
    ...(lab ? { lab } : {}),
  };
}

/**
 * What `lab` must keep its subnets clear of: every other network on the engine and, when the
 * engine runs on this machine, the host's routes.
 */
export async function readSubnetHolders(engine: Engine, lab: string): Promise<SubnetHolder[]> {
  const [networks, routes] = await Promise.all([engine.listNetworks(), engine.endpoint.local ? readHostRoutes() : Promise.resolve([])]);
  return subnetHolders(lab, networks.map(networkView), routes);
}

export interface PreflightInputs {
  lab: Lab;
  plan: LabPlan;
  /** netlab's own images (built before `up`): not looked up again. */
  images: ImageRefs;
  holders: readonly SubnetHolder[];
  /** The lab's network is about to be created (or replaced): its underlay is claimed too. */
  createsNetwork: boolean;
  /** The lab runs now: the error says it was left as it was. */
  running: boolean;
}

/** Throws a PreflightError naming every problem; returns when the lab can be brought up. */
export async function preflight(engine: Engine, inputs: PreflightInputs): Promise<void> {
  const { lab, plan } = inputs;
  const subnets = subnetProblems(lab, subnetClaims(lab, inputs.createsNetwork ? plan.network.subnet : undefined), inputs.holders);
  const [ports, images] = await Promise.all([publishedPortProblems(engine, lab), imageProblems(engine, lab, plan, inputs.images)]);
  const problems = [...subnets, ...ports, ...images];
  if (problems.length) throw new PreflightError(problems, lab.name, inputs.running);
}

/**
 * Every nodePort the lab publishes must be free on 127.0.0.1: no other container on the engine
 * publishes it, and (a local engine) no process on this host listens on it.
 */
async function publishedPortProblems(engine: Engine, lab: Lab): Promise<PreflightProblem[]> {
  const published = publishedNodePorts(lab);
  if (!published.length) return [];
  const containers = await engine.listContainers({ status: ['running'] });
  const holders: PortHolder[] = [];
  const ours = new Set<string>();
  for (const c of containers) {
    for (const p of c.Ports ?? []) {
      if (!p.PublicPort) continue;
      // The lab's own nodes hold its ports already: they are kept, or replaced by ones that take them.
      if (c.Labels[LABEL_LAB] === lab.name) ours.add(portKey(p.PublicPort, p.Type));
      else holders.push({ port: p.PublicPort, protocol: p.Type, ip: p.IP ?? '', container: containerName(c), lab: c.Labels[LABEL_LAB] });
    }
  }
  const hostHeld = new Set<string>();
  if (engine.endpoint.local) {
    const free = published.filter((p) => {
      const key = portKey(p.nodePort, p.protocol);
      return !ours.has(key) && !holders.some((h) => portKey(h.port, h.protocol) === key);
    });
    await Promise.all(
      free.map(async (p) => {
        if (await hostHolds(p.nodePort, p.protocol === 'UDP' ? 'udp' : 'tcp')) hostHeld.add(portKey(p.nodePort, p.protocol));
      }),
    );
  }
  return portProblems(published, holders, hostHeld);
}

/** Whether a process on this host holds 127.0.0.1:port: it is, when netlab cannot bind it (and releases it at once). */
export function hostHolds(port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  const taken = (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE';
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', (err) => {
        try {
          socket.close();
        } catch {}
        resolve(taken(err));
      });
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(false)));
      return;
    }
    const server = createServer();
    server.once('error', (err) => resolve(taken(err)));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Every image a pod names must be on the engine (netlab's own are built before `up`). A missing
 * one is named with where the lab file asks for it.
 */
async function imageProblems(engine: Engine, lab: Lab, plan: LabPlan, netlabImages: ImageRefs): Promise<PreflightProblem[]> {
  const ours = new Set(Object.values(netlabImages));
  const uses = new Map<string, string[]>();
  for (const pod of plan.pods) {
    const spec = findNamed(lab.pods, pod);
    for (const c of pod.containers.filter((c) => !ours.has(c.create.Image))) {
      const container = spec?.containers.find((s) => s.name === c.create.Labels?.[LABEL_CONTAINER]);
      const where = container ? `${container.at.file}:${container.at.line}:${container.at.column}` : c.name;
      uses.set(c.create.Image, [...(uses.get(c.create.Image) ?? []), `${where} (pod ${podTitle(pod)}, container ${container?.name ?? c.name})`]);
    }
  }
  const missing = (await Promise.all([...uses.keys()].map(async (image) => ((await engine.inspectImage(image)) ? undefined : image)))).filter(
    (i): i is string => i !== undefined,
  );
  return missing.flatMap((image) =>
    uses.get(image)!.map((where) => ({
      message: `${where}: image ${image} is not on this Docker engine`,
      hint: 'netlab does not pull images: load them first (docker load, or docker pull where a registry is reachable), or use netlab/app.',
    })),
  );
}
