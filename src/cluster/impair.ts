// Link impairment on a running lab: `netlab impair`, a lab file's `topology.impair` at `up`, an
// exercise's `impair` fault; and what is impaired now, for status and graph. The steps are
// planned in src/plan/impair.ts from what each namespace holds now, and run by the toolbox.
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { task } from '../core/events.js';
import { rawStepsRequest, stepsRequest, type NamespaceRef } from '../core/toolbox-request.js';
import type { Engine } from '../engine/engine.js';
import { Toolbox } from '../engine/toolbox.js';
import { describeImpairment, type ImpairTarget, readImpairment, resolveImpairTarget, type WrittenImpairment } from '../labfile/impair.js';

export type { WrittenImpairment };
import type { Impairment, Lab } from '../labfile/model.js';
import {
  describeObserved,
  endSteps,
  impairEnds,
  type ImpairEnd,
  type ObservedImpairments,
  PRUNE_STEP,
  parseObserved,
  podName,
  READ_STEPS,
  readSteps,
} from '../plan/impair.js';
import type { LabPlan } from '../plan/types.js';
import { withRunningLab } from './running-lab.js';

export interface ImpairScope {
  engine: Engine;
  lab: Lab;
  plan: LabPlan;
}

export interface ImpairOutcome {
  target: string;
  /** What each namespace does now: `node1 eth0: delay 200ms`, or cleared. */
  ends: { part: string; label: string }[];
  description: string;
}

/** The target resolved in the lab, or a NetlabError that says how to write it. */
export function impairTargetOf(lab: Lab, text: string, imp?: Impairment): ImpairTarget {
  const t = resolveImpairTarget(lab, text);
  if ('error' in t) throw new NetlabError(`Cannot impair ${text}: ${t.error}.`, { hint: t.hint, exitCode: 2 });
  if (t.value.kind === 'link' && imp?.rateBitsPerSecond !== undefined) {
    throw new NetlabError(`--rate on link ${text}: tbf shapes a whole interface, and a link's ends share theirs with other links.`, {
      hint: `shape an end's interface instead (netlab impair LAB ${text.split('--')[0]} --rate ...), or give the link delay, jitter and loss only`,
      exitCode: 2,
    });
  }
  return t.value;
}

/** The impairment the flags ask for (undefined: --clear), or a usage error naming the flag. */
export function impairmentFromFlags(o: WrittenImpairment & { clear?: boolean }): Impairment | undefined {
  const given = (['delay', 'jitter', 'loss', 'rate'] as const).filter((k) => o[k] !== undefined);
  if (o.clear) {
    if (given.length)
      throw new NetlabError(`--clear takes the impairment back; it goes with no --${given[0]}.`, { hint: 'clear first, then impair anew', exitCode: 2 });
    return undefined;
  }
  const read = readImpairment({ delay: o.delay, jitter: o.jitter, loss: o.loss, rate: o.rate });
  if ('error' in read) {
    const flag = 'field' in read ? ` (--${read.field})` : '';
    throw new NetlabError(`${read.error}${flag}.`, { hint: `${read.hint}; or --clear to take an impairment back`, exitCode: 2 });
  }
  return read.value;
}

/** `netlab impair`: under the lab's lock, the target impaired as `imp` says (undefined: cleared). */
export function impairLab(engine: Engine, labArg: string, target: string, imp: Impairment | undefined, emit?: EventSink): Promise<ImpairOutcome> {
  return withRunningLab(engine, labArg, 'impair', (running) => applyImpairment(running, target, imp), emit ? { emit } : {});
}

/** The impairments a lab file writes in `topology.impair`, applied (at `up`; the lock is held). */
export async function applyLabImpairments(scope: ImpairScope, emit: EventSink): Promise<void> {
  const specs = scope.lab.topology.impair ?? [];
  if (specs.length === 0) return;
  await task(emit, 'impair', `impair ${specs.map((s) => s.target).join(', ')}`, async () => {
    for (const spec of specs) await applyImpairment(scope, spec.target, spec.impairment);
  });
}

/** Applies (or clears) one impairment; the caller holds the lab's lock. */
export async function applyImpairment(scope: ImpairScope, text: string, imp: Impairment | undefined): Promise<ImpairOutcome> {
  const ends = impairEnds(scope.plan, impairTargetOf(scope.lab, text, imp));
  const toolbox = new Toolbox(scope.engine, scope.plan.toolbox.name);
  const refs = await namespaces(
    scope.engine,
    ends.map((e) => ({ container: e.container, part: e.part })),
  );
  const observed = await readObserved(
    toolbox,
    ends.map((e) => refs.get(e.container)!),
    `reading impairments of ${text}`,
  );
  ends.forEach((end, i) => {
    if (!observed[i]!.interfaces.has(end.iface)) {
      throw new NetlabError(`${end.part} has no interface ${end.iface}.`, {
        hint: `its interfaces: ${[...observed[i]!.interfaces].sort().join(', ')}`,
        exitCode: 2,
      });
    }
  });
  const steps = ends.flatMap((end, i) => endSteps(end, imp, observed[i]!, refs.get(end.container)!));
  await toolbox.run(stepsRequest(`impairing ${text}`, steps));
  return { target: text, ends: ends.map((e: ImpairEnd) => ({ part: e.part, label: e.label })), description: imp ? describeImpairment(imp) : 'cleared' };
}

async function namespaces(engine: Engine, parts: { container: string; part: string }[]): Promise<Map<string, NamespaceRef>> {
  const refs = new Map<string, NamespaceRef>();
  for (const { container, part } of parts) {
    const info = await engine.inspectContainer(container);
    if (!info?.State.Running) throw new NetlabError(`${part} is not running.`, { hint: 'netlab up LAB brings it back; then impair it' });
    refs.set(container, { pid: info.State.Pid, container: info.Id });
  }
  return refs;
}

async function readObserved(toolbox: Toolbox, refs: NamespaceRef[], what: string): Promise<ObservedImpairments[]> {
  // Lines left in the namespaces of containers since removed or replaced are ended on the way.
  const results = await toolbox.run(rawStepsRequest(what, [...refs.flatMap(readSteps), PRUNE_STEP], 8));
  return refs.map((_, i) => {
    try {
      return parseObserved(results.slice(i * READ_STEPS, (i + 1) * READ_STEPS));
    } catch (err) {
      throw new NetlabError(`Failed ${what}: ${err instanceof Error ? err.message : String(err)}`, {
        hint: 'The toolbox image may be older than this netlab: run `netlab images build`, then `netlab up` again.',
      });
    }
  });
}

/** What is impaired now, by the part's name (node1, router, a pod), for pictures. */
export async function impairedParts(scope: ImpairScope): Promise<{ part: string; lines: string[] }[]> {
  const byContainer = await readImpairments(scope);
  const { plan } = scope;
  const parts: [string, string][] = [
    ...plan.nodes.map((n) => [n.container.name, n.name] as [string, string]),
    ...(plan.router ? [[plan.router.name, 'router'] as [string, string]] : []),
    ...(plan.external ? [[plan.external.name, 'external'] as [string, string]] : []),
    ...plan.pods.map((p) => [p.pause.name, podName(p.namespace, p.name)] as [string, string]),
  ];
  return parts.flatMap(([container, part]) => (byContainer.has(container) ? [{ part, lines: byContainer.get(container)! }] : []));
}

/** What is impaired now, by container name (only the impaired ones): `eth0: delay 200ms, loss 5%`. A namespace that cannot be read is left out. */
export async function readImpairments(scope: ImpairScope): Promise<Map<string, string[]>> {
  const { plan, engine } = scope;
  const containers = [
    ...plan.nodes.map((n) => n.container.name),
    ...(plan.router ? [plan.router.name] : []),
    ...(plan.external ? [plan.external.name] : []),
    ...plan.pods.map((p) => p.pause.name),
  ];
  const refs: { name: string; ref: NamespaceRef }[] = [];
  await Promise.all(
    containers.map(async (name) => {
      const info = await engine.inspectContainer(name);
      if (info?.State.Running) refs.push({ name, ref: { pid: info.State.Pid, container: info.Id } });
    }),
  );
  const out = new Map<string, string[]>();
  if (refs.length === 0) return out;
  const toolbox = new Toolbox(engine, plan.toolbox.name);
  const results = await toolbox
    .run(
      rawStepsRequest(
        'reading impairments',
        refs.flatMap((r) => readSteps(r.ref)),
        8,
      ),
    )
    .catch(() => undefined);
  if (!results) return out;
  refs.forEach((r, i) => {
    try {
      const described = describeObserved(parseObserved(results.slice(i * READ_STEPS, (i + 1) * READ_STEPS)));
      if (described.length) out.set(r.name, described);
    } catch {
      // A namespace gone between the inspect and the read: nothing to show.
    }
  });
  return out;
}
