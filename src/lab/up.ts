// `up`: make the engine hold exactly the planned lab. Idempotent: what exists and matches is kept,
// what is missing or stopped is (re)created and re-plumbed, what the plan no longer has is removed.
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { NetlabError } from '../topology/errors.js';
import type { Lab } from '../topology/model.js';
import { ensureContainer, removeContainer, type EnsuredContainer } from './apply/containers.js';
import { readLabState, type LabState } from './apply/state.js';
import { execIn, mapLimit } from './docker/engine.js';
import { type EventSink, task } from './events.js';
import { LABEL_NODE, LABEL_ROLE } from './labels.js';
import { pickUnderlay } from './plan/addresses.js';
import { planLab } from './plan/plan.js';
import { plumbPodScript, routesScript, unplumbPodScript } from './plan/scripts.js';
import { allContainers, type ContainerPlan, type ImageRefs, type LabPlan, type PodPlan } from './plan/types.js';

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

/** The underlay subnet: the running lab's, the lab file's, or a free one. */
async function chooseUnderlay(docker: Docker, lab: Lab, state: LabState): Promise<string> {
  const existing = state.network?.IPAM?.Config?.[0]?.Subnet;
  if (existing && (!lab.topology.underlay || lab.topology.underlay === existing)) return existing;
  if (lab.topology.underlay) return lab.topology.underlay;
  const networks = await docker.listNetworks();
  const taken = [
    ...networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s)),
    ...Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.cidr!)
      .filter(Boolean),
    ...lab.topology.nodes.map((n) => n.podCIDR),
  ];
  return pickUnderlay(taken);
}

export async function up(docker: Docker, lab: Lab, emit: EventSink, options: UpOptions): Promise<UpResult> {
  const { signal } = options;
  const checkAbort = () => {
    if (signal?.aborted) throw new InterruptedError(lab.name);
  };
  const state = await readLabState(docker, lab.name);
  const underlay = await chooseUnderlay(docker, lab, state);
  const plan = planLab(lab, { images: options.images, underlay });
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
      changed++;
      return `created ${plan.network.subnet}`;
    },
    (d) => (d === 'unchanged' ? `${plan.network.subnet} unchanged` : d),
  );
  checkAbort();

  // Nodes, router, external client and toolbox are independent of each other.
  const infra: ContainerPlan[] = [
    ...plan.nodes.map((n) => n.container),
    ...(plan.router ? [plan.router] : []),
    ...(plan.external ? [plan.external] : []),
    plan.toolbox,
  ];
  const ensured = new Map<string, EnsuredContainer>();
  await mapLimit(infra, PARALLEL, async (c) => {
    checkAbort();
    const e = await task(
      emit,
      c.key,
      title(c),
      async () => count(await ensureContainer(docker, c, state.containers.get(c.name))),
      (r) => `${r.action}${c.ip ? ` ${c.ip}` : ''}`,
      'infrastructure',
    );
    ensured.set(c.key, e);
  });
  const toolbox = ensured.get(plan.toolbox.key)!;

  await task(emit, 'routes', 'routes', async () => {
    const targets = [
      // Direct routing: no default route at all, so pod traffic never leaves toward the host.
      ...plan.nodes.map((n) => ({ pid: ensured.get(n.container.key)!.pid, routes: n.routes, dropDefault: !n.routes.some((r) => r.dst === 'default') })),
      ...(plan.router ? [{ pid: ensured.get(plan.router.key)!.pid, routes: plan.router.routes, dropDefault: true }] : []),
      ...(plan.external ? [{ pid: ensured.get(plan.external.key)!.pid, routes: [], dropDefault: true }] : []),
    ];
    await toolboxRun(docker, toolbox.id, routesScript(targets), 'setting routes');
    return plan.router
      ? `router holds ${plan.router.routes.map((r) => r.dst).join(', ')}`
      : `direct routes between ${plan.nodes.length} nodes`;
  }, (d) => d);
  checkAbort();

  // Pods: sandbox, then CNI, then the app containers; pods in parallel with each other.
  const nodeByName = new Map(plan.nodes.map((n) => [n.name, n]));
  await mapLimit(plan.pods, PARALLEL, async (pod) => {
    checkAbort();
    await task(
      emit,
      pod.pause.key,
      `pod ${pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`}`,
      async () => {
        const node = nodeByName.get(pod.node)!;
        const nodeState = ensured.get(node.container.key)!;
        const pause = count(await ensureContainer(docker, pod.pause, state.containers.get(pod.pause.name)));
        if (pause.action !== 'unchanged') {
          // Containers still holding the old sandbox's namespace (and its veth and IP) go first.
          await mapLimit(pod.containers, PARALLEL, async (c) => {
            const old = state.containers.get(c.name);
            if (old) await removeContainer(docker, old.Id);
            state.containers.delete(c.name);
          });
        }
        const plumbed = await toolboxRun(
          docker,
          toolbox.id,
          plumbPodScript({ containerId: pause.id, podPid: pause.pid, nodePid: nodeState.pid, ip: pod.ip, cniConfig: node.cniConfig }),
          `plumbing pod ${pod.name} (CNI ADD on ${pod.node})`,
        );
        if (plumbed.trim() !== 'unchanged') changed++;
        await mapLimit(pod.containers, PARALLEL, async (c) =>
          count(
            await ensureContainer(docker, c, state.containers.get(c.name), {
              // Joined to a sandbox that has since been replaced: it must join the new one.
              keep: (existing) => existing.HostConfig?.NetworkMode === `container:${pause.id}`,
            }),
          ),
        );
        return `${pod.ip} on ${pod.node}${pause.action === 'unchanged' && plumbed.trim() === 'unchanged' ? ' unchanged' : ''}`;
      },
      (d) => d,
      'pods',
    );
  });

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

export type { PodPlan };
