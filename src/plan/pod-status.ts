// A pod's READY, STATUS and RESTARTS as `kubectl get pods` prints them, from what is known of
// each of its containers. Derived as kubelet sets the pod's phase and container states and as
// kubectl's printPod (k8s.io/kubernetes pkg/printers/internalversion/printers.go) words them.
import type { RestartPolicy } from '../labfile/model.js';

/** What is known of one app container, read from the engine. */
export interface ContainerFacts {
  /**
   * Docker's state: `running`; `restarting` (waiting out its restart back-off after it exited:
   * kubelet's CrashLoopBackOff); `exited`; `created` (never started); `missing` (not created).
   */
  state: 'running' | 'restarting' | 'exited' | 'created' | 'missing';
  /** The exit code of its last run, when it exited. */
  exitCode?: number;
  /** Its last run was killed for memory. */
  oomKilled?: boolean;
  restartCount: number;
  /** When running: does it pass its readiness probe? undefined = ready (no readiness probe). */
  ready?: boolean;
  /** When it last exited (Docker's FinishedAt), for RESTARTS' "(5s ago)". */
  finishedAt?: Date;
}

export interface PodFacts {
  /** The sandbox (pause container) runs: the pod has its network namespace. */
  sandbox: boolean;
  restartPolicy: RestartPolicy;
  /** In the order of spec.containers. */
  containers: ContainerFacts[];
}

export interface PodStatus {
  /** Containers ready, of all. */
  ready: number;
  total: number;
  /** kubectl's STATUS: Running, Pending, Completed, Error, CrashLoopBackOff, ContainerCreating, NotReady, ... */
  status: string;
  restarts: number;
  /** When a container last exited and was restarted (the latest), if any did. */
  lastRestart?: Date;
  /** The pod's Ready condition: its sandbox runs and every container is ready. */
  podReady: boolean;
}

type ContainerState =
  | { kind: 'running'; ready: boolean }
  | { kind: 'waiting'; reason: string; terminatedBefore: boolean }
  | { kind: 'terminated'; reason: string; exitCode: number };

/** kubelet's view of a container (v1.ContainerState), from the engine's. */
function containerState(c: ContainerFacts, sandbox: boolean): ContainerState {
  switch (c.state) {
    case 'running':
      // Without its sandbox a container has no network: kubelet would not count it ready.
      return { kind: 'running', ready: sandbox && c.ready !== false };
    case 'restarting':
      return { kind: 'waiting', reason: 'CrashLoopBackOff', terminatedBefore: true };
    case 'exited': {
      const exitCode = c.exitCode ?? 0;
      return { kind: 'terminated', exitCode, reason: c.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error' };
    }
    default:
      return { kind: 'waiting', reason: 'ContainerCreating', terminatedBefore: c.restartCount > 0 };
  }
}

/** kubelet's getPhase (no init containers). */
function podPhase(states: ContainerState[], restartPolicy: RestartPolicy): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of states) {
    if (s.kind === 'running') running++;
    else if (s.kind === 'terminated') {
      stopped++;
      if (s.exitCode === 0) succeeded++;
    } else if (s.terminatedBefore) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return restartPolicy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

/** READY, STATUS and RESTARTS of a pod, as `kubectl get pods` prints them. */
export function podStatus(facts: PodFacts): PodStatus {
  const states = facts.containers.map((c) => containerState(c, facts.sandbox));
  let reason: string = podPhase(states, facts.restartPolicy);
  let ready = 0;
  let restarts = 0;
  let hasRunning = false;
  let lastRestart: Date | undefined;
  // printPod walks the containers from the last: the first container's reason is the one shown.
  for (let i = states.length - 1; i >= 0; i--) {
    const s = states[i]!;
    const c = facts.containers[i]!;
    restarts += c.restartCount;
    if (c.restartCount > 0 && c.finishedAt && (!lastRestart || c.finishedAt > lastRestart)) lastRestart = c.finishedAt;
    if (s.kind === 'waiting') reason = s.reason;
    else if (s.kind === 'terminated') reason = s.reason;
    else if (s.ready) {
      hasRunning = true;
      ready++;
    }
  }
  const podReady = facts.sandbox && ready === states.length;
  // A finished container beside running ones: the pod is not done.
  if (reason === 'Completed' && hasRunning) reason = podReady ? 'Running' : 'NotReady';
  return { ready, total: states.length, status: reason, restarts, ...(lastRestart ? { lastRestart } : {}), podReady };
}

/** kubectl's RESTARTS column: `3`, or `3 (12s ago)` after a restart. */
export function restartsText(status: Pick<PodStatus, 'restarts' | 'lastRestart'>, now: Date): string {
  if (status.restarts === 0 || !status.lastRestart) return String(status.restarts);
  return `${status.restarts} (${humanDuration(now.getTime() - status.lastRestart.getTime())} ago)`;
}

/** apimachinery's duration.HumanDuration, as kubectl prints AGE: 45s, 3m20s, 2h5m, 4d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
