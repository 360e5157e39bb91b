import { describe, expect, it } from 'vitest';
import { groupTasks, initialState, liveTasks, reduce, reduceAll, tally } from '../../../src/ui/state.js';
import { failCheck, passCheck, upEvents } from '../../helpers/ui-fixtures.js';

describe('reduce', () => {
  it('tracks a task from start through progress to done', () => {
    let s = reduce(initialState, { type: 'task-start', id: 'img', title: 'image netlab/node' }, 1000);
    expect(s.tasks).toEqual([{ id: 'img', title: 'image netlab/node', status: 'running', startedAt: 1000, settled: false }]);
    s = reduce(s, { type: 'task-progress', id: 'img', text: 'Step 2/5' }, 1100);
    expect(s.tasks[0]?.progress).toBe('Step 2/5');
    expect(s.tasks[0]?.startedAt).toBe(1000);
    s = reduce(s, { type: 'task-done', id: 'img', ms: 2300, detail: 'built' }, 3300);
    const t = s.tasks[0]!;
    expect(t.status).toBe('done');
    expect(t.ms).toBe(2300);
    expect(t.detail).toBe('built');
    expect(t.progress).toBeUndefined();
    expect(t.settled).toBe(true);
    expect(s.log).toHaveLength(1);
    expect(s.log[0]).toMatchObject({ kind: 'tasks', tasks: [{ id: 'img', status: 'done' }] });
  });

  it('records failure with error and hint', () => {
    const s = reduceAll([
      { type: 'task-start', id: 'p', title: 'pod web' },
      { type: 'task-fail', id: 'p', ms: 90, error: 'boom', hint: 'try again' },
    ]);
    expect(s.tasks[0]).toMatchObject({ status: 'failed', ms: 90, error: 'boom', hint: 'try again', settled: true });
  });

  it('does not mutate the previous state', () => {
    const s0 = reduce(initialState, { type: 'task-start', id: 'a', title: 'A' }, 0);
    const frozen = JSON.stringify(s0);
    const s1 = reduce(s0, { type: 'task-done', id: 'a', ms: 5 }, 5);
    reduce(s1, { type: 'check', result: passCheck }, 6);
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(s1).not.toBe(s0);
    expect(initialState.tasks).toHaveLength(0);
    expect(initialState.log).toHaveLength(0);
  });

  it('settles a group only when all its tasks have finished', () => {
    let s = reduceAll([
      { type: 'task-start', id: 'n1', title: 'node node1', group: 'nodes' },
      { type: 'task-start', id: 'n2', title: 'node node2', group: 'nodes' },
      { type: 'task-done', id: 'n1', ms: 10 },
    ]);
    expect(s.log).toHaveLength(0);
    expect(liveTasks(s).map((t) => t.id)).toEqual(['n1', 'n2']);
    s = reduce(s, { type: 'task-done', id: 'n2', ms: 20 }, 20);
    expect(liveTasks(s)).toEqual([]);
    expect(s.log).toHaveLength(1);
    expect(s.log[0]).toMatchObject({ kind: 'tasks', group: 'nodes' });
    const entry = s.log[0];
    expect(entry?.kind === 'tasks' && entry.tasks.map((t) => t.id)).toEqual(['n1', 'n2']);
  });

  it('keeps checks and messages, in order, in the log', () => {
    const s = reduceAll([
      { type: 'check', result: passCheck },
      { type: 'message', level: 'warn', text: 'slow engine' },
      { type: 'check', result: failCheck },
    ]);
    expect(s.checks).toEqual([passCheck, failCheck]);
    expect(s.messages).toEqual([{ level: 'warn', text: 'slow engine' }]);
    expect(s.log.map((e) => e.kind)).toEqual(['check', 'message', 'check']);
    expect(new Set(s.log.map((e) => e.key)).size).toBe(3);
  });

  it('invents a task for events about an unknown id', () => {
    const s = reduceAll([{ type: 'task-done', id: 'router', ms: 7, detail: '10.0.0.1' }]);
    expect(s.tasks).toEqual([expect.objectContaining({ id: 'router', title: 'router', status: 'done', detail: '10.0.0.1' })]);
  });

  it('restarts a task that starts again', () => {
    const s = reduceAll([
      { type: 'task-start', id: 'a', title: 'A' },
      { type: 'task-fail', id: 'a', ms: 1, error: 'x' },
      { type: 'task-start', id: 'a', title: 'A again' },
    ]);
    expect(s.tasks).toHaveLength(1);
    expect(s.tasks[0]).toMatchObject({ title: 'A again', status: 'running', settled: false });
    expect(s.tasks[0]?.error).toBeUndefined();
  });

  it('finish marks the state finished with its summary', () => {
    const s = reduce(initialState, { type: 'finish', summary: 'lab demo is up' }, 0);
    expect(s.finished).toBe(true);
    expect(s.summary).toBe('lab demo is up');
  });

  it('folds the fixture run', () => {
    const s = reduceAll(upEvents);
    expect(s.tasks.map((t) => t.status)).toEqual(['done', 'done', 'done', 'failed']);
    expect(tally(s.checks)).toEqual({ passed: 1, failed: 1 });
    expect(s.log.map((e) => (e.kind === 'tasks' ? `tasks:${e.group ?? '-'}` : e.kind))).toEqual(['tasks:-', 'tasks:nodes', 'tasks:pods', 'check', 'check']);
  });
});

describe('groupTasks', () => {
  it('groups by first appearance and keeps loose runs apart', () => {
    const s = reduceAll([
      { type: 'task-start', id: 'net', title: 'network' },
      { type: 'task-start', id: 'n1', title: 'node node1', group: 'nodes' },
      { type: 'task-start', id: 'p1', title: 'pod a', group: 'pods' },
      { type: 'task-start', id: 'n2', title: 'node node2', group: 'nodes' },
      { type: 'task-start', id: 'r', title: 'router' },
    ]);
    expect(groupTasks(s.tasks).map((g) => [g.group ?? null, g.tasks.map((t) => t.id)])).toEqual([
      [null, ['net']],
      ['nodes', ['n1', 'n2']],
      ['pods', ['p1']],
      [null, ['r']],
    ]);
  });
});
