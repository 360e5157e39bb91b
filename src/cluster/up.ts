// `up`: make the engine hold exactly the planned lab. Idempotent: what exists and matches is kept,
// what is missing or stopped is (re)created and re-plumbed, what the plan no longer has is removed.
import { applyLabImpairments } from './impair.js';
import { proxyModeRefusal } from '../labfile/userspace-limits.js';
import { networkInterfaces } from 'node:os';
import { batcher, ENGINE_PARALLEL, limiter, mapLimit, settleAll } from '../core/concurrency.js';
import { NetlabError } from '../core/errors.js';
import { type EventSink, task } from '../core/events.js';
import { LABEL_LAB, LABEL_NODE, LABEL_ROLE } from '../core/labels.js';
import { podTitle } from '../core/names.js';
import { overlaps, parseCidr } from '../core/cidr.js';
import { ensureContainer, type EnsuredContainer, type EnsureOptions, type PreparedContainer, prepareContainer, startPrepared } from '../engine/containers.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';
import { readLabState, type LabState } from '../engine/state.js';
import { currentPlacement } from './placement.js';
import { Toolbox, WarmToolbox } from '../engine/toolbox.js';
import { routesRequest, unplumbPodRequest } from '../plan/requests.js';
import type { ContainerSummary } from '../engine/types.js';
import type { Lab } from '../labfile/model.js';
import { pickUnderlay } from '../plan/addresses.js';
import { planLab } from '../plan/plan.js';
import { allContainers, type ContainerPlan, type ImageRefs, type LabPlan, type PodPlan } from '../plan/types.js';
import type { SubnetHolder } from '../plan/preflight.js';
import { preflight, readSubnetHolders } from './preflight.js';
import { ensureLabImages, imagesFor } from './images.js';
import { withLabLock } from './lock.js';
import { runningStateForUp } from './running-lab.js';
import { labBridge } from '../plan/isolation.js';
import { isolate, lifter } from './isolation.js';
import { type PlumbJob, plumbPods } from './plumb.js';
import { beginSync, syncServices } from './sync.js';
import { waitUntilReady } from './wait-ready.js';

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
  /**
   * `changed` (apply, delete, scale): only what the change owns is acted on, as a change through
   * the API server touches nothing else: pods whose sandbox runs as planned are not looked at
   * again, nor routes and isolation set again while their containers run unchanged (a fault an
   * exercise made stays). `all` (netlab up, the default) looks at everything and repairs it.
   */
  scope?: 'all' | 'changed';
  /** The lab's containers and network, read under the lock this `up` runs in (a change's RunningLab): not read again. */
  state?: LabState;
  /** Seconds to wait for every pod to be ready (`netlab up`'s wait); none when absent or 0. */
  wait?: number;
}

export interface UpResult {
  plan: LabPlan;
  /** Containers created, started or replaced; 0 means the lab was already up as planned. */
  changed: number;
}

/** One `up` in progress: what it found, what it planned, what it changed. */
interface UpRun {
  engine: Engine;
  lab: Lab;
  emit: EventSink;
  options: UpOptions;
  state: LabState;
  plan: LabPlan;
  /** The lab network's host-side bridge, once the network exists. */
  bridge?: string;
  changed: number;
  /**
   * The toolbox sessions plumbing, routes and the sync go through: a change's is opened at the
   * start on the running toolbox, any other `up`'s as soon as the toolbox runs. `on` says whether
   * the toolbox as ensured is the one they were opened on.
   */
  warm?: { toolbox: WarmToolbox; on(toolbox: EnsuredContainer): boolean };
  /** One limit on concurrent Docker work for everything below the network. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  checkAbort(): void;
}

/**
 * `netlab up`: under the lab's lock, the loaded lab as it runs now (`runningForUp`), its images,
 * then `up`, which (unless `wait` is 0) waits up to `wait` seconds for every pod to be ready. The
 * wait holds the lock too: `up` is not done until then, and a `down` or `apply` meanwhile waits for it.
 */
export async function bringUp(
  engine: Engine,
  loaded: Lab,
  emit: EventSink,
  options: { proxyMode?: string; publish?: boolean; signal?: AbortSignal; wait?: number },
): Promise<UpResult> {
  // The images are looked up (or built) while the lock is taken: they are no part of the lab.
  const early = ensureLabImages(engine, loaded, emit);
  const settled = early.then(
    () => undefined,
    () => undefined,
  );
  try {
    return await withLabLock(
      engine,
      loaded.name,
      'up',
      async () => {
        const { lab, state } = await runningStateForUp(engine, loaded, options);
        const refused = proxyModeRefusal(lab);
        if (refused) throw refused;
        // What `apply` added to the running lab (an Ingress...) may need one more image.
        const more = imagesFor(lab).some((name) => !imagesFor(loaded).includes(name));
        const images = more ? await ensureLabImages(engine, lab, emit) : await early;
        return up(engine, lab, emit, { images, signal: options.signal, state, wait: options.wait });
      },
      { emit, signal: options.signal },
    );
  } finally {
    // Nothing left running behind the command, whatever failed.
    await settled;
  }
}

/** Makes the engine hold `lab` as planned, under the lab's lock (already held when `up` is part of a larger command). */
export function up(engine: Engine, lab: Lab, emit: EventSink, options: UpOptions): Promise<UpResult> {
  return withLabLock(engine, lab.name, 'up', () => upLocked(engine, lab, emit, options), { emit, signal: options.signal });
}

async function upLocked(engine: Engine, lab: Lab, emit: EventSink, options: UpOptions): Promise<UpResult> {
  const [state, holders] = await Promise.all([options.state ?? readLabState(engine, lab.name), readSubnetHolders(engine, lab.name)]);
  const chosen = chooseUnderlay(lab, state, holders);
  const run: UpRun = {
    engine,
    lab,
    emit,
    options,
    state,
    plan: planLab(lab, { images: options.images, underlay: chosen.subnet, current: currentPlacement(state) }),
    changed: 0,
    limit: limiter(ENGINE_PARALLEL),
    checkAbort: () => {
      if (options.signal?.aborted) throw new InterruptedError(lab.name);
    },
  };
  const syncs = !!(lab.services.length || lab.networkPolicies);
  const impaired = (lab.topology.impair ?? []).length > 0;
  const target = { engine, lab, plan: run.plan, toolbox: new Toolbox(engine, run.plan.toolbox.name) };
  // A change to a running lab opens a toolbox session at once, for its plumbing and its sync, and
  // begins the sync (the nodes' states read) while its pods are made. Each is used only if the
  // toolbox (and, for the sync, the nodes) are the ones it was opened on.
  const early = trusted(run) && state.containers.has(run.plan.toolbox.name);
  const session = early ? target.toolbox.session() : undefined;
  session?.catch(() => undefined);
  if (session) run.warm = { toolbox: new WarmToolbox(target.toolbox, [session]), on: (t) => t.action === 'unchanged' };
  const begun = syncs && early ? beginSync(target, false, session) : undefined;
  try {
    // Everything is checked before anything is created, removed or replaced: a failed `up` of a
    // running lab leaves it running as it was.
    await preflight(engine, {
      lab,
      plan: run.plan,
      images: options.images,
      holders,
      createsNetwork: networkIsStale(state, run.plan),
      running: state.containers.size > 0,
      existing: state.containers,
      emit,
    });
    await replaceStaleNetwork(run);
    await ensureNetwork(run, chosen.taken);
    run.checkAbort();
    const { ensured, routed } = await ensureContainers(run);
    const kept = [run.plan.toolbox, ...run.plan.nodes.map((n) => n.container)].every((c) => ensured.get(c.key)?.action === 'unchanged');
    // The sync needs the pods and the nodes, not the router or the routes: both go on at once.
    const synced = (async () => {
      await pruneStale(run, ensured);
      // The plan as it is now: a subnet another lab took meanwhile made `up` plan again on another (ensureNetwork).
      const now = { ...target, plan: run.plan };
      const warm = run.warm?.on(ensured.get(run.plan.toolbox.key)!) ? { session: run.warm.toolbox.sessions[0] } : {};
      if (syncs) await syncServices(now, emit, undefined, begun && kept && run.plan === target.plan ? { begun } : warm);
    })();
    // Readiness needs the pods and the sync, not the routes: its settle goes on while the router
    // starts. A lab with impairments has them in place first, so that probes cross them.
    const ready = options.wait && !impaired ? [synced.then(() => waitReady(run, options.wait!, routed))] : [];
    await settleAll([routed, synced, ...ready]);
  } finally {
    void begun?.close();
    void run.warm?.toolbox.close();
  }
  await applyLabImpairments({ engine, lab, plan: run.plan }, emit);
  if (options.wait && impaired) await waitReady(run, options.wait);
  return { plan: run.plan, changed: run.changed };
}

/** Waits for the lab's pods to be ready; stops waiting as soon as `beside` (the routes) fails, whose error then says what went wrong. */
function waitReady(run: UpRun, seconds: number, beside?: Promise<unknown>): Promise<void> {
  const stop = new AbortController();
  const signal = run.options.signal ? AbortSignal.any([run.options.signal, stop.signal]) : stop.signal;
  beside?.catch(() => stop.abort());
  const target = { engine: run.engine, lab: run.lab, plan: run.plan, toolbox: new Toolbox(run.engine, run.plan.toolbox.name) };
  return waitUntilReady(target, run.emit, { seconds, signal });
}

/**
 * The underlay subnet: the running lab's, the lab file's, or a free one (`taken` says what to
 * avoid: other networks, the host's routes and addresses, the lab's own blocks).
 */
function chooseUnderlay(lab: Lab, state: LabState, holders: readonly SubnetHolder[]): { subnet: string; taken?: string[] } {
  const existing = state.network?.IPAM?.Config?.[0]?.Subnet;
  if (existing && (!lab.topology.underlay || lab.topology.underlay === existing)) return { subnet: existing };
  if (lab.topology.underlay) return { subnet: lab.topology.underlay };
  const taken = [
    ...holders.map((h) => h.cidr),
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

/** The lab's network is missing, or must be replaced (another subnet, or an old internal network). */
function networkIsStale(state: LabState, plan: LabPlan): boolean {
  return !state.network || state.network.IPAM?.Config?.[0]?.Subnet !== plan.network.subnet || !!state.network.Internal;
}

/**
 * A network whose subnet no longer matches the lab file (or an old internal one) is replaced with
 * everything on it. A new subnet must be accepted by the engine first: a network is created on
 * it, and removed, before anything of the running lab is touched.
 */
async function replaceStaleNetwork(run: UpRun): Promise<void> {
  const { state, plan, engine } = run;
  const old = state.network;
  if (!old || !networkIsStale(state, plan)) return;
  await task(run.emit, 'network-replace', `replace network ${plan.network.name}`, async () => {
    const oldSubnet = parseCidr(old.IPAM?.Config?.[0]?.Subnet ?? '', false);
    const newSubnet = parseCidr(plan.network.subnet, false);
    // A new subnet that overlaps the old one cannot be tried beside it: preflight's word stands.
    if (!oldSubnet || !newSubnet || !overlaps(oldSubnet, newSubnet)) await tryNetwork(run, old.IPAM?.Config?.[0]?.Subnet);
    const containers = [...state.containers.values()];
    // As `down` does: the old bridge's table goes once nothing is on the bridge, then the guard.
    const lift = lifter(engine, [old], containers, run.options.images.probe);
    try {
      await mapLimit(
        containers.filter((c) => c.Id !== lift.guardId),
        ENGINE_PARALLEL,
        (c) => engine.removeContainer(c.Id),
      );
    } catch (err) {
      await lift.keep().catch(() => undefined);
      throw err;
    }
    try {
      await lift.lift();
    } finally {
      if (lift.guardId) await engine.removeContainer(lift.guardId);
    }
    await engine.removeNetwork(old.Id);
    state.network = undefined;
    state.containers.clear();
  });
}

/** Creates the planned network under a trial name and removes it: does the engine take its subnet? */
async function tryNetwork(run: UpRun, oldSubnet: string | undefined): Promise<void> {
  const { engine, plan } = run;
  // `_` is in no lab name (they are DNS labels): the trial is never another lab's network.
  const name = `${plan.network.name}_trial`;
  // A trial left by an `up` that was killed halfway (only ours: it carries the lab's label).
  for (const n of await engine.listNetworks({ name: [name] })) {
    if (n.Name === name && n.Labels?.[LABEL_LAB] === run.lab.name) await engine.removeNetwork(n.Id);
  }
  try {
    await createNetwork(engine, { ...plan, network: { ...plan.network, name } });
  } catch (err) {
    throw new NetlabError(
      `The Docker engine refuses the underlay ${plan.network.subnet} for lab ${run.lab.name}: ${engineMessage(err)}\n` +
        `Nothing was changed: lab ${run.lab.name} runs as it was${oldSubnet ? ` on ${oldSubnet}` : ''}.`,
      {
        hint: `pick another subnet for topology.underlay, or remove it and let netlab choose; or \`netlab down ${run.lab.name}\` first`,
        exitCode: 2,
        cause: err,
      },
    );
  }
  await engine.removeNetwork(name);
}

async function ensureNetwork(run: UpRun, taken: string[] | undefined): Promise<void> {
  await task(
    run.emit,
    'network',
    `network ${run.plan.network.name}`,
    async () => {
      if (run.state.network) {
        run.bridge = labBridge(run.state.network);
        return 'unchanged';
      }
      for (let attempt = 1; ; attempt++) {
        try {
          run.bridge = labBridge({ Id: await createNetwork(run.engine, run.plan) });
          break;
        } catch (err) {
          // Another lab (or program) took the picked subnet in the meantime: pick the next one.
          const overlap = /overlaps/i.test(engineMessage(err));
          if (overlap && !taken) {
            // A subnet the lab file names, taken since preflight looked.
            throw new NetlabError(`The Docker engine refuses the underlay ${run.plan.network.subnet}: ${engineMessage(err)}`, {
              hint: 'pick another subnet for topology.underlay, or remove it and let netlab choose one',
              exitCode: 2,
              cause: err,
            });
          }
          if (!taken || !overlap || attempt >= 8) throw err;
          taken.push(run.plan.network.subnet);
          run.plan = planLab(run.lab, { images: run.options.images, underlay: pickUnderlay(taken), current: currentPlacement(run.state) });
        }
      }
      run.changed++;
      return `created ${run.plan.network.subnet}`;
    },
    (d) => (d === 'unchanged' ? `${run.plan.network.subnet} unchanged` : d),
  );
}

function createNetwork(engine: Engine, plan: LabPlan): Promise<string> {
  return engine.createNetwork({
    Name: plan.network.name,
    Driver: 'bridge',
    // Not `internal`: Docker's isolation rules for internal networks drop every bridged packet
    // whose source is outside the subnet, i.e. all pod traffic between nodes. Isolation comes
    // from the routes (no container keeps a default route to the host), from turning off
    // Docker's masquerade, and from netlab's own table on the engine host (isolate, below),
    // which keeps everything on the bridge from the host's services and other interfaces.
    Internal: false,
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    CheckDuplicate: true,
    IPAM: { Config: [{ Subnet: plan.network.subnet, Gateway: plan.network.gateway }] },
    Labels: plan.network.labels,
  });
}

/**
 * Everything below the network, as a dependency graph under one limit of concurrent Docker work:
 * sandboxes (network none) and the toolbox need nothing; nodes, router and the external client
 * need the network; plumbing a pod needs its sandbox, its node and the toolbox; app containers
 * start once their pod is plumbed, as kubelet starts them after CNI ADD.
 */
async function ensureContainers(run: UpRun): Promise<{ ensured: Map<string, EnsuredContainer>; routed: Promise<unknown> }> {
  const { plan } = run;
  const infraTask = (c: ContainerPlan) =>
    task(
      run.emit,
      c.key,
      title(c),
      () => ensure(run, c),
      (r) => `${r.action}${c.ip ? ` ${c.ip}` : ''}`,
      'infrastructure',
    );

  const toolboxP = infraTask(plan.toolbox).then((t) => {
    openWarm(run, t);
    return t;
  });
  const isolatedP = isolateFromHost(run, infraTask(plan.guard));
  const nodeP = new Map(plan.nodes.map((n) => [n.name, infraTask(n.container)]));
  // The engine attaches containers to a network one at a time: nodes first, since pods wait on
  // them, and the router and external client (which nothing but routes waits on) after. Those two
  // are created at once, beside the rest: only their starts wait.
  const nodesUp = settleAll([...nodeP.values()]);
  const startsAfterNodes = (c: ContainerPlan) => {
    const prepared = prepare(run, c);
    prepared.catch(() => undefined);
    return nodesUp.then(() =>
      task(
        run.emit,
        c.key,
        title(c),
        async () => start(run, c, await prepared),
        (r) => `${r.action}${c.ip ? ` ${c.ip}` : ''}`,
        'infrastructure',
      ),
    );
  };
  // The pods' sandboxes are queued first: their creates come before these two.
  const podPs = podTasks(run, toolboxP, nodeP, isolatedP);
  const routerP = plan.router ? startsAfterNodes(plan.router) : undefined;
  const externalP = plan.external ? startsAfterNodes(plan.external) : undefined;
  const routesP = setRoutes(run, toolboxP, nodesUp, routerP, externalP);
  // What nothing below waits on: the router, the external client and the routes.
  const routed = settleAll<unknown>([routerP ?? Promise.resolve(), externalP ?? Promise.resolve(), routesP]);
  // Handled here as well: it may fail before the caller awaits it.
  routed.catch(() => undefined);
  try {
    await settleAll<unknown>([toolboxP, isolatedP, ...nodeP.values(), ...podPs]);
  } catch (err) {
    // Nothing is left running behind a failure.
    await routed.catch(() => undefined);
    throw err;
  }

  const ensured = new Map<string, EnsuredContainer>();
  ensured.set(plan.toolbox.key, await toolboxP);
  for (const n of plan.nodes) ensured.set(n.container.key, await nodeP.get(n.name)!);
  return { ensured, routed };
}

const WARM_SESSIONS = 3;

/**
 * The toolbox gets its sessions as soon as it runs, their execs' start paid while the nodes still
 * start: the plumbing (or the looks at running pods), the routes and the sync go through them.
 */
function openWarm(run: UpRun, toolbox: EnsuredContainer): void {
  if (run.warm) return;
  const direct = new Toolbox(run.engine, toolbox.id);
  // As many as requests that come at once: a plumbing per node's wave of pods, and the routes.
  const sessions = Array.from({ length: Math.min(WARM_SESSIONS, run.plan.nodes.length + 1) }, () => direct.session());
  for (const s of sessions) s.catch(() => undefined);
  run.warm = { toolbox: new WarmToolbox(direct, sessions), on: (t) => t.id === toolbox.id };
}

/** The toolbox's open session when it is on this toolbox, or a toolbox taking an exec per request. */
function toolboxOf(run: UpRun, toolbox: EnsuredContainer): Toolbox | WarmToolbox {
  return run.warm?.on(toolbox) ? run.warm.toolbox : new Toolbox(run.engine, toolbox.id);
}

function ensure(run: UpRun, c: ContainerPlan, options?: EnsureOptions): Promise<EnsuredContainer> {
  return run.limit(async () => {
    run.checkAbort();
    const e = await ensureContainer(run.engine, c, run.state.containers.get(c.name), options);
    if (e.action !== 'unchanged') run.changed++;
    return e;
  });
}

/** The first half of `ensure`: created (or kept, or replaced), not started. */
function prepare(run: UpRun, c: ContainerPlan): Promise<PreparedContainer> {
  return run.limit(() => {
    run.checkAbort();
    return prepareContainer(run.engine, c, run.state.containers.get(c.name));
  });
}

/** The second half of `ensure`: starts what `prepare` (or a pod's own prepare) left to start. */
function start(run: UpRun, c: ContainerPlan, prepared: PreparedContainer, options?: EnsureOptions): Promise<EnsuredContainer> {
  return run.limit(async () => {
    run.checkAbort();
    const e = await startPrepared(run.engine, c, prepared, options);
    if (e.action !== 'unchanged') run.changed++;
    return e;
  });
}

/** The lab's table on the engine host, (re)installed by its guard at every `up`, beside the lab's containers. */
async function isolateFromHost(run: UpRun, guardP: Promise<EnsuredContainer>): Promise<void> {
  const bridge = run.bridge!;
  const guard = await guardP;
  if (trusted(run) && guard.action === 'unchanged' && run.state.network) return;
  await task(
    run.emit,
    'isolation',
    'isolation from the host',
    () => run.limit(() => isolate(run.engine, guard.id, run.lab.name, bridge)),
    () => `${bridge}: no way to the host or past it`,
    'infrastructure',
  );
}

async function setRoutes(
  run: UpRun,
  toolboxP: Promise<EnsuredContainer>,
  nodesP: Promise<EnsuredContainer[]>,
  routerP: Promise<EnsuredContainer> | undefined,
  externalP: Promise<EnsuredContainer> | undefined,
): Promise<void> {
  const { plan } = run;
  const [toolbox, nodes, router, external] = await Promise.all([toolboxP, nodesP, routerP, externalP]);
  if (trusted(run) && [toolbox, ...nodes, router, external].every((c) => c === undefined || c.action === 'unchanged')) return;
  await task(
    run.emit,
    'routes',
    'routes',
    async () => {
      const targets = [
        // Direct routing: no default route at all, so pod traffic never leaves toward the host.
        ...plan.nodes.map((n, i) => ({
          pid: nodes[i]!.pid,
          container: nodes[i]!.id,
          routes: n.routes,
          dropDefault: !n.routes.some((r) => r.dst === 'default'),
        })),
        ...(plan.router && router ? [{ pid: router.pid, container: router.id, routes: plan.router.routes, dropDefault: true }] : []),
        ...(external ? [{ pid: external.pid, container: external.id, routes: [], dropDefault: true }] : []),
      ];
      await run.limit(() => toolboxOf(run, toolbox).run(routesRequest(targets)));
      return plan.router ? `router holds ${plan.router.routes.map((r) => r.dst).join(', ')}` : `direct routes between ${plan.nodes.length} nodes`;
    },
    (d) => d,
  );
}

/** CNI ADDs of pods that become ready together run in one toolbox exec; each pod gets its own answer. */
function plumber(run: UpRun): (job: PlumbJob & { toolbox: EnsuredContainer }) => Promise<string | Error> {
  return batcher((jobs: (PlumbJob & { toolbox: EnsuredContainer })[]) =>
    run.limit(() => {
      const { toolbox } = jobs[0]!;
      return plumbPods(toolboxOf(run, toolbox), jobs);
    }),
  );
}

function podTasks(run: UpRun, toolboxP: Promise<EnsuredContainer>, nodeP: Map<string, Promise<EnsuredContainer>>, isolatedP: Promise<void>): Promise<string>[] {
  const plumb = plumber(run);
  const nodeByName = new Map(run.plan.nodes.map((n) => [n.name, n]));
  return run.plan.pods.map((pod) =>
    task(
      run.emit,
      pod.pause.key,
      `pod ${podTitle(pod)}`,
      async () => {
        const node = nodeByName.get(pod.node)!;
        const before = run.state.containers.get(pod.pause.name);
        const pause = await ensure(run, pod.pause);
        if (pause.action !== 'unchanged') await dropOldPodContainers(run, pod);
        // Created while the sandbox is plumbed; started after it, as kubelet starts them after CNI ADD.
        const appOptions = (c: ContainerPlan): EnsureOptions => ({
          // Joined to a sandbox that has since been replaced: it must join the new one.
          keep: (existing) => existing.HostConfig?.NetworkMode === `container:${pause.id}`,
          needPid: false,
          // As kubelet: a container that ended is started again only under restartPolicy Always.
          leaveExited: c.create.HostConfig?.RestartPolicy?.Name !== 'always',
        });
        const prepared = settleAll(
          pod.containers.map((c) => run.limit(() => prepareContainer(run.engine, c, run.state.containers.get(c.name), appOptions(c)))),
        );
        // Awaited below; a failure meanwhile is not left unhandled.
        prepared.catch(() => undefined);
        let plumbed: string;
        try {
          const [nodeState, toolbox] = await Promise.all([nodeP.get(pod.node)!, toolboxP]);
          run.checkAbort();
          const result = await (trusted(run) && pause.action === 'unchanged' && nodeState.action === 'unchanged'
            ? 'unchanged'
            : plumb({
                pod,
                toolbox,
                input: { containerId: pause.id, podPid: pause.pid, nodePid: nodeState.pid, nodeId: nodeState.id, ip: pod.ip, cniConfig: node.cniConfig },
                sandbox: pause.action,
                ...(pause.action === 'recreated' && before ? { replaced: before.Id } : {}),
              }));
          if (result instanceof Error) throw result;
          plumbed = result;
          if (plumbed.trim() !== 'unchanged') run.changed++;
          // A pod's own programs (images a student may have made) start only inside an isolated lab.
          await isolatedP;
        } catch (err) {
          // Nothing is left running behind a failure: the creates finish (or fail) first.
          await prepared.catch(() => undefined);
          throw err;
        }
        const apps = await prepared;
        await settleAll(pod.containers.map((c, i) => start(run, c, apps[i]!, appOptions(c))));
        return `${pod.ip} on ${pod.node}${pause.action === 'unchanged' && plumbed.trim() === 'unchanged' ? ' unchanged' : ''}`;
      },
      (d) => d,
      'pods',
    ),
  );
}

/** A change to a running lab: what runs unchanged is taken as it is (UpOptions.scope). */
function trusted(run: UpRun): boolean {
  return run.options.scope === 'changed';
}

/** Containers still holding an old sandbox's namespace (and its veth and IP) go first. */
async function dropOldPodContainers(run: UpRun, pod: PodPlan): Promise<void> {
  await settleAll(
    pod.containers.map(async (c) => {
      const old = run.state.containers.get(c.name);
      run.state.containers.delete(c.name);
      if (old) await run.limit(() => run.engine.removeContainer(old.Id));
    }),
  );
}

/** Whatever the lab has that the plan does not (a pod removed from the file, fewer replicas). */
async function pruneStale(run: UpRun, ensured: Map<string, EnsuredContainer>): Promise<void> {
  const planned = new Set(allContainers(run.plan).map((c) => c.name));
  const stale = [...run.state.containers.entries()].filter(([name]) => !planned.has(name)).map(([, c]) => c);
  if (!stale.length) return;
  await task(run.emit, 'prune', `remove ${stale.length} container(s) no longer in the lab`, async () => {
    await releasePodAddresses(run, ensured, stale);
    await mapLimit(stale, ENGINE_PARALLEL, (c) => run.engine.removeContainer(c.Id));
    run.changed += stale.length;
  });
}

function title(c: ContainerPlan): string {
  if (c.role === 'node') return `node ${c.key.slice('node/'.length)}`;
  return c.role;
}

/** CNI DEL for pause containers about to be removed, so their node's host-local frees the address. */
async function releasePodAddresses(run: UpRun, ensured: Map<string, EnsuredContainer>, stale: ContainerSummary[]): Promise<void> {
  const toolbox = new Toolbox(run.engine, ensured.get(run.plan.toolbox.key)!.id);
  await mapLimit(
    stale.filter((s) => s.Labels[LABEL_ROLE] === 'pause'),
    ENGINE_PARALLEL,
    async (c) => {
      const node = run.plan.nodes.find((n) => n.name === c.Labels[LABEL_NODE]);
      const nodeState = node && ensured.get(node.container.key);
      if (!node || !nodeState) return;
      await toolbox
        .run(unplumbPodRequest({ containerId: c.Id, nodePid: nodeState.pid, nodeId: nodeState.id, cniConfig: node.cniConfig }))
        .catch(() => undefined);
    },
  );
}
