// The dashboard in a real terminal: tmux runs `netlab ui` on a real lab; keys go in with
// send-keys and the screen comes back with capture-pane.
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netlab, root, uniqueName } from '../helpers/e2e.js';

const lab = uniqueName('dash');
const session = `netlab-${lab}`;

function tmux(args: string[]) {
  return execa('tmux', args, { reject: false });
}

async function screen(): Promise<string> {
  return (await tmux(['capture-pane', '-p', '-t', session])).stdout;
}

async function alive(): Promise<boolean> {
  return (await tmux(['has-session', '-t', session])).exitCode === 0;
}

async function waitScreen(pred: (s: string) => boolean, ms: number, what: string): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the dashboard never showed ${what}; the screen:\n${last}`);
}

/** The pod on the selected (❯) row. */
function selectedPod(s: string): string | undefined {
  return s
    .split('\n')
    .find((l) => l.includes('❯ '))
    ?.split('❯ ')[1]
    ?.trim()
    .split(/\s+/)[0];
}

beforeAll(async () => {
  const up = await netlab(['up', 'pod-to-service', '--name', lab]);
  if (up.exitCode !== 0) throw new Error(`up failed:\n${up.all}`);
});

afterAll(async () => {
  if (await alive()) await tmux(['kill-session', '-t', session]);
  await netlab(['down', lab]);
});

describe('netlab ui in a real terminal', () => {
  it('shows the lab, runs the checks on c, moves on j and quits on q', async () => {
    const bin = join(root, 'bin', 'netlab.js');
    // A person's terminal: Ink draws live frames only outside CI (CI runs this test with CI=true).
    const started = await tmux([
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '160',
      '-y',
      '50',
      '-e',
      'NO_COLOR=1',
      `env -u CI -u CONTINUOUS_INTEGRATION node ${bin} ui ${lab}; sleep 0.2`,
    ]);
    expect(started.exitCode, started.stderr).toBe(0);

    let s = await waitScreen(
      (x) => x.includes('server-1') && x.includes('READY') && /client\s+default\s+node1\s+10\.0\.1\.3\s+yes/.test(x),
      60_000,
      'the pods',
    );
    expect(s).toContain(`netlab ui  ${lab}  proxy iptables`);
    expect(s).toContain('─ router ');
    expect(s).toContain('service-test  10.3.241.152');
    expect(selectedPod(s)).toBe('server-0');

    await tmux(['send-keys', '-t', session, 'c']);
    s = await waitScreen((x) => /\d+ passed, \d+ failed/.test(x), 120_000, 'the check tally');
    expect(s).toMatch(/7 passed, 0 failed/);
    expect(s).toContain('✔ client reaches the service');

    await tmux(['send-keys', '-t', session, 'j']);
    s = await waitScreen((x) => selectedPod(x) !== 'server-0', 10_000, 'the selection move');
    expect(selectedPod(s)).toBe('client');

    await tmux(['send-keys', '-t', session, 'q']);
    const deadline = Date.now() + 10_000;
    while ((await alive()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await alive()).toBe(false);
  });
});
