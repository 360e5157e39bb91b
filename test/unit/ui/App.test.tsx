import { render, cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/App.js';
import { stripAnsi } from '../../../src/ui/ansi.js';
import { createStore } from '../../../src/ui/store.js';
import { passCheck, upEvents } from '../../helpers/ui-fixtures.js';

afterEach(() => cleanup());

/** React subscribes to the store in an effect: let it run before dispatching. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('App', () => {
  it('prints settled work once and redraws only running tasks', async () => {
    const store = createStore(undefined, () => 0);
    const { lastFrame } = render(<App store={store} title="netlab up demo" color={false} />);
    await settle();
    store.dispatch({ type: 'task-start', id: 'n1', title: 'node node1', group: 'nodes' });
    store.dispatch({ type: 'task-start', id: 'n2', title: 'node node2', group: 'nodes' });
    store.dispatch({ type: 'task-done', id: 'n1', ms: 412, detail: 'created' });
    await settle();
    let out = stripAnsi(lastFrame() ?? '');
    expect(out).toContain('netlab up demo');
    expect(out).toMatch(/nodes\n {2}✔ node node1 {2}created {2}412ms\n {2}\S node node2/);
    store.dispatch({ type: 'task-done', id: 'n2', ms: 530, detail: 'unchanged' });
    await settle();
    out = stripAnsi(lastFrame() ?? '');
    expect(out).toContain('  ✔ node node2  unchanged  530ms');
    expect(out.match(/node node1/g)).toHaveLength(1);
  });

  it('renders the whole run and the summary once finished', async () => {
    const store = createStore(undefined, () => 0);
    const { lastFrame } = render(<App store={store} color={false} />);
    await settle();
    for (const e of upEvents) store.dispatch(e);
    store.dispatch({ type: 'message', level: 'warn', text: 'router is slow' });
    await settle();
    expect(stripAnsi(lastFrame() ?? '')).not.toContain('1 passed, 1 failed');
    store.dispatch({ type: 'finish', summary: 'lab demo is up' });
    await settle();
    const out = stripAnsi(lastFrame() ?? '');
    expect(out).toContain('✔ network  created  35ms');
    expect(out).toContain('  ✖ pod web  90ms\n    veth create failed\n    hint: is the node running?');
    expect(out).toContain('✔ pod to pod  client → server:8080  (reachable)  12ms');
    expect(out).toContain('✖ isolated  client → db:5432  (unreachable)');
    expect(out).toContain('warning: router is slow');
    expect(out).toMatch(/1 passed, 1 failed\n1 task failed\nlab demo is up$/);
  });

  it('shows the tally once when the summary is the tally', async () => {
    const store = createStore(undefined, () => 0);
    const { lastFrame } = render(<App store={store} color={false} />);
    await settle();
    store.dispatch({ type: 'check', result: passCheck });
    store.dispatch({ type: 'finish', summary: '1 passed, 0 failed (0.10 s)' });
    await settle();
    const out = stripAnsi(lastFrame() ?? '');
    expect(out.match(/passed/g)).toHaveLength(1);
    expect(out).toMatch(/\n\n1 passed, 0 failed \(0\.10 s\)$/);
  });
});
