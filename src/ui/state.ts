// The UI's state: a pure reducer over LabEvents, shared by the Ink app and the tests.

import type { CheckResult, LabEvent, TaskId } from '../core/events.js';

export type TaskStatus = 'running' | 'done' | 'failed';

export interface TaskState {
  id: TaskId;
  title: string;
  group?: string;
  status: TaskStatus;
  /** Clock time (ms) when the task started, for the live elapsed time. */
  startedAt: number;
  /** Latest progress text while running. */
  progress?: string;
  ms?: number;
  detail?: string;
  error?: string;
  hint?: string;
  /** True once the task's block (its group, or itself) has been moved to the log. */
  settled: boolean;
}

export interface MessageState {
  level: 'info' | 'warn' | 'error';
  text: string;
}

/**
 * Settled output, append-only, in the order it settled: a finished group of tasks (or a
 * lone finished task), a check result, a message. The Ink app prints these once, above
 * the live area, so the live area stays short however long the lab is.
 */
export type LogEntry =
  | { kind: 'tasks'; key: string; group?: string; tasks: TaskState[] }
  | { kind: 'check'; key: string; result: CheckResult }
  | { kind: 'message'; key: string; level: MessageState['level']; text: string };

export interface UiState {
  /** Every task, in the order it first started. */
  tasks: TaskState[];
  checks: CheckResult[];
  messages: MessageState[];
  log: LogEntry[];
  finished: boolean;
  summary?: string;
}

/** What the reducer takes: the core's events, plus the renderer's own `finish`. */
export type UiEvent = LabEvent | { type: 'finish'; summary?: string };

export const initialState: UiState = Object.freeze({
  tasks: [],
  checks: [],
  messages: [],
  log: [],
  finished: false,
}) as UiState;

/**
 * Applies one event. Pure: never mutates `state`; `now` is the clock reading to stamp a
 * starting task with (pass it explicitly for reproducible results).
 */
export function reduce(state: UiState, event: UiEvent, now: number = Date.now()): UiState {
  switch (event.type) {
    case 'task-start': {
      const task: TaskState = {
        id: event.id,
        title: event.title,
        status: 'running',
        startedAt: now,
        settled: false,
        ...(event.group !== undefined ? { group: event.group } : {}),
      };
      const i = state.tasks.findIndex((t) => t.id === event.id);
      const tasks = i < 0 ? [...state.tasks, task] : replaceAt(state.tasks, i, task);
      return { ...state, tasks };
    }
    case 'task-progress': {
      const [tasks] = updateTask(state.tasks, event.id, now, (t) => (t.status === 'running' ? { ...t, progress: event.text } : t));
      return { ...state, tasks };
    }
    case 'task-done': {
      const [tasks, task] = updateTask(state.tasks, event.id, now, (t) =>
        withoutRunFields({
          ...t,
          status: 'done',
          ms: event.ms,
          ...(event.detail !== undefined ? { detail: event.detail } : {}),
        }),
      );
      return settle({ ...state, tasks }, task);
    }
    case 'task-fail': {
      const [tasks, task] = updateTask(state.tasks, event.id, now, (t) =>
        withoutRunFields({
          ...t,
          status: 'failed',
          ms: event.ms,
          error: event.error,
          ...(event.hint !== undefined ? { hint: event.hint } : {}),
        }),
      );
      return settle({ ...state, tasks }, task);
    }
    case 'check':
      return {
        ...state,
        checks: [...state.checks, event.result],
        log: [...state.log, { kind: 'check', key: logKey(state), result: event.result }],
      };
    case 'message':
      return {
        ...state,
        messages: [...state.messages, { level: event.level, text: event.text }],
        log: [...state.log, { kind: 'message', key: logKey(state), level: event.level, text: event.text }],
      };
    case 'finish':
      return { ...state, finished: true, ...(event.summary !== undefined ? { summary: event.summary } : {}) };
  }
}

/** Folds a whole event list (handy in tests). */
export function reduceAll(events: readonly UiEvent[], now = 0, state: UiState = initialState): UiState {
  return events.reduce((s, e) => reduce(s, e, now), state);
}

/** Tasks not yet moved to the log: the live area. */
export function liveTasks(state: UiState): TaskState[] {
  return state.tasks.filter((t) => !t.settled);
}

export interface TaskSection {
  group?: string;
  tasks: TaskState[];
}

/**
 * Splits tasks into sections for display: one per group (at the group's first
 * appearance, holding all its tasks), and runs of ungrouped tasks between them.
 */
export function groupTasks(tasks: readonly TaskState[]): TaskSection[] {
  const sections: TaskSection[] = [];
  const byGroup = new Map<string, TaskSection>();
  let loose: TaskSection | undefined;
  for (const task of tasks) {
    if (task.group === undefined) {
      if (!loose) {
        loose = { tasks: [] };
        sections.push(loose);
      }
      loose.tasks.push(task);
      continue;
    }
    loose = undefined;
    let section = byGroup.get(task.group);
    if (!section) {
      section = { group: task.group, tasks: [] };
      byGroup.set(task.group, section);
      sections.push(section);
    }
    section.tasks.push(task);
  }
  return sections;
}

export interface Tally {
  passed: number;
  failed: number;
}

export function tally(checks: readonly CheckResult[]): Tally {
  let passed = 0;
  for (const c of checks) if (c.ok) passed++;
  return { passed, failed: checks.length - passed };
}

function logKey(state: UiState): string {
  return `log-${state.log.length}`;
}

function replaceAt<T>(items: readonly T[], i: number, item: T): T[] {
  const copy = items.slice();
  copy[i] = item;
  return copy;
}

/** Updates a task by id; an unknown id gets a task titled by its id (events can race). */
function updateTask(tasks: readonly TaskState[], id: TaskId, now: number, update: (t: TaskState) => TaskState): [TaskState[], TaskState] {
  const i = tasks.findIndex((t) => t.id === id);
  if (i < 0) {
    const task = update({ id, title: id, status: 'running', startedAt: now, settled: false });
    return [[...tasks, task], task];
  }
  const task = update(tasks[i]!);
  return [replaceAt(tasks, i, task), task];
}

function withoutRunFields(t: TaskState): TaskState {
  const { progress: _progress, ...rest } = t;
  return rest;
}

/**
 * After a task finishes: when its whole block (its group's unsettled tasks, or the task
 * alone) has finished, marks the block settled and appends it to the log.
 */
function settle(state: UiState, task: TaskState): UiState {
  if (task.settled) return state;
  const members = task.group === undefined ? [task] : state.tasks.filter((t) => t.group === task.group && !t.settled);
  if (members.some((t) => t.status === 'running')) return state;
  const ids = new Set(members.map((t) => t.id));
  const tasks = state.tasks.map((t) => (ids.has(t.id) ? { ...t, settled: true } : t));
  const settled = tasks.filter((t) => ids.has(t.id));
  const entry: LogEntry = {
    kind: 'tasks',
    key: logKey(state),
    ...(task.group !== undefined ? { group: task.group } : {}),
    tasks: settled,
  };
  return { ...state, tasks, log: [...state.log, entry] };
}
