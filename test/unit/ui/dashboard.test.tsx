import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult } from '../../../src/core/events.js';
import { stripAnsi } from '../../../src/ui/ansi.js';
import { Dashboard, type DashboardExit } from '../../../src/ui/dashboard/Dashboard.js';
import { LabPicker } from '../../../src/ui/dashboard/LabPicker.js';
import { dashboardReducer, initialDashboard } from '../../../src/ui/dashboard/state.js';
import { podToService } from '../../helpers/graph-fixture.js';
import { failCheck, passCheck, untilFrame } from '../../helpers/ui-fixtures.js';

afterEach(() => cleanup());

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const DOWN = '\u001B[B';
const UP = '\u001B[A';

/** The pod name on the selected (❯) row. */
function selectedRow(frame: string): string | undefined {
  return frame
    .split('\n')
    .find((l) => l.includes('❯ '))
    ?.split('❯ ')[1]
    ?.trim()
    .split(/\s+/)[0];
}

function setup(overrides: Partial<Parameters<typeof Dashboard>[0]> = {}) {
  const exits: DashboardExit[] = [];
  return {
    exits,
    props: {
      refresh: vi.fn(async () => podToService()),
      runChecks: vi.fn(async () => {}),
      onExit: (e: DashboardExit) => exits.push(e),
      intervalMs: 0,
      ...overrides,
    },
  };
}

describe('dashboardReducer', () => {
  it('moves the selection within the pods and keeps the same pod across refreshes', async () => {
    const g = await podToService();
    let s = initialDashboard(g);
    s = dashboardReducer(s, { type: 'move', by: -1 });
    expect(s.selected).toBe(0);
    s = dashboardReducer(s, { type: 'move', by: 10 });
    expect(s.selected).toBe(3); // server-0, client, coredns (node1), server-1 (node2)
    // server-1 is still selected once a pod before it is gone.
    const fewer = { ...g, nodes: g.nodes.map((n) => ({ ...n, pods: n.pods.filter((p) => p.name !== 'client') })) };
    s = dashboardReducer(s, { type: 'graph', graph: fewer });
    expect(s.selected).toBe(2);
  });

  it('collects check results as they stream in', async () => {
    let s = initialDashboard(await podToService());
    s = dashboardReducer(s, { type: 'check', result: failCheck });
    s = dashboardReducer(s, { type: 'checks-start' });
    expect(s).toMatchObject({ checks: [], checking: 'running' });
    s = dashboardReducer(s, { type: 'check', result: passCheck });
    s = dashboardReducer(s, { type: 'checks-done' });
    expect(s).toMatchObject({ checks: [passCheck], checking: 'done' });
  });
});

describe('Dashboard', () => {
  it('shows the header, the drawing, the pods with the first selected, services and keys', async () => {
    const { props } = setup();
    const { lastFrame } = render(<Dashboard initial={await podToService(['server-1'])} {...props} />);
    const f = stripAnsi(lastFrame() ?? '');
    expect(f).toContain('netlab ui  pod-to-service  proxy iptables  underlay 10.250.0.0/24');
    expect(f).toContain('─ router ');
    expect(f).toContain('cbr0 10.0.1.1');
    expect(f).toMatch(/NAME +NAMESPACE +NODE +IP +READY/);
    expect(f).toMatch(/server-1 +default +node2 +10\.0\.2\.2 +no/);
    expect(f).toMatch(/coredns +kube-system +node1 +10\.0\.1\.4 +yes/);
    expect(f).toContain('service-test  10.3.241.152  80/TCP→8080');
    expect(f).toContain('→ server-0  10.0.1.2:8080');
    expect(f).not.toContain('→ server-1  10.0.2.2:8080');
    expect(f).toContain('press c to run them');
    expect(f).toContain('q quit');
    expect(selectedRow(f)).toBe('server-0');
  });

  it('moves the selection with j/k and the arrows', async () => {
    const { props } = setup();
    const { lastFrame, stdin } = render(<Dashboard initial={await podToService()} {...props} />);
    await tick();
    stdin.write('j');
    expect(selectedRow(await untilFrame(lastFrame, (f) => selectedRow(f) !== 'server-0'))).toBe('client');
    stdin.write(DOWN);
    await untilFrame(lastFrame, (f) => selectedRow(f) === 'coredns');
    stdin.write(DOWN);
    await untilFrame(lastFrame, (f) => selectedRow(f) === 'server-1');
    stdin.write(DOWN); // stays on the last
    stdin.write('k');
    stdin.write(UP);
    expect(selectedRow(await untilFrame(lastFrame, (f) => selectedRow(f) === 'client'))).toBe('client');
  });

  it('c runs the checks and shows results as they arrive, then the tally', async () => {
    let release!: () => void;
    const { props } = setup({
      runChecks: vi.fn(async (onResult: (r: CheckResult) => void) => {
        onResult(passCheck);
        await new Promise<void>((r) => (release = r));
        onResult(failCheck);
      }),
    });
    const { lastFrame, stdin } = render(<Dashboard initial={await podToService()} {...props} />);
    await tick();
    stdin.write('c');
    let f = await untilFrame(lastFrame, (x) => x.includes('✔ pod to pod'));
    expect(f).toContain('running… 1 so far');
    expect(f).not.toContain('passed');
    stdin.write('c'); // ignored while running
    release();
    f = await untilFrame(lastFrame, (x) => x.includes('1 passed, 1 failed'));
    expect(f).toContain('✖ isolated');
    expect(props.runChecks).toHaveBeenCalledTimes(1);
  });

  it('says so when the checks cannot run', async () => {
    const { props } = setup({ runChecks: vi.fn(async () => Promise.reject(new Error('toolbox is gone'))) });
    const { lastFrame, stdin } = render(<Dashboard initial={await podToService()} {...props} />);
    await tick();
    stdin.write('c');
    await untilFrame(lastFrame, (f) => f.includes('checks failed to run: toolbox is gone'));
  });

  it('r refreshes the whole lab; the timer refreshes readiness', async () => {
    const refresh = vi.fn(async (_full: boolean) => podToService(['server-0']));
    const { props } = setup({ refresh, intervalMs: 30 });
    const { lastFrame, stdin } = render(<Dashboard initial={await podToService()} {...props} />);
    await untilFrame(lastFrame, (f) => /server-0 +default +node1 +10\.0\.1\.2 +no/.test(f));
    expect(refresh).toHaveBeenCalledWith(false);
    stdin.write('r');
    // Under load a fixed pause can be too short: wait (2 s at most) for the full refresh.
    for (let waited = 0; !refresh.mock.calls.some(([full]) => full === true) && waited < 2000; waited += 20) await tick(20);
    expect(refresh).toHaveBeenCalledWith(true);
  });

  it('r while a refresh is in flight is done after it, not dropped', async () => {
    const graph = await podToService();
    let release: () => void = () => {};
    const refresh = vi.fn((_full: boolean) => new Promise<typeof graph>((resolve) => (release = () => resolve(graph))));
    const { props } = setup({ refresh, intervalMs: 0 });
    const { stdin } = render(<Dashboard initial={graph} {...props} />);
    await tick();
    stdin.write('r');
    await tick();
    stdin.write('r');
    await tick();
    expect(refresh).toHaveBeenCalledTimes(1);
    release();
    await tick();
    expect(refresh.mock.calls.map(([full]) => full)).toEqual([true, true]);
    release();
  });

  it('s closes with the selected pod (for the shell); the state comes back', async () => {
    const { props, exits } = setup();
    const first = render(<Dashboard initial={await podToService()} {...props} />);
    await tick();
    first.stdin.write('j');
    await untilFrame(first.lastFrame, (f) => selectedRow(f) === 'client');
    first.stdin.write('s');
    await tick();
    expect(exits).toHaveLength(1);
    const exit = exits[0]!;
    expect(exit.kind).toBe('shell');
    if (exit.kind !== 'shell') return;
    expect(exit.pod.name).toBe('client');
    first.unmount();
    const again = render(<Dashboard initial={exit.state} {...props} />);
    expect(selectedRow(stripAnsi(again.lastFrame() ?? ''))).toBe('client');
  });

  it('q quits', async () => {
    const { props, exits } = setup();
    const { stdin } = render(<Dashboard initial={await podToService()} {...props} />);
    await tick();
    stdin.write('q');
    await tick();
    expect(exits.map((e) => e.kind)).toEqual(['quit']);
  });
});

describe('LabPicker', () => {
  it('picks a lab with the arrows and enter', async () => {
    const picked: (string | undefined)[] = [];
    const { lastFrame, stdin } = render(<LabPicker labs={['alice', 'bob']} onPick={(l) => picked.push(l)} />);
    expect(stripAnsi(lastFrame() ?? '')).toContain('❯ alice');
    await tick();
    stdin.write('j');
    await untilFrame(lastFrame, (f) => f.includes('❯ bob'));
    stdin.write('\r');
    await tick();
    expect(picked).toEqual(['bob']);
  });
});
