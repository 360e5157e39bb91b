// The event stream that `up`, `down`, `check` and image builds emit. The terminal UI,
// the plain-line printer and the JSON printer all render these same events.

export type TaskId = string;

export type LabEvent =
  /** A unit of work began (network, node1, pod web, plumbing, image netlab/node...). */
  | { type: 'task-start'; id: TaskId; title: string; group?: string }
  /** Progress text for a running task (for example a build step). */
  | { type: 'task-progress'; id: TaskId; text: string }
  /** The task finished; `detail` says what it did ("created", "unchanged", "10.0.1.2"). */
  | { type: 'task-done'; id: TaskId; ms: number; detail?: string }
  | { type: 'task-fail'; id: TaskId; ms: number; error: string; hint?: string }
  /** A check's result, as it arrives. */
  | { type: 'check'; result: CheckResult }
  /** A free-form line worth showing (warnings, summaries). */
  | { type: 'message'; level: 'info' | 'warn' | 'error'; text: string };

export interface CheckResult {
  name: string;
  from: string;
  to: string;
  expect: string;
  /** What the check expects, in a few words as its probe kind means it ("resolves to 10.96.0.10", "NXDOMAIN"); `expect` when absent. */
  expected?: string;
  ok: boolean;
  ms: number;
  detail: string;
  /** The check was not run because a check it `needs` failed (ok is false then). */
  blockedBy?: string;
  /** `warning` checks do not fail a grade. */
  level?: 'error' | 'warning';
  points?: number;
  /** The lab's pass / fail message, and its hint on failure. */
  message?: string;
  hint?: string;
  /** On failure: the hop that broke, from evidence read off the lab. */
  diagnosis?: string;
  /** How many times it was tried (`wait`). */
  attempts?: number;
}

export type EventSink = (event: LabEvent) => void;

export const ignoreEvents: EventSink = () => {};

/** Runs `work` as a task: emits start, then done (with its detail) or fail. */
export async function task<T>(
  emit: EventSink,
  id: TaskId,
  title: string,
  work: () => Promise<T>,
  detail?: (value: T) => string | undefined,
  group?: string,
): Promise<T> {
  const started = performance.now();
  emit({ type: 'task-start', id, title, group });
  try {
    const value = await work();
    emit({ type: 'task-done', id, ms: Math.round(performance.now() - started), detail: detail?.(value) });
    return value;
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    emit({ type: 'task-fail', id, ms: Math.round(performance.now() - started), error: e.message ?? String(err), hint: e.hint });
    throw err;
  }
}
