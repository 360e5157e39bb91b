// The order checks run in, and what happens to a check that fails: `needs` first (topological
// layers), a check whose need failed is "blocked by" it and not run, and a failed check with a
// `wait` is retried (only the failed ones, batched again) every half second until it passes or
// its `wait` ran out. Pure of Docker: a layer's probes, whatever their sources, run through a
// ProbeRunner in as few batches as the agent takes at once, so this is testable with a fake.
import type { CheckResult, EventSink, LabEvent } from '../core/events.js';
import { NetlabError } from '../core/errors.js';
import type { CheckSpec } from '../labfile/model.js';
import { expectationLabel } from './label.js';
import type { ResolvedProbe } from './probes/index.js';

/** One probe to run, by the check's index in the list given to `schedule`. */
export interface ProbeJob {
  index: number;
  probe: ResolvedProbe;
}

/** A probe's verdict; `ms` is how long the probe took. */
export interface ProbeOutcome {
  ok: boolean;
  detail: string;
  ms: number;
}

/**
 * Runs a batch of probes together (one toolbox exec; each enters its own source's namespace), returns a verdict per index.
 * An index missing from the answer counts as a failure.
 */
export interface ProbeRunner {
  runBatch(jobs: ProbeJob[]): Promise<Map<number, ProbeOutcome>>;
}

/** A check as the scheduler sees it: its spec, and either a probe or a result decided up front. */
export interface ScheduledCheck {
  check: CheckSpec;
  probe?: ResolvedProbe;
  /** Decided without probing (its source is not running...): final, never retried. */
  decided?: { ok: false; detail: string };
  /** Run only because a selected check needs it: its result blocks others but is not reported. */
  hidden?: boolean;
}

export interface ScheduleOptions {
  /** How many batches run at once. */
  parallel?: number;
  /** Pause between tries of a check with `wait` (ms). Default 500. */
  retryMs?: number;
  /** Injected clock and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const RETRY_MS = 500;

/** The lab file's defaults for fields an older loader may leave out. */
export function checkDefaults(c: CheckSpec): { needs: string[]; wait: number; points: number; level: 'error' | 'warning' } {
  return {
    needs: c.needs ?? [],
    wait: Number.isFinite(c.wait) && c.wait > 0 ? c.wait : 0,
    points: Number.isFinite(c.points) ? c.points : 1,
    level: c.level === 'warning' ? 'warning' : 'error',
  };
}

/**
 * Topological layers of `names`' checks: layer 0 needs nothing (in the list), layer k needs
 * only checks of earlier layers. Needs naming no check in the list are ignored. Order within
 * a layer follows the input. A cycle is an error (the loader should have said so already).
 */
export function layers(checks: readonly CheckSpec[]): number[][] {
  const index = new Map(checks.map((c, i) => [c.name, i]));
  const depth = new Array<number>(checks.length).fill(-1);
  const visiting = new Set<number>();
  const visit = (i: number, path: string[]): number => {
    if (depth[i]! >= 0) return depth[i]!;
    const c = checks[i]!;
    if (visiting.has(i)) {
      throw new NetlabError(`Checks need each other in a circle: ${[...path.slice(path.indexOf(c.name)), c.name].map((n) => `"${n}"`).join(' → ')}.`, {
        hint: 'Remove one of the `needs` so that the checks form a graph without cycles.',
      });
    }
    visiting.add(i);
    let d = 0;
    for (const need of checkDefaults(c).needs) {
      const j = index.get(need);
      if (j !== undefined && j !== i) d = Math.max(d, visit(j, [...path, c.name]) + 1);
      else if (j === i) throw new NetlabError(`Check "${c.name}" needs itself.`);
    }
    visiting.delete(i);
    depth[i] = d;
    return d;
  };
  for (let i = 0; i < checks.length; i++) visit(i, []);
  const out: number[][] = [];
  for (const [i, d] of depth.entries()) (out[d] ??= []).push(i);
  return out.filter((l) => l !== undefined);
}

/** The checks to run for a selection: the selected ones plus, transitively, what they need. */
export function withNeeds(all: readonly CheckSpec[], selected: readonly CheckSpec[]): { check: CheckSpec; hidden: boolean }[] {
  const byName = new Map(all.map((c) => [c.name, c]));
  const wanted = new Set(selected.map((c) => c.name));
  const hidden = new Set<string>();
  const stack = [...selected];
  while (stack.length) {
    const c = stack.pop()!;
    for (const need of checkDefaults(c).needs) {
      const n = byName.get(need);
      if (n && !wanted.has(need) && !hidden.has(need)) {
        hidden.add(need);
        stack.push(n);
      }
    }
  }
  // Lab order, so results and layers stay stable.
  return all.filter((c) => wanted.has(c.name) || hidden.has(c.name)).map((check) => ({ check, hidden: !wanted.has(check.name) }));
}

/** The result of a check as reported: the check's own fields, level, points and messages. */
export function resultOf(check: CheckSpec, outcome: { ok: boolean; detail: string; ms: number }, extra: Partial<CheckResult> = {}): CheckResult {
  const d = checkDefaults(check);
  const r: CheckResult = {
    name: check.name,
    from: check.from,
    to: check.to ?? '',
    expect: check.expect,
    expected: expectationLabel(check),
    ok: outcome.ok,
    ms: outcome.ms,
    detail: outcome.detail,
    level: d.level,
    points: d.points,
    ...extra,
  };
  const message = outcome.ok ? check.pass : check.fail;
  if (message !== undefined && !r.blockedBy) r.message = message;
  if (!outcome.ok && check.hint !== undefined && !r.blockedBy) r.hint = check.hint;
  return r;
}

/**
 * Runs `items` in `needs` order, batching each layer's probes, retrying failures
 * that have a `wait`, and emitting every reported (not hidden) result once, when final.
 * Returns the results of the non-hidden items, in input order.
 */
export async function schedule(items: readonly ScheduledCheck[], runner: ProbeRunner, emit: EventSink, options: ScheduleOptions = {}): Promise<CheckResult[]> {
  const parallel = options.parallel ?? 8;
  const retryMs = options.retryMs ?? RETRY_MS;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const byName = new Map(items.map((it, i) => [it.check.name, i]));
  const results = new Array<CheckResult | undefined>(items.length);

  const settle = (i: number, r: CheckResult) => {
    results[i] = r;
    if (!items[i]!.hidden) emit({ type: 'check', result: r });
  };

  for (const layer of layers(items.map((it) => it.check))) {
    const toRun: number[] = [];
    for (const i of layer) {
      const it = items[i]!;
      const failedNeed = checkDefaults(it.check).needs.find((n) => {
        const j = byName.get(n);
        return j !== undefined && results[j] && !results[j]!.ok;
      });
      if (failedNeed !== undefined) {
        settle(i, resultOf(it.check, { ok: false, ms: 0, detail: `blocked by "${failedNeed}"` }, { blockedBy: failedNeed, attempts: 0 }));
      } else if (it.decided || !it.probe) {
        settle(i, resultOf(it.check, { ok: false, ms: 0, detail: it.decided?.detail ?? 'nothing to probe' }, { attempts: 0 }));
      } else {
        toRun.push(i);
      }
    }

    // Tries: every pending check of the layer, then only the ones that failed and may wait.
    const started = now();
    const attempts = new Map<number, number>();
    let pending = toRun;
    while (pending.length) {
      const outcomes = await runGrouped(pending, items, runner, parallel);
      const again: number[] = [];
      const t = now();
      for (const i of pending) {
        const check = items[i]!.check;
        const n = (attempts.get(i) ?? 0) + 1;
        attempts.set(i, n);
        const o = outcomes.get(i) ?? { ok: false, ms: 0, detail: 'probe did not report' };
        const waitMs = checkDefaults(check).wait * 1000;
        if (!o.ok && t + retryMs - started < waitMs) {
          again.push(i);
          continue;
        }
        // One try: the probe's own time; several: from the first try to this verdict.
        const ms = n > 1 ? Math.round(t - started) : o.ms;
        settle(i, resultOf(check, { ...o, ms }, { attempts: n }));
      }
      pending = again;
      if (pending.length) await sleep(retryMs);
    }
  }
  return items.flatMap((it, i) => (it.hidden ? [] : [results[i]!]));
}

/**
 * Probes in one batch at most: the agent runs up to 64 steps at once, and a probe has one to
 * three. Each step enters its own source's namespace, so a batch mixes sources freely.
 */
export const BATCH_PROBES = 24;

/** The layer's probes in as few batches as the agent runs at once (one exec each), batches in parallel. */
async function runGrouped(indices: number[], items: readonly ScheduledCheck[], runner: ProbeRunner, parallel: number): Promise<Map<number, ProbeOutcome>> {
  // A source's probes stay together, in the order given, sources by their first check.
  const bySource = new Map<number, ProbeJob[]>();
  for (const i of indices) {
    const probe = items[i]!.probe!;
    const list = bySource.get(probe.sourcePid) ?? [];
    list.push({ index: i, probe });
    bySource.set(probe.sourcePid, list);
  }
  const jobs = [...bySource.values()].flat();
  const size = Math.ceil(jobs.length / Math.ceil(jobs.length / BATCH_PROBES));
  const groups = Array.from({ length: Math.ceil(jobs.length / size) }, (_, g) => jobs.slice(g * size, (g + 1) * size));
  const out = new Map<number, ProbeOutcome>();
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      for (const [i, o] of await runner.runBatch(group)) out.set(i, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, groups.length) }, worker));
  return out;
}

/**
 * A sink that passes check results on in the order of `names` (the file's), each as soon as
 * every one before it has come: checks run in parallel and finish in any order, and the
 * report reads like the file. Other events pass at once. `flush` passes on what is still held
 * (a result that never came does not hold the rest back for ever).
 */
export function inFileOrder(names: readonly string[], emit: EventSink): { sink: EventSink; flush(): void } {
  const position = new Map(names.map((n, i) => [n, i]));
  const held = new Map<number, LabEvent>();
  let next = 0;
  const release = () => {
    for (let e = held.get(next); e; e = held.get(next)) {
      held.delete(next++);
      emit(e);
    }
  };
  return {
    sink: (event) => {
      const i = event.type === 'check' ? position.get(event.result.name) : undefined;
      if (i === undefined || i < next) return emit(event);
      held.set(i, event);
      release();
    },
    flush: () => {
      for (const i of [...held.keys()].sort((a, b) => a - b)) emit(held.get(i)!);
      held.clear();
      next = names.length;
    },
  };
}
