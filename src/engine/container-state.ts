// A container that does not run, as kubectl would word it, and the last thing it printed: what
// `up`'s wait and a check's diagnosis say of a crashed or crash-looping container.
import type { Engine } from './engine.js';
import type { ContainerDetails } from './types.js';

/**
 * Restarts after which a restarting container is crash-looping (kubelet's CrashLoopBackOff): the
 * engine backs off 0.1, 0.2, 0.4 s..., so a container that dies at start reaches it in a second or
 * two.
 */
export const CRASH_LOOP_RESTARTS = 3;

export function crashLoopState(info: ContainerDetails): string {
  return `CrashLoopBackOff (exited with code ${info.State.ExitCode}, restarted ${info.RestartCount} time(s))`;
}

/** A stopped (or restarting) container's state; `info` undefined: it does not exist. */
export function stoppedState(info: ContainerDetails | undefined): string {
  if (!info) return 'missing (its container does not exist)';
  const st = info.State;
  if (st.Restarting || (info.RestartCount ?? 0) >= CRASH_LOOP_RESTARTS) return crashLoopState(info);
  if (st.Status === 'exited' || st.Status === 'dead')
    return `exited with code ${st.ExitCode}${st.OOMKilled ? ' (OOMKilled)' : ''}${st.Error ? `: ${st.Error}` : ''}`;
  return st.Status;
}

/** The last non-empty line a container printed (300 characters at most); undefined when none or unreadable. */
export async function lastLogLine(engine: Engine, container: string): Promise<string | undefined> {
  const log = await engine.logs(container, 20).catch(() => '');
  return log
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1)
    ?.slice(0, 300);
}
