// What a running lab is made of, and its parts' states: `netlab status`, `netlab exec`.
import { NetlabError } from '../core/errors.js';
import { LABEL_LAB } from '../core/labels.js';
import { podContainerName, podTitle } from '../core/names.js';
import type { Engine, AttachedExec } from '../engine/engine.js';
import { listLabsOnEngine, type LabSummary } from '../engine/state.js';
import { resolveEndpoint } from '../labfile/endpoints.js';
import { listLabs, type LabListing } from '../labfile/load.js';
import { readImpairments } from './impair.js';
import { RunningLab } from './running-lab.js';

export interface StatusRow {
  kind: 'node' | 'router' | 'external' | 'pod';
  name: string;
  ip: string;
  detail: string;
  state: string;
  /** What is impaired in its namespace (netlab impair, topology.impair): `eth0: delay 200ms, loss 5%`. */
  impair?: string[];
}

export type { LabSummary, LabListing };

export function labsOnEngine(engine: Engine): Promise<LabSummary[]> {
  return listLabsOnEngine(engine);
}

/** The catalogue of labs netlab ships, with whether each is up on the engine (when one answers). */
export async function catalogue(engine: Engine | undefined): Promise<(LabListing & { up: boolean })[]> {
  const labs = await listLabs();
  const running = new Map(engine ? (await listLabsOnEngine(engine)).map((l) => [l.name, l.running]) : []);
  return labs.map((l) => ({ ...l, up: (running.get(l.name) ?? 0) > 0 }));
}

/** Every part of a running lab with its address and state. */
export async function labStatus(running: RunningLab): Promise<StatusRow[]> {
  const { plan } = running;
  const [state, impaired] = await Promise.all([running.containerStates(), readImpairments(running)]);
  const rows: StatusRow[] = [];
  const of = (name: string) => state.get(name) ?? 'missing';
  for (const n of plan.nodes) rows.push({ kind: 'node', name: n.name, ip: n.ip, detail: `pods ${n.podCIDR}, cbr0 ${n.bridgeIP}`, state: of(n.container.name) });
  if (plan.router)
    rows.push({
      kind: 'router',
      name: 'router',
      ip: plan.router.ip,
      detail: plan.router.routes.map((r) => `${r.dst} via ${r.via}`).join(', '),
      state: of(plan.router.name),
    });
  if (plan.external) rows.push({ kind: 'external', name: 'external', ip: plan.external.ip, detail: '', state: of(plan.external.name) });
  // A pod's state in kubectl's words: READY and STATUS (`1/2 CrashLoopBackOff`), with its restarts.
  for (const { pod: p, status } of await running.podReports()) {
    const containers = p.containers.map((c) => c.name.slice(podContainerName(plan.lab, p).length + 1)).join(', ');
    rows.push({
      kind: 'pod',
      name: podTitle(p),
      ip: p.ip,
      detail: `on ${p.node}: ${containers}`,
      state: `${status.ready}/${status.total} ${status.status}${status.restarts ? ` (${status.restarts} restart${status.restarts === 1 ? '' : 's'})` : ''}`,
    });
  }
  const containerOf = (r: StatusRow) =>
    r.kind === 'node'
      ? plan.nodes.find((n) => n.name === r.name)?.container.name
      : r.kind === 'router'
        ? plan.router?.name
        : r.kind === 'external'
          ? plan.external?.name
          : plan.pods.find((p) => podTitle(p) === r.name)?.pause.name;
  for (const r of rows) {
    const impair = impaired.get(containerOf(r) ?? '');
    if (impair) r.impair = impair;
  }
  return rows;
}

/** Starts a command (or a shell, when `cmd` is empty) in a part of a running lab, attached to the caller. */
export async function attachTo(
  engine: Engine,
  labArg: string,
  target: string,
  cmd: string[],
  tty: boolean,
  options: { namespace?: string; container?: string; stdin?: boolean } = {},
): Promise<AttachedExec> {
  const running = await RunningLab.open(engine, labArg);
  const name = running.containerFor(target, options);
  const info = await engine.inspectContainer(name);
  if (info?.State.Restarting) {
    throw new NetlabError(`${name} is restarting (CrashLoopBackOff): it exited with code ${info.State.ExitCode} and waits out its back-off.`, {
      hint: `See what it printed: docker logs ${name}`,
    });
  }
  if (info && info.Config.Labels?.[LABEL_LAB] === running.name && !info.State.Running && info.HostConfig.RestartPolicy?.Name !== 'always') {
    // kubelet leaves it so, and so does `up`: its pod's restartPolicy is Never or OnFailure.
    throw new NetlabError(`${name} has ended (exit code ${info.State.ExitCode}); its pod's restartPolicy does not start it again.`, {
      hint: `See what it printed: docker logs ${name}; delete the pod and apply it again to run it anew.`,
    });
  }
  if (!info || info.Config.Labels?.[LABEL_LAB] !== running.name || !info.State.Running) {
    throw new NetlabError(`${name} is not running.`, { hint: `netlab up ${labArg} brings it back.` });
  }
  const command = cmd.length === 0 ? ['sh', '-c', 'if command -v bash >/dev/null; then exec bash; else exec sh; fi'] : cmd;
  return engine.attach(name, command, { tty, stdin: options.stdin, env: [`TERM=${process.env.TERM ?? 'xterm'}`] });
}

/** The engine's container of a pod's container (`pod`, `pod.namespace`, `pod/container`) in a running lab, for `netlab logs`. */
export async function podContainerFor(engine: Engine, labArg: string, target: string): Promise<string> {
  const running = await RunningLab.open(engine, labArg);
  const ref = resolveEndpoint(running.lab, target);
  if ('error' in ref || ref.kind !== 'pod')
    throw new NetlabError(`No pod ${target} in lab ${running.name}${'error' in ref ? `: ${ref.error}` : ''}.`, {
      hint: `${'error' in ref && ref.hint ? `${ref.hint}; ` : ''}netlab get ${running.name} pods lists them`,
      exitCode: 2,
    });
  const name = running.containerFor(target);
  if (!(await engine.inspectContainer(name)))
    throw new NetlabError(`${target} has no container on the engine.`, { hint: `netlab up ${running.name} creates it` });
  return name;
}
