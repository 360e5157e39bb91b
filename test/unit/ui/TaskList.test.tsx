import { render, cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskList } from '../../../src/ui/TaskList.js';
import { SPINNER_FRAMES } from '../../../src/ui/Spinner.js';
import { stripAnsi } from '../../../src/ui/ansi.js';
import { reduceAll } from '../../../src/ui/state.js';

afterEach(() => cleanup());

const frame = (f: string | undefined) => stripAnsi(f ?? '');

describe('TaskList', () => {
  it('shows done, failed and running tasks under their group headers', () => {
    const s = reduceAll(
      [
        { type: 'task-start', id: 'net', title: 'network' },
        { type: 'task-done', id: 'net', ms: 35, detail: 'created' },
        { type: 'task-start', id: 'n1', title: 'node node1', group: 'nodes' },
        { type: 'task-start', id: 'n2', title: 'node node2', group: 'nodes' },
        { type: 'task-done', id: 'n1', ms: 412, detail: 'created' },
        { type: 'task-progress', id: 'n2', text: 'waiting for the engine' },
        { type: 'task-start', id: 'web', title: 'pod web', group: 'pods' },
        { type: 'task-fail', id: 'web', ms: 90, error: 'veth create failed', hint: 'is node1 running?' },
      ],
      1000,
    );
    const { lastFrame } = render(<TaskList tasks={s.tasks} now={3500} />);
    const out = frame(lastFrame());
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^✔ network {2}created {2}35ms$/);
    expect(lines[1]).toBe('nodes');
    expect(lines[2]).toMatch(/^ {2}✔ node node1 {2}created {2}412ms$/);
    // running: a spinner frame, elapsed since start, and the latest progress
    expect(lines[3]).toMatch(/^ {2}(\S) node node2 {2}2\.5s {2}waiting for the engine$/);
    expect(SPINNER_FRAMES as readonly string[]).toContain(lines[3]!.trim()[0]);
    expect(lines[4]).toBe('pods');
    expect(lines[5]).toMatch(/^ {2}✖ pod web {2}90ms$/);
    expect(lines[6]).toBe('    veth create failed');
    expect(lines[7]).toBe('    hint: is node1 running?');
    expect(lines).toHaveLength(8);
  });

  it('spins while a task runs', async () => {
    const s = reduceAll([{ type: 'task-start', id: 'img', title: 'image netlab/node' }], 0);
    const { frames, lastFrame } = render(<TaskList tasks={s.tasks} now={100} />);
    const first = frame(lastFrame());
    await new Promise((r) => setTimeout(r, 250));
    const glyphs = new Set(frames.map((f) => stripAnsi(f).trim()[0]));
    expect(glyphs.size).toBeGreaterThan(1);
    expect(first).toContain('image netlab/node  0.1s');
  });

  it('shows tasks still running at the end as interrupted', () => {
    const s = reduceAll([{ type: 'task-start', id: 'img', title: 'image netlab/node' }], 0);
    const { lastFrame } = render(<TaskList tasks={s.tasks} now={4200} finished />);
    expect(frame(lastFrame())).toBe('■ image netlab/node  interrupted after 4.2s');
  });

  it('renders no group header for ungrouped tasks', () => {
    const s = reduceAll([
      { type: 'task-start', id: 'r', title: 'router' },
      { type: 'task-done', id: 'r', ms: 1200, detail: '10.0.0.1' },
    ]);
    const { lastFrame } = render(<TaskList tasks={s.tasks} />);
    expect(frame(lastFrame())).toBe('✔ router  10.0.0.1  1.2s');
  });
});
