// `netlab ui [lab]` (and `netlab` alone on a terminal): the dashboard. Every Docker call is made
// here; the Ink app gets pictures and check results through its props. `s` leaves Ink cleanly,
// runs `netlab exec <lab> <pod>` with the terminal handed over, then brings the dashboard back.
import { spawn } from 'node:child_process';
import { createElement } from 'react';
import { listLabsOnEngine } from '../../engine/state.js';
import { runChecks } from '../../checks/run.js';
import { podLabel, type LabGraph } from '../../ui/graph/model.js';
import { NetlabError } from '../../core/errors.js';
import { engine, runningLab } from '../../cluster/context.js';
import { liveGraph } from './graph.js';
import type { DashboardExit } from '../../ui/dashboard/Dashboard.js';
import type { DashboardState } from '../../ui/dashboard/state.js';
import { ColorContext } from '../../ui/theme.js';
import { colorEnabled } from '../../ui/ansi.js';

/** Runs `netlab exec <lab> <pod>` as a child with this terminal; resolves with its exit code. */
function shellIn(lab: string, pod: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, 'exec', lab, pod], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

async function pickLab(labs: string[]): Promise<string | undefined> {
  const { render } = await import('ink');
  const { LabPicker } = await import('../../ui/dashboard/LabPicker.js');
  let picked: string | undefined;
  const app = render(createElement(LabPicker, { labs, onPick: (l: string | undefined) => (picked = l) }));
  await app.waitUntilExit();
  return picked;
}

export async function uiCommand(labArg: string | undefined): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new NetlabError('The dashboard needs a terminal.', { hint: 'Without one: netlab status, netlab graph <lab>, netlab check <lab>.', exitCode: 2 });
  }
  const docker = await engine();
  if (!labArg) {
    const up = (await listLabsOnEngine(docker)).filter((l) => l.running > 0).map((l) => l.name);
    if (up.length === 0) {
      process.stdout.write('No lab is up. Start one: netlab up <lab> (netlab list shows them), then netlab ui.\n');
      return 0;
    }
    labArg = up.length === 1 ? up[0]! : await pickLab(up);
    if (!labArg) return 0;
  }
  const name = labArg;
  let current = await runningLab(docker, name);
  const refresh = async (full: boolean): Promise<LabGraph> => {
    if (full) current = await runningLab(docker, name);
    return liveGraph(docker, current.lab, current.plan);
  };
  const checks = async (onResult: (r: import('../../core/events.js').CheckResult) => void) => {
    await runChecks(docker, current.lab, current.plan, (e) => {
      if (e.type === 'check') onResult(e.result);
    });
  };
  const { render } = await import('ink');
  const { Dashboard } = await import('../../ui/dashboard/Dashboard.js');
  const color = colorEnabled(process.stdout, process.env);
  let resume: LabGraph | DashboardState = await refresh(false);
  for (;;) {
    let closed: DashboardExit | undefined;
    const app = render(
      createElement(ColorContext.Provider, { value: color }, createElement(Dashboard, { initial: resume, refresh, runChecks: checks, onExit: (e: DashboardExit) => (closed = e) })),
      { exitOnCtrlC: true },
    );
    await app.waitUntilExit();
    app.cleanup();
    if (!closed || closed.kind === 'quit') return 0;
    const exitState: DashboardState = closed.state;
    process.stdout.write(`\nshell in ${podLabel(closed.pod)} (exit to come back to the dashboard)\n`);
    const code = await shellIn(current.plan.lab, closed.pod.namespace === 'default' ? closed.pod.name : `${closed.pod.name}.${closed.pod.namespace}`);
    resume = { ...exitState, message: code === 0 ? undefined : `netlab exec ended with exit code ${code}` };
    try {
      resume = { ...resume, graph: await refresh(false) };
    } catch {
      // Keep the last picture; the timer tries again.
    }
  }
}
