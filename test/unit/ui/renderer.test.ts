import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../src/core/events.js';
import { stripAnsi } from '../../../src/ui/ansi.js';
import { chooseMode, createRenderer } from '../../../src/ui/renderer.js';
import { FakeStream, failCheck, passCheck, upEvents } from '../../helpers/ui-fixtures.js';

const tty = (isTTY: boolean) => ({ isTTY }) as NodeJS.WriteStream;

describe('chooseMode', () => {
  it('honours json first', () => {
    expect(chooseMode({ json: true, stream: tty(true), env: {} })).toBe('json');
  });
  it('uses ink only on a TTY outside CI with a capable TERM', () => {
    expect(chooseMode({ stream: tty(true), env: { TERM: 'xterm-256color' } })).toBe('ink');
    expect(chooseMode({ stream: tty(false), env: { TERM: 'xterm-256color' } })).toBe('plain');
    expect(chooseMode({ stream: tty(true), env: { CI: 'true' } })).toBe('plain');
    expect(chooseMode({ stream: tty(true), env: { CI: '' } })).toBe('plain');
    expect(chooseMode({ stream: tty(true), env: { TERM: 'dumb' } })).toBe('plain');
  });
  it('falls back to plain on a TTY that reports no width', () => {
    const zero = { isTTY: true, columns: 0 } as NodeJS.WriteStream;
    expect(chooseMode({ stream: zero, env: {} })).toBe('plain');
    expect(chooseMode({ stream: { isTTY: true, columns: 120 } as NodeJS.WriteStream, env: {} })).toBe('ink');
  });
});

describe('plain renderer', () => {
  it('writes one grep-able line per event and a tally at the end', async () => {
    const out = new FakeStream();
    const r = createRenderer('plain', { out });
    for (const e of upEvents) r.sink(e);
    r.sink({ type: 'message', level: 'warn', text: 'router is slow' });
    await r.finish('lab demo is up');
    expect(out.lines).toEqual([
      'start  network',
      'done   network  created  35ms',
      'start  node node1  [nodes]',
      'start  node node2  [nodes]',
      'done   node node1  created  412ms',
      'done   node node2  unchanged  530ms',
      'start  pod web  [pods]',
      'FAIL   pod web  veth create failed  90ms',
      '  hint: is the node running?',
      'PASS  client -> server:8080 (reachable) [pod to pod]  12ms  HTTP 200 "Hello from server-0"',
      'FAIL  client -> db:5432 (unreachable) [isolated]  1.0s  connected, expected no answer',
      'warn   router is slow',
      '1 passed, 1 failed',
      '1 task failed',
      'lab demo is up',
    ]);
    expect(out.text).not.toContain('\u001B[');
  });

  it('omits the name when it only repeats the path, and keeps multi-line errors readable', async () => {
    const out = new FakeStream();
    const r = createRenderer('plain', { out });
    r.sink({ type: 'check', result: { ...passCheck, name: 'client -> server:8080', detail: 'line one\nline two' } });
    r.sink({ type: 'task-fail', id: 'x', ms: 5, error: 'first\nsecond' });
    await r.finish();
    expect(out.lines).toEqual([
      'PASS  client -> server:8080 (reachable)  12ms  line one line two',
      'FAIL   x  first  5ms',
      '       second',
      '1 passed, 0 failed',
      '1 task failed',
    ]);
  });

  it('does not repeat the tally when the summary already starts with it', async () => {
    const out = new FakeStream();
    const r = createRenderer('plain', { out });
    r.sink({ type: 'check', result: passCheck });
    r.sink({ type: 'check', result: failCheck });
    await r.finish('1 passed, 1 failed (0.52 s)');
    expect(out.lines.slice(-1)).toEqual(['1 passed, 1 failed (0.52 s)']);
    expect(out.text.match(/passed/g)).toHaveLength(1);
  });

  it('prints at most one progress line per task per second', async () => {
    let now = 0;
    const out = new FakeStream();
    const r = createRenderer('plain', { out, now: () => now });
    r.sink({ type: 'task-start', id: 'img', title: 'image netlab/node' });
    r.sink({ type: 'task-start', id: 'img2', title: 'image netlab/router' });
    for (let i = 0; i < 30; i++) {
      now = i * 100; // 3 s of progress, ten events a second
      r.sink({ type: 'task-progress', id: 'img', text: `step ${i}` });
      r.sink({ type: 'task-progress', id: 'img2', text: `layer ${i}` });
    }
    r.sink({ type: 'task-done', id: 'img', ms: 3000, detail: 'built' });
    await r.finish();
    const progress = out.lines.filter((l) => l.startsWith('prog'));
    expect(progress).toEqual([
      'prog   image netlab/node  step 0',
      'prog   image netlab/router  layer 0',
      'prog   image netlab/node  step 10',
      'prog   image netlab/router  layer 10',
      'prog   image netlab/node  step 20',
      'prog   image netlab/router  layer 20',
    ]);
    expect(out.lines.at(-1)).toBe('done   image netlab/node  built  3.0s');
  });

  describe('color', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      delete process.env.NO_COLOR;
      process.env.TERM = 'xterm-256color';
    });
    afterEach(() => {
      process.env = { ...saved };
    });

    it('colors a TTY', async () => {
      const out = new FakeStream(true);
      const r = createRenderer('plain', { out });
      r.sink({ type: 'check', result: failCheck });
      await r.finish();
      expect(out.text).toContain('\u001B[31mFAIL\u001B[39m');
      expect(stripAnsi(out.lines[0]!)).toMatch(/^FAIL {2}client -> db:5432/);
    });

    it('respects NO_COLOR even on a TTY', async () => {
      const out = new FakeStream(true);
      const r = createRenderer('plain', { out, env: { NO_COLOR: '1', TERM: 'xterm' } });
      r.sink({ type: 'check', result: failCheck });
      await r.finish();
      expect(out.text).not.toContain('\u001B[');
    });
  });
});

describe('a reader that goes away', () => {
  it('stops writing on EPIPE instead of crashing', async () => {
    const out = new FakeStream();
    const r = createRenderer('json', { out });
    r.sink(upEvents[0]!);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    out.emit('error', epipe); // would throw if nobody handled it
    r.sink(upEvents[1]!);
    await r.finish('done');
    expect(out.lines).toHaveLength(1);
  });
});

describe('json renderer', () => {
  it('writes each event as one JSON line, unchanged', async () => {
    const out = new FakeStream();
    const r = createRenderer('json', { out });
    const events: LabEvent[] = [...upEvents, { type: 'task-progress', id: 'x', text: 'line\nwith "quotes"' }, { type: 'message', level: 'error', text: 'bad' }];
    for (const e of events) r.sink(e);
    await r.finish('done');
    const lines = out.text.split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as unknown);
    expect(parsed.slice(0, events.length)).toEqual(events.map((e) => JSON.parse(JSON.stringify(e)) as unknown));
    expect(parsed.at(-1)).toEqual({ type: 'message', level: 'info', text: 'done' });
    expect(parsed).toHaveLength(events.length + 1);
  });
});

describe('ink renderer', () => {
  it('renders live and leaves the final frame on finish', async () => {
    const out = new FakeStream(true);
    const r = createRenderer('ink', { out, title: 'netlab up demo', color: false });
    for (const e of upEvents) r.sink(e);
    r.sink({ type: 'task-start', id: 'late', title: 'plumb web' });
    await r.finish('lab demo is up');
    const text = stripAnsi(out.text);
    expect(text).toContain('netlab up demo');
    expect(text).toContain('✔ node node1  created  412ms');
    expect(text).toContain('hint: is the node running?');
    expect(text).toContain('✖ isolated  client → db:5432');
    expect(text).toContain('plumb web  interrupted after');
    expect(text).toMatch(/1 passed, 1 failed\n1 task failed\nlab demo is up\n?$/);
    // settled lines are written once, not redrawn on every frame
    expect(text.match(/node node1/g)).toHaveLength(1);
    // events after finish are ignored, and finish is idempotent
    r.sink({ type: 'message', level: 'info', text: 'too late' });
    await r.finish();
    expect(out.text).not.toContain('too late');
  });

  it('does not write after finish even when the process keeps running', async () => {
    const out = new FakeStream(true);
    const r = createRenderer('ink', { out, color: false });
    r.sink({ type: 'task-start', id: 'a', title: 'router' });
    await r.finish();
    const len = out.text.length;
    await new Promise((res) => setTimeout(res, 200)); // a spinner would have ticked twice
    expect(out.text.length).toBe(len);
  });
});
