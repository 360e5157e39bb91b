// `netlab ui [lab]` (and `netlab` alone on a terminal): the dashboard. Every engine call starts
// here (through src/cluster); the Ink app gets pictures and check results through its props.
// `s` leaves Ink cleanly, runs `netlab exec <lab> <pod>` with the terminal handed over, then
// brings the dashboard back.
import { spawn } from 'node:child_process';
import { runChecks } from '../../checks/run.js';
import { podLabel, type LabGraph } from '../../ui/graph/model.js';
import { NetlabError } from '../../core/errors.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { labsOnEngine } from '../../cluster/status.js';
import type { CheckResult } from '../../core/events.js';
import { liveGraph } from './graph.js';
import type { DashboardState } from '../../ui/dashboard/state.js';

/** Runs `netlab exec <lab> <pod>` as a child with this terminal; resolves with its exit code. */
function shellIn(lab: string, pod: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, 'exec', lab, pod], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

export async function uiCommand(labArg: string | undefined): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new NetlabError('The dashboard needs a terminal.', { hint: 'Without one: netlab status, netlab graph <lab>, netlab check <lab>.', exitCode: 2 });
  }
  const engine = await connectEngine();
  if (!labArg) {
    const up = (await labsOnEngine(engine)).filter((l) => l.running > 0).map((l) => l.name);
    if (up.length === 0) {
      process.stdout.write('No lab is up. Start one: netlab up <lab> (netlab list shows them), then netlab ui.\n');
      return 0;
    }
    labArg = up.length === 1 ? up[0]! : await (await import('../../ui/dashboard/show.js')).pickLab(up);
    if (!labArg) return 0;
  }
  const name = labArg;
  let current = await RunningLab.open(engine, name);
  const refresh = async (full: boolean): Promise<LabGraph> => {
    if (full) current = await RunningLab.open(engine, name);
    return liveGraph(current);
  };
  const checks = async (onResult: (r: CheckResult) => void) => {
    await runChecks(current, (e) => {
      if (e.type === 'check') onResult(e.result);
    });
  };
  let resume: LabGraph | DashboardState = await refresh(false);
  for (;;) {
    const closed = await (await import('../../ui/dashboard/show.js')).showDashboard({ initial: resume, refresh, runChecks: checks });
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
