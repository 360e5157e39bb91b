// A lab as it runs on an engine, as one aggregate: the lab (its file, with what apply/delete/
// scale changed), its plan on the underlay it got, the overlay of changes, and its toolbox.
// Commands about a running lab open one and ask it; nothing else re-derives these.
import { resolve } from 'node:path';
import { NetlabError, LabFileError } from '../core/errors.js';
import { extraLabelsOf, LABEL_PROXY_MODE, LABEL_ROLE } from '../core/labels.js';
import { podContainerName, toolboxName } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { listLabContainers, listLabsOnEngine, readLabState, type LabState } from '../engine/state.js';
import { currentPlacement } from './placement.js';
import { Toolbox } from '../engine/toolbox.js';
import { containerName } from '../engine/types.js';
import { imageRefs } from '../images/index.js';
import { resolveEndpoint } from '../labfile/endpoints.js';
import { type CheckFileId, type LoadedLab, loadLab, resolveLabFile } from '../labfile/load.js';
import { DEFAULT_NAMESPACES, type Lab, type ProxyMode } from '../labfile/model.js';
import { isProxyMode } from '../core/proxy-modes.js';
import { didYouMean, suggestion } from '../core/suggest.js';
import { withAddons } from '../plan/addons.js';
import { proxyModeDriver } from '../plan/proxy/registry.js';
import { planLab } from '../plan/plan.js';
import { podSourcesFrom } from '../plan/readiness.js';
import type { ProbeVerdict } from '../plan/probes.js';
import { probeOnce, type ProbeTarget } from './probing.js';
import { planServices, type PlannedService, type PodEndpointSource } from '../plan/services.js';
import { loadBalancerSetting } from '../plan/load-balancer.js';
import type { LabPlan } from '../plan/types.js';
import { isEmptyOverlay, overlaid } from './manifests.js';
import { type LockOptions, withLabLock } from './lock.js';
import { EMPTY_OVERLAY, readOverlay, type Overlay } from './overlay.js';
import { type PodReport, readPodReports } from './pod-facts.js';

/** Loads a lab file by lab name or path, optionally renamed (`--name alice`). */
export async function loadLabArg(labArg: string, name?: string, warn = false): Promise<Lab> {
  const file = resolveLabFile(labArg);
  const { lab, warnings } = await loadLab(file, name !== undefined ? { name } : {});
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
 * The lab's containers and network, and (read at the same time, from the toolbox its name says)
 * the changes kept in its toolbox: asRunning takes that reading only if that toolbox is the one
 * running.
 */
async function readRunningState(engine: Engine, lab: string): Promise<{ state: LabState; early: EarlyOverlay }> {
  const toolbox = toolboxName(lab);
  const overlay = readOverlay(engine, toolbox);
  overlay.catch(() => undefined); // read again by asRunning if it failed
  return { state: await readLabState(engine, lab), early: { toolbox, overlay } };
}

interface EarlyOverlay {
  toolbox: string;
  overlay: Promise<Overlay>;
}

/** The lab file's lab as it runs (mode, publish), then with what apply/delete/scale changed. */
async function asRunning(engine: Engine, loaded: Lab, state: LabState, early?: EarlyOverlay): Promise<{ lab: Lab; base: Lab; overlay: Overlay }> {
  let base = withMode(loaded, runningProxyMode(state));
  // A class's labels stay on the student's lab whatever later changes it (given ones win: class up, reset).
  const labels = loaded.labels ?? extraLabelsOf(state.network?.Labels);
  if (labels) base = { ...base, labels };
  if (isPublished(state)) base = { ...base, topology: { ...base.topology, publish: true } };
  const toolbox = toolboxOf(state);
  const overlay = !toolbox
    ? structuredClone(EMPTY_OVERLAY)
    : early?.toolbox === toolbox
      ? await early.overlay.catch(() => readOverlay(engine, toolbox))
      : await readOverlay(engine, toolbox);
  return { base, overlay, lab: isEmptyOverlay(overlay) ? base : await overlaid(base, overlay) };
}

/**
 * The lab `up` means, as its file says: a lab file by name or path (renamed with --name), or else
 * a lab already on the engine by that name, from the file on its labels (so `netlab up alice`
 * repairs a copy). Reads the engine only to find such a copy: what runs is read under the lab's
 * lock, by `runningForUp`.
 */
export async function loadForUp(connect: () => Promise<Engine>, labArg: string, options: { name?: string; proxyMode?: string } = {}): Promise<Lab> {
  const { name } = options;
  if (options.proxyMode !== undefined) proxyModeDriver(options.proxyMode); // a wrong mode is refused before anything else
  try {
    return await loadLabArg(labArg, name, true);
  } catch (err) {
    if (name !== undefined || err instanceof LabFileError) throw err;
    const onEngine = (await listLabsOnEngine(await connect())).find((l) => l.name === labArg);
    if (!onEngine?.file) throw err;
    return withAddons((await loadLab(onEngine.file, { name: labArg })).lab);
  }
}

/**
 * The loaded lab as it runs now: with what apply/delete/scale changed, its running proxy mode
 * and publishing. The proxy mode: --proxy-mode, else the running lab's, else the lab file's.
 */
export async function runningForUp(engine: Engine, loaded: Lab, options: { proxyMode?: string; publish?: boolean } = {}): Promise<Lab> {
  return (await runningStateForUp(engine, loaded, options)).lab;
}

/** `runningForUp`, with the lab's containers and network as read for it (under the lab's lock, `up` need not read them again). */
export async function runningStateForUp(
  engine: Engine,
  loaded: Lab,
  options: { proxyMode?: string; publish?: boolean } = {},
): Promise<{ lab: Lab; state: LabState }> {
  const proxyMode = options.proxyMode === undefined ? undefined : proxyModeDriver(options.proxyMode).name;
  const { state, early } = await readRunningState(engine, loaded.name);
  let { lab } = await asRunning(engine, loaded, state, early);
  if (proxyMode) lab = withMode(lab, proxyMode);
  // --publish, or a running lab that was brought up with it.
  if (options.publish) lab = { ...lab, topology: { ...lab.topology, publish: true } };
  return { lab, state };
}

/** `loadForUp`, then `runningForUp`. */
export async function labForUp(
  connect: () => Promise<Engine>,
  labArg: string,
  options: { name?: string; proxyMode?: string; publish?: boolean } = {},
): Promise<Lab> {
  const loaded = await loadForUp(connect, labArg, options);
  return runningForUp(await connect(), loaded, options);
}

/** The name of the lab `RunningLab.open(engine, labArg)` opens, found without reading its parts (to take its lock first). */
export async function runningLabName(engine: Engine, labArg: string): Promise<string> {
  const onEngine = (await listLabsOnEngine(engine)).find((l) => l.name === labArg);
  if (onEngine?.file) return labArg;
  return (await loadLab(resolveLabFile(labArg))).lab.name;
}

/**
 * A command that changes a running lab: under the lab's lock, the lab opened as it runs now (so
 * nothing another command changed meanwhile is lost), then `work` on it. The labs on the engine
 * are listed once and the lab file read before the lock is taken (neither is what the lock
 * guards); the lab's state is read under it.
 */
export async function withRunningLab<T>(
  engine: Engine,
  labArg: string,
  command: string,
  work: (running: RunningLab) => Promise<T>,
  options: LockOptions & {
    /** Told the lab's file, as read, before the lock is taken (to start work that needs no lock). */
    beforeLock?: (file: LoadedLab) => void;
  } = {},
): Promise<T> {
  const file = await readRunningLabFile(engine, labArg);
  options.beforeLock?.(file.read);
  return withLabLock(engine, file.read.lab.name, command, async () => work(await RunningLab.open(engine, labArg, {}, file)), options);
}

/** Which lab `labArg` names (a lab on the engine by that name, else a lab file), its file read. */
export interface RunningLabFile {
  /** The lab was found on the engine by name (its file is on its labels). */
  onEngine: boolean;
  read: LoadedLab;
}

async function readRunningLabFile(engine: Engine, labArg: string, options: { checksFile?: string } = {}): Promise<RunningLabFile> {
  const checks = options.checksFile !== undefined ? { checksFile: options.checksFile } : {};
  // The file labArg names is read while the engine is asked for a lab by that name: usually the
  // same file (a lab up under the name in its file), else it is read again below.
  let guess: string | undefined;
  try {
    guess = resolveLabFile(labArg);
  } catch {
    guess = undefined;
  }
  const early = guess
    ? loadLab(guess, checks).then(
        (read) => ({ read }),
        (error: unknown) => ({ error }),
      )
    : undefined;
  const found = (await listLabsOnEngine(engine)).find((l) => l.name === labArg);
  const onEngine = !!found?.file;
  if (early && (!onEngine || resolve(found!.file!) === guess)) {
    const r = await early;
    if ('error' in r && !onEngine) throw r.error;
    if ('read' in r && (!onEngine || r.read.lab.name === labArg)) return { onEngine, read: r.read };
  }
  const read = await loadLab(found?.file ?? resolveLabFile(labArg), { ...(onEngine ? { name: labArg } : {}), ...checks });
  return { onEngine, read };
}

export class RunningLab {
  readonly toolbox: Toolbox;

  private constructor(
    readonly engine: Engine,
    /** The lab as it runs: its file, its running mode, and what apply/delete/scale changed. */
    readonly lab: Lab,
    /** The lab file's lab as it runs, without the changes. */
    readonly base: Lab,
    readonly plan: LabPlan,
    readonly overlay: Overlay,
    /** The lab's containers and network as they were when it was opened. */
    readonly state: LabState,
    /** The instructor's check file whose checks replaced the lab's own, when one was given. */
    readonly checkFile?: CheckFileId,
  ) {
    this.toolbox = new Toolbox(engine, plan.toolbox.name);
  }

  /**
   * A lab on the engine by that name (its lab file is on its labels, so `netlab check alice`
   * finds the copy's file), else the lab file by name/path; it must be up. `checksFile`: an
   * instructor's check file whose checks replace the lab's own.
   */
  static async open(engine: Engine, labArg: string, options: { checksFile?: string } = {}, file?: RunningLabFile): Promise<RunningLab> {
    const { onEngine, read } = file ?? (await readRunningLabFile(engine, labArg, options));
    const loaded = withAddons(read.lab);
    const { state, early } = await readRunningState(engine, loaded.name);
    const subnet = state.network?.IPAM?.Config?.[0]?.Subnet;
    if (!subnet) {
      // A lab file by path (a course's): the lab it names may run under another name.
      const byPath = !onEngine && labArg !== loaded.name;
      throw new NetlabError(`Lab ${loaded.name}${byPath ? ` (named in ${labArg})` : ''} is not up.`, {
        hint: `Bring it up first: netlab up ${labArg}${
          byPath ? `; or, for a copy that runs under another name, take this file's checks and exercises: --checks ${labArg} on that copy` : ''
        }`,
      });
    }
    const { lab, base, overlay } = await asRunning(engine, loaded, state, early);
    const plan = planLab(lab, { images: await imageRefs(), underlay: subnet, current: currentPlacement(state) });
    return new RunningLab(engine, lab, base, plan, overlay, state, read.checkFile);
  }

  get name(): string {
    return this.plan.lab;
  }

  /** The lab's containers by name, with their states, read now. */
  async containerStates(): Promise<Map<string, string>> {
    const containers = await listLabContainers(this.engine, this.name);
    return new Map(containers.map((c) => [containerName(c), c.State]));
  }

  /** Every pod with its address, node and readiness now (its containers running, its readiness probes run once and passing). */
  async podSources(): Promise<PodEndpointSource[]> {
    return readPodSources(this);
  }

  /** The readiness probes of the running containers, run once now (by container). */
  probeReadiness(running: ReadonlySet<string>): Promise<Map<string, ProbeVerdict>> {
    return probeOnce(this, running);
  }

  /** Every pod with READY, STATUS and RESTARTS now, as `kubectl get pods` shows them (readiness probes run once). */
  async podReports(): Promise<PodReport[]> {
    const sources = await this.podSources();
    // podSourcesFrom keeps the plan's pod and container order.
    const notReady = new Set(
      this.plan.pods.flatMap((p, i) =>
        p.containers.filter((_, j) => sources[i]?.containers?.[j]?.running && !sources[i]!.containers![j]!.ready).map((c) => c.name),
      ),
    );
    return readPodReports(this.engine, this.lab, this.plan, notReady);
  }

  /** The lab's namespaces: the defaults and those its Namespace manifests created, by name. */
  namespaces(): string[] {
    return [...DEFAULT_NAMESPACES, ...this.lab.namespaces.map((n) => n.name)].sort();
  }

  /** How long (ms) the lab has been up: since its toolbox was created. */
  async age(): Promise<number | undefined> {
    const info = await this.engine.inspectContainer(this.plan.toolbox.name);
    return info ? Date.now() - new Date(info.Created).getTime() : undefined;
  }

  /** Services with their endpoints from the pods that are ready now. */
  async services(sources?: PodEndpointSource[]): Promise<PlannedService[]> {
    return planServices(this.lab.services, sources ?? (await this.podSources()), this.lab.topology.serviceCIDR, [], loadBalancerSetting(this.plan));
  }

  /**
   * The container `netlab exec <lab> <target>` means: a pod (`pod`, `ns/pod`, `pod.ns`, or `pod`
   * with `namespace`), its first container or `pod/container` (or `container`), a node, router, external.
   */
  containerFor(target: string, options: { namespace?: string; container?: string } = {}): string {
    const plan = this.plan;
    const hint = 'Targets: a pod (ns/pod, or -n ns pod), pod/container (or pod -c container), a node, router, external.';
    if (target === 'toolbox') {
      // It enters every namespace of the host's containers: a shell there is a root shell on the host.
      throw new NetlabError("The toolbox is netlab's own container, not part of the lab: it is not open to `exec`.", { hint, exitCode: 2 });
    }
    const pod = this.podFor(target, options.namespace);
    if (pod) return `${podContainerName(plan.lab, pod.pod)}-${this.containerOf(pod.pod, options.container ?? pod.container)}`;
    const ref = resolveEndpoint(this.lab, target);
    if ('error' in ref) throw new NetlabError(`No ${target} in lab ${plan.lab}: ${ref.error}`, { hint: ref.hint ?? hint });
    if (ref.kind !== 'pod' && options.container !== undefined) throw new NetlabError(`-c ${options.container}: ${target} is not a pod.`, { hint, exitCode: 2 });
    switch (ref.kind) {
      case 'pod':
        return `${podContainerName(plan.lab, ref.pod)}-${this.containerOf(ref.pod, options.container ?? ref.container?.name)}`;
      case 'node':
        return plan.nodes.find((n) => n.name === ref.node.name)!.container.name;
      case 'router':
        return plan.router!.name;
      case 'external':
        return plan.external!.name;
      default:
        throw new NetlabError(`${target} is an address, not a container.`, { hint });
    }
  }

  /**
   * The pod an exec target names as kubectl users write it: with -n, `pod` (or `pod/container`);
   * without, `ns/pod` when ns is one of the lab's namespaces and has that pod. Undefined: let
   * the lab's endpoint names (pod, pod/container, pod.ns, nodes...) decide.
   */
  private podFor(target: string, namespace: string | undefined): { pod: Lab['pods'][number]; container?: string } | undefined {
    const [first, second, ...rest] = target.split('/');
    if (rest.length) return undefined;
    if (namespace !== undefined) {
      const pod = this.lab.pods.find((p) => p.namespace === namespace && p.name === first);
      if (!pod) {
        const here = this.lab.pods.filter((p) => p.namespace === namespace).map((p) => p.name);
        throw new NetlabError(`pods "${first}" not found in namespace ${namespace} of lab ${this.name}.`, {
          hint: suggestion(first ?? '', here, `pods in ${namespace}`) ?? `namespace ${namespace} has no pods here (netlab get ${this.name} pods -A)`,
          exitCode: 2,
        });
      }
      return { pod, ...(second !== undefined ? { container: second } : {}) };
    }
    if (second === undefined || !this.namespaces().includes(first!)) return undefined;
    const pod = this.lab.pods.find((p) => p.namespace === first && p.name === second);
    if (!pod) return undefined;
    const alsoContainer = this.lab.pods.find((p) => p.namespace === 'default' && p.name === first && p.containers.some((c) => c.name === second));
    if (alsoContainer) {
      throw new NetlabError(`${target} is both pod ${second} in namespace ${first} and container ${second} of pod ${first}.`, {
        hint: `say which: -n ${first} ${second}, or ${first} -c ${second}`,
        exitCode: 2,
      });
    }
    return { pod };
  }

  /** The name of the pod's container `-c` names (its first one when none is named), as kubectl checks it. */
  private containerOf(pod: Lab['pods'][number], container: string | undefined): string {
    if (container === undefined) return pod.containers[0]!.name;
    if (pod.containers.some((c) => c.name === container)) return container;
    const names = pod.containers.map((c) => c.name);
    throw new NetlabError(`container ${container} is not valid for pod ${pod.name}.`, {
      hint: didYouMean(container, names) ?? `its containers: ${names.join(', ')}`,
      exitCode: 2,
    });
  }
}

/** The names of the lab's containers that run now, read from the engine in one call. */
export async function runningContainers(engine: Engine, lab: string): Promise<Set<string>> {
  const containers = await listLabContainers(engine, lab);
  return new Set(containers.filter((c) => c.State === 'running').map(containerName));
}

/**
 * Which pods of a plan are ready now: their containers running (one engine call) and their
 * readiness probes passing, given by a Prober's published results (`probes`) or else run once.
 */
export async function readPodSources(target: ProbeTarget, probes?: ReadonlyMap<string, ProbeVerdict>): Promise<PodEndpointSource[]> {
  const running = await runningContainers(target.engine, target.plan.lab);
  return podSourcesFrom(target.lab, target.plan, running, probes ?? (await probeOnce(target, running)));
}
