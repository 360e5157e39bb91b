// Preflight on the engine and the host: before `up` creates, removes or replaces anything, the
// lab's subnets overlap no other network on the engine (nor, with a local engine, a route of the
// host), every nodePort `--publish` binds on 127.0.0.1 is free, and every image a pod names is on
// the engine (pulled as kubelet would pull it). Every problem at once, in one error; when it is
// thrown, nothing of the lab was touched.
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { endianness, hostname } from 'node:os';
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { pullReference } from '../core/image-ref.js';
import { LABEL_CONTAINER, LABEL_LAB, LABEL_SPEC } from '../core/labels.js';
import { findNamed, podTitle } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { type ContainerSummary, containerName, type NetworkSummary } from '../engine/types.js';
import { IMAGE_NAMES, repositoryOf } from '../images/catalogue.js';
import { PullFailure, pullImage } from '../images/pull.js';
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
import { type ImageUse, type Pull, type PullPlan, planPulls, pullProblems, pullTargets } from '../plan/pull.js';
import type { ContainerPlan, ImageRefs, LabPlan } from '../plan/types.js';

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
  const [networks, routes] = await Promise.all([engine.listNetworks(), engineHostRoutes(engine)]);
  return subnetHolders(lab, networks.map(networkView), routes);
}

/**
 * The routes of the engine's host as far as this machine can know them: this machine's for a
 * local engine; for one reached otherwise (ssh, tcp) only when it says it runs on a host of this
 * machine's name (engines side by side on one machine share its routing table), else none.
 */
async function engineHostRoutes(engine: Engine): Promise<HostRoute[]> {
  if (engine.endpoint.local) return readHostRoutes();
  const info = await Promise.resolve()
    .then(() => engine.info())
    .catch(() => undefined);
  return info?.name === hostname() ? readHostRoutes() : [];
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
  /** The lab's containers now, by name: a pod kept as it runs needs no image. */
  existing?: ReadonlyMap<string, ContainerSummary>;
  /** Where pulls report their progress. */
  emit: EventSink;
}

/**
 * Throws a PreflightError naming every problem; returns when the lab can be brought up. The
 * images pods need are pulled last, once nothing else stands in the way, as kubelet would pull
 * them (imagePullPolicy); a failed pull is a problem too, and still nothing was created.
 */
export async function preflight(engine: Engine, inputs: PreflightInputs): Promise<void> {
  const { lab, plan } = inputs;
  const subnets = subnetProblems(lab, subnetClaims(lab, inputs.createsNetwork ? plan.network.subnet : undefined), inputs.holders);
  const [ports, images] = await Promise.all([publishedPortProblems(engine, lab), pullPlan(engine, inputs)]);
  const problems = [...subnets, ...ports, ...images.problems];
  if (problems.length) throw new PreflightError(problems, lab.name, inputs.running);
  const failed = await pullAll(engine, images.pulls, inputs.emit);
  if (failed.length) throw new PreflightError(failed, lab.name, inputs.running);
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
 * The images of the pod containers `up` is about to start (netlab's own are built before `up`):
 * kept containers need nothing. Which to pull (planPulls), and the containers that cannot start.
 */
async function pullPlan(engine: Engine, inputs: PreflightInputs): Promise<PullPlan> {
  const { lab, plan } = inputs;
  const ours = new Set(Object.values(inputs.images));
  const kept = (c: ContainerPlan) => {
    const existing = inputs.existing?.get(c.name);
    return existing?.State === 'running' && existing.Labels[LABEL_SPEC] === c.create.Labels?.[LABEL_SPEC];
  };
  const uses: ImageUse[] = [];
  for (const pod of plan.pods) {
    const spec = findNamed(lab.pods, pod);
    // A new sandbox takes every container of the pod with it.
    const starts = (c: ContainerPlan) => !kept(pod.pause) || !kept(c);
    for (const c of pod.containers.filter((c) => !ours.has(c.create.Image) && starts(c))) {
      const name = c.create.Labels?.[LABEL_CONTAINER] ?? c.name;
      const container = spec?.containers.find((s) => s.name === name);
      uses.push({
        image: container?.image ?? c.create.Image,
        ...(container?.imagePullPolicy ? { policy: container.imagePullPolicy } : {}),
        ...(container ? { at: container.imageAt ?? container.at } : {}),
        pod: podTitle(pod),
        container: name,
      });
    }
  }
  const targets = pullTargets(uses);
  const present = new Set<string>();
  await Promise.all(
    [...targets].map(async ([image, ref]) => {
      if (await engine.inspectImage(pullReference(ref))) present.add(image);
    }),
  );
  return planPulls(uses, present, IMAGE_NAMES.map(repositoryOf));
}

/** Pulls in parallel, each a task of its own; the problems of those that failed. */
async function pullAll(engine: Engine, pulls: readonly Pull[], emit: EventSink): Promise<PreflightProblem[]> {
  const failed = await Promise.all(
    pulls.map(async (pull) => {
      try {
        await pullImage(engine, pull.ref, pull.pullAs, emit);
        return [];
      } catch (err) {
        if (err instanceof PullFailure) return pullProblems(pull, err.message);
        throw err;
      }
    }),
  );
  return failed.flat();
}
