// `up`: make the engine hold exactly the planned lab. Idempotent: what exists and matches is kept,
// what is missing or stopped is (re)created and re-plumbed, what the plan no longer has is removed.
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { NetlabError } from '../core/errors.js';
import type { Lab } from '../labfile/model.js';
import { ensureContainer, removeContainer, type EnsuredContainer } from '../engine/containers.js';
import { readLabState, runningPodIPs, type LabState } from '../engine/state.js';
import { batcher, execIn, limiter, mapLimit, settleAll } from '../engine/engine.js';
import { type EventSink, task } from '../core/events.js';
import { syncServices } from './sync.js';
import { LABEL_NODE, LABEL_ROLE } from '../core/labels.js';
import { pickUnderlay } from '../plan/addresses.js';
import { planLab } from '../plan/plan.js';
import { parallelScript, parseParallelOutput, plumbPodScript, routesScript, unplumbPodScript, type PlumbInput } from '../plan/scripts.js';
import { allContainers, type ContainerPlan, type ImageRefs, type LabPlan, type PodPlan } from '../plan/types.js';

/** Docker work in flight at once: measured on 2 cores, 8 parallel creates beat sequential by ~4x. */
export const PARALLEL = 8;

export class InterruptedError extends NetlabError {
  constructor(lab: string) {
    super(`Interrupted: lab ${lab} is partly up.`, {
      hint: `Run \`netlab up ${lab}\` again to finish it, or \`netlab down ${lab}\` to remove what was created.`,
      exitCode: 130,
    });
  }
}

export interface UpOptions {
  images: ImageRefs;
  signal?: AbortSignal;
}

export interface UpResult {
  plan: LabPlan;
  /** Containers created, started or replaced; 0 means the lab was already up as planned. */
  changed: number;
}

/** The underlay subnet: the running lab's, the lab file's, or a free one (`taken` says what to avoid). */
async function chooseUnderlay(docker: Docker, lab: Lab, state: LabState): Promise<{ subnet: string; taken?: string[] }> {
  const existing = state.network?.IPAM?.Config?.[0]?.Subnet;
  if (existing && (!lab.topology.underlay || lab.topology.underlay === existing)) return { subnet: existing };
  if (lab.topology.underlay) return { subnet: lab.topology.underlay };
  const networks = await docker.listNetworks();
  const taken = [
    ...networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s)),
    ...Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.cidr!)
      .filter(Boolean),
    ...lab.topology.nodes.map((n) => n.podCIDR),
    lab.topology.serviceCIDR,
    lab.topology.clusterCIDR,
  ];
  return { subnet: pickUnderlay(taken), taken };
}

function isPoolOverlap(err: unknown): boolean {
  return /overlaps/i.test((err as { json?: { message?: string }; message?: string })?.json?.message ?? (err as Error)?.message ?? '');
}

export async function up(docker: Docker, lab: Lab, emit: EventSink, options: UpOptions): Promise<UpResult> {
  const { signal } = options;
  const checkAbort = () => {
    if (signal?.aborted) throw new InterruptedError(lab.name);
  };
  const state = await readLabState(docker, lab.name);
  const chosen = await chooseUnderlay(docker, lab, state);
  let plan = planLab(lab, { images: options.images, underlay: chosen.subnet, previousIPs: runningPodIPs(state) });
  let changed = 0;
  const count = (e: EnsuredContainer) => {
    if (e.action !== 'unchanged') changed++;
    return e;
  };

  // A network whose subnet no longer matches the lab file is replaced with everything on it.
  if (state.network && (state.network.IPAM?.Config?.[0]?.Subnet !== plan.network.subnet || state.network.Internal)) {
    await task(emit, 'network-replace', `replace network ${plan.network.name}`, async () => {
      await mapLimit([...state.containers.values()], PARALLEL, (c) => removeContainer(docker, c.Id));
      await docker.getNetwork(state.network!.Id).remove();
      state.network = undefined;
      state.containers.clear();
    });
  }

  await task(
    emit,
    'network',
    `network ${plan.network.name}`,
    async () => {
      if (state.network) return 'unchanged';
      for (let attempt = 1; ; attempt++) {
        try {
          await docker.createNetwork({
            Name: plan.network.name,
            Driver: 'bridge',
            // Not `internal`: Docker's isolation rules for internal networks drop every bridged packet
            // whose source is outside the subnet, i.e. all pod traffic between nodes. Isolation comes
            // from the routes instead (no container keeps a default route to the host) and from
            // turning off Docker's masquerade, so nothing in a lab reaches past its own networks.
            Internal: false,
            Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
            CheckDuplicate: true,
            IPAM: { Config: [{ Subnet: plan.network.subnet, Gateway: plan.network.gateway }] },
            Labels: plan.network.labels,
          });
          break;
        } catch (err) {
          // Another lab (or program) took the picked subnet in the meantime: pick the next one.
          if (!chosen.taken || !isPoolOverlap(err) || attempt >= 8) throw err;
          chosen.taken.push(plan.network.subnet);
          plan = planLab(lab, { images: options.images, underlay: pickUnderlay(chosen.taken), previousIPs: runningPodIPs(state) });
        }
      }
      changed++;
      return `created ${plan.network.subnet}`;
    },
    (d) => (d === 'unchanged' ? `${plan.network.subnet} unchanged` : d),
  );
  checkAbort();

  // Everything below runs as a dependency graph under one limit of concurrent Docker work:
  // sandboxes (network none) and the toolbox need nothing; nodes, router and the external client
  // need the network; plumbing a pod needs its sandbox, its node and the toolbox; app containers
  // start once their pod is plumbed, as kubelet starts them after CNI ADD.
  const limit = limiter(PARALLEL);
  const ensure = (c: ContainerPlan, options?: Parameters<typeof ensureContainer>[3]) =>
    limit(async () => {
      checkAbort();
      return count(await ensureContainer(docker, c, state.containers.get(c.name), options));
    });
  const infraTask = (c: ContainerPlan) =>
    task(emit, c.key, title(c), () => ensure(c), (r) => `${r.action}${c.ip ? ` ${c.ip}` : ''}`, 'infrastructure');

  const toolboxP = infraTask(plan.toolbox);
  const nodeP = new Map(plan.nodes.map((n) => [n.name, infraTask(n.container)]));
  // The engine attaches containers to a network one at a time: nodes first, since pods wait on
  // them, and the router and external client (which nothing but routes waits on) after.
  const nodesUp = settleAll([...nodeP.values()]);
  const routerP = plan.router ? nodesUp.then(() => infraTask(plan.router!)) : undefined;
  const externalP = plan.external ? nodesUp.then(() => infraTask(plan.external!)) : undefined;

  const routesP = (async () => {
    const [toolbox, nodes, router, external] = await Promise.all([
      toolboxP,
      Promise.all(plan.nodes.map((n) => nodeP.get(n.name)!)),
      routerP,
      externalP,
    ]);
    await task(emit, 'routes', 'routes', async () => {
      const targets = [
        // Direct routing: no default route at all, so pod traffic never leaves toward the host.
        ...plan.nodes.map((n, i) => ({ pid: nodes[i]!.pid, routes: n.routes, dropDefault: !n.routes.some((r) => r.dst === 'default') })),
        ...(plan.router && router ? [{ pid: router.pid, routes: plan.router.routes, dropDefault: true }] : []),
        ...(external ? [{ pid: external.pid, routes: [], dropDefault: true }] : []),
      ];
      await limit(() => toolboxRun(docker, toolbox.id, routesScript(targets), 'setting routes'));
      return plan.router
        ? `router holds ${plan.router.routes.map((r) => r.dst).join(', ')}`
        : `direct routes between ${plan.nodes.length} nodes`;
    }, (d) => d);
  })();

  // CNI ADDs of pods that become ready together run in one toolbox exec.
  const plumb = batcher((jobs: { pod: PodPlan; toolboxId: string; input: PlumbInput }[]) =>
    limit(async () => {
      const script = parallelScript(jobs.map((j, index) => ({ index, command: plumbPodScript(j.input) })));
      const results = new Map(parseParallelOutput(await toolboxRun(docker, jobs[0]!.toolboxId, script, 'plumbing pods')).map((r) => [r.index, r]));
      return jobs.map((j, i) => {
        const r = results.get(i);
        if (r?.exitCode === 0) return r.output;
        const said = r?.output.trim().split('\n').slice(-3).join(' / ');
        return new NetlabError(`CNI ADD for pod ${j.pod.name} on ${j.pod.node} failed: ${said || 'no result'}`, {
          hint: 'Run `netlab doctor` to check the CNI plugins and kernel features; `netlab up` again retries.',
        });
      });
    }),
  );
  const nodeByName = new Map(plan.nodes.map((n) => [n.name, n]));
  const podPs = plan.pods.map((pod) =>
    task(
      emit,
      pod.pause.key,
      `pod ${pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`}`,
      async () => {
        const node = nodeByName.get(pod.node)!;
        const pause = await ensure(pod.pause);
        if (pause.action !== 'unchanged') {
          // Containers still holding the old sandbox's namespace (and its veth and IP) go first.
          await settleAll(
            pod.containers.map(async (c) => {
              const old = state.containers.get(c.name);
              state.containers.delete(c.name);
              if (old) await limit(() => removeContainer(docker, old.Id));
            }),
          );
        }
        const [nodeState, toolbox] = await Promise.all([nodeP.get(pod.node)!, toolboxP]);
        checkAbort();
        const plumbed = await plumb({
          pod,
          toolboxId: toolbox.id,
          input: { containerId: pause.id, podPid: pause.pid, nodePid: nodeState.pid, ip: pod.ip, cniConfig: node.cniConfig },
        });
        if (plumbed instanceof Error) throw plumbed;
        if (plumbed.trim() !== 'unchanged') changed++;
        await settleAll(
          pod.containers.map((c) =>
            ensure(c, {
              // Joined to a sandbox that has since been replaced: it must join the new one.
              keep: (existing) => existing.HostConfig?.NetworkMode === `container:${pause.id}`,
              needPid: false,
            }),
          ),
        );
        return `${pod.ip} on ${pod.node}${pause.action === 'unchanged' && plumbed.trim() === 'unchanged' ? ' unchanged' : ''}`;
      },
      (d) => d,
      'pods',
    ),
  );
  await settleAll<unknown>([toolboxP, ...nodeP.values(), routerP ?? Promise.resolve(), externalP ?? Promise.resolve(), routesP, ...podPs]);
  const ensured = new Map<string, EnsuredContainer>();
  ensured.set(plan.toolbox.key, await toolboxP);
  for (const n of plan.nodes) ensured.set(n.container.key, await nodeP.get(n.name)!);
  const toolbox = ensured.get(plan.toolbox.key)!;

  // Whatever the lab has that the plan does not (a pod removed from the file, fewer replicas).
  const planned = new Set(allContainers(plan).map((c) => c.name));
  const stale = [...state.containers.entries()].filter(([name]) => !planned.has(name)).map(([, c]) => c);
  if (stale.length) {
    await task(emit, 'prune', `remove ${stale.length} container(s) no longer in the lab`, async () => {
      await releasePodAddresses(docker, plan, ensured, toolbox.id, stale);
      await mapLimit(stale, PARALLEL, (c) => removeContainer(docker, c.Id));
      changed += stale.length;
    });
  }
  if (lab.services.length) await syncServices(docker, lab, plan, emit);
  return { plan, changed };
}

function title(c: ContainerPlan): string {
  if (c.role === 'node') return `node ${c.key.slice('node/'.length)}`;
  return c.role;
}

/** CNI DEL for pause containers about to be removed, so their node's host-local frees the address. */
async function releasePodAddresses(
  docker: Docker,
  plan: LabPlan,
  ensured: Map<string, EnsuredContainer>,
  toolboxId: string,
  stale: Docker.ContainerInfo[],
): Promise<void> {
  for (const c of stale.filter((s) => s.Labels[LABEL_ROLE] === 'pause')) {
    const node = plan.nodes.find((n) => n.name === c.Labels[LABEL_NODE]);
    const nodeState = node && ensured.get(node.container.key);
    if (!node || !nodeState) continue;
    await toolboxRun(docker, toolboxId, unplumbPodScript({ containerId: c.Id, nodePid: nodeState.pid, cniConfig: node.cniConfig }), 'CNI DEL').catch(
      () => undefined,
    );
  }
}

/** Runs a script in the lab's toolbox; a non-zero exit becomes an error with what it printed. */
export async function toolboxRun(docker: Docker, toolboxId: string, script: string, what: string): Promise<string> {
  const r = await execIn(docker, toolboxId, ['sh', '-c', script]);
  if (r.exitCode !== 0) {
    const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new NetlabError(`Failed ${what}: ${said || `exit code ${r.exitCode}, nothing printed`}`, {
      hint: 'Run `netlab doctor` to check the engine and kernel features; `netlab up` again retries.',
    });
  }
  return r.stdout;
}

