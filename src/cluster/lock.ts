// One command at a time per lab, decided on the engine itself (so two machines driving one engine
// take turns too). A lab's lock is a container that never starts, `<lab>.lock`, made from
// netlab/lock (an image without layers): the engine creates a container name once and answers
// 409 to every other create, atomically (its networks and volumes do not: on Docker 20.10 two
// creates of one network name both succeed, and a volume create returns the existing one). The
// lock's labels say which command holds it, since when, and its process and machine.
//
// Every command that changes a lab takes the lock (src/cluster: up, down, apply/delete/scale,
// sync, exercises). Nested calls in one command (apply runs `up`, an exercise runs `down`, `up`
// and faults) hold it once: the lock is re-entrant along one async call chain.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import {
  busyMessage,
  describeHolder,
  type Here,
  holderFromLabels,
  isLocalHolder,
  isStale,
  LabBusyError,
  type LockHolder,
  lockLabels,
  lockName,
} from '../core/lock.js';
import type { Engine } from '../engine/engine.js';
import { isConflict, isNotFound } from '../engine/errors.js';
import { LOCK_IMAGE, loadLockImage } from '../images/index.js';

export interface LockOptions {
  /** How long to wait for another command to finish: NETLAB_LOCK_WAIT seconds, else 10 s. */
  waitMs?: number;
  /** Where to say that the lab is busy and this command waits, or that a stale lock was broken. */
  emit?: EventSink;
  /** Stops the wait (Ctrl-C). */
  signal?: AbortSignal;
}

export const DEFAULT_LOCK_WAIT_MS = 10_000;
const POLL_MS = 250;
/** A PID whose process started this long after the lock was taken is not the holder's (the PID was reused). */
const PID_REUSE_SLACK_MS = 10_000;

/** The labs the current async call chain holds. */
const chain = new AsyncLocalStorage<ReadonlySet<string>>();
/** Every lock this process holds (container ID -> engine), for releasing them on the way out. */
const holding = new Map<string, Engine>();

/** `work` while this command holds the lab's lock; taken (waiting for another command if need be) and released around it. */
export async function withLabLock<T>(engine: Engine, lab: string, command: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const outer = chain.getStore();
  if (outer?.has(lab)) return work();
  const id = await acquire(engine, lab, command, options);
  holding.set(id, engine);
  try {
    return await chain.run(new Set([...(outer ?? []), lab]), work);
  } finally {
    holding.delete(id);
    await release(engine, lab, id);
  }
}

/** Removes every lock this process holds (a signal ends it): at most `timeoutMs`. */
export async function releaseHeldLocks(timeoutMs = 2000): Promise<void> {
  const all = [...holding].map(([id, engine]) => engine.removeContainer(id).catch(() => undefined));
  holding.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(all), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** The wait NETLAB_LOCK_WAIT (seconds) asks for, else 10 s. */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NETLAB_LOCK_WAIT;
  if (text === undefined || text.trim() === '') return DEFAULT_LOCK_WAIT_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new NetlabError(`NETLAB_LOCK_WAIT=${text} is not a number of seconds.`, { hint: 'e.g. NETLAB_LOCK_WAIT=60, or 0 not to wait', exitCode: 2 });
  }
  return Math.round(seconds * 1000);
}

/** Who holds the lab's lock now, if anyone. */
export async function lockHolder(engine: Engine, lab: string): Promise<LockHolder | undefined> {
  const found = await engine.inspectContainer(lockName(lab));
  return found ? holderOf(lab, found.Config.Labels) : undefined;
}

/**
 * `netlab unlock`: breaks the lab's lock whoever holds it; returns whose it was (undefined: none).
 * A holder that still runs on this machine is refused unless `force`: it would go on changing the
 * lab beside the next command.
 */
export async function unlockLab(engine: Engine, lab: string, options: { force?: boolean } = {}): Promise<LockHolder | undefined> {
  const found = await engine.inspectContainer(lockName(lab));
  if (!found) return undefined;
  const holder = holderOf(lab, found.Config.Labels);
  const here = thisProcess();
  if (!options.force && isLocalHolder(holder, here) && holder.pid !== 0 && holder.pid !== here.pid && processRunning(holder.pid, holder.since)) {
    throw new NetlabError(`${busyMessage(holder)}, and that process is still running.`, {
      hint: `Breaking the lock would let another command change the lab while it works: wait for it, or stop it (kill ${holder.pid}). To break it all the same: netlab unlock ${lab} --force`,
      exitCode: 2,
    });
  }
  await engine.removeContainer(found.Id);
  return holder;
}

async function acquire(engine: Engine, lab: string, command: string, options: LockOptions): Promise<string> {
  const name = lockName(lab);
  const here = thisProcess();
  const waitMs = options.waitMs ?? lockWaitMs();
  const started = Date.now();
  let imageLoaded = false;
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) throw new NetlabError(`Interrupted while waiting for lab ${lab}; nothing was changed.`, { exitCode: 130 });
    const mine: LockHolder = { lab, command, since: new Date(), ...here };
    try {
      return await engine.createContainer(name, { Image: LOCK_IMAGE, Labels: lockLabels(mine), HostConfig: { NetworkMode: 'none' } });
    } catch (err) {
      if (isNotFound(err) && !imageLoaded) {
        // The first lock on this engine: its image is a few bytes netlab loads itself.
        imageLoaded = true;
        await loadLockImage(engine);
        continue;
      }
      if (!isConflict(err)) throw err;
    }
    const found = await engine.inspectContainer(name);
    if (!found) continue; // released in the meantime: try again at once
    const holder = holderOf(lab, found.Config.Labels);
    // This process's PID: held by another of its commands, or left by an earlier process that had the same PID.
    const running = (pid: number, since: Date) => (pid === here.pid ? holding.has(found.Id) : processRunning(pid, since));
    if (isStale(holder, here, running)) {
      // Removed by its ID: if another command broke it first and took the lab, its lock stays.
      await engine.removeContainer(found.Id);
      options.emit?.({ type: 'message', level: 'warn', text: `broke a stale lock of lab ${lab}: ${describeHolder(holder)} no longer runs` });
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new LabBusyError(holder, { local: isLocalHolder(holder, here), waitedMs: waited });
    if (!announced) {
      options.emit?.({ type: 'message', level: 'info', text: `${busyMessage(holder)}; waiting for it (up to ${Math.round(waitMs / 1000)} s)` });
      announced = true;
    }
    await pause(Math.min(POLL_MS, waitMs - waited), options.signal);
  }
}

async function release(engine: Engine, lab: string, id: string): Promise<void> {
  try {
    await engine.removeContainer(id);
  } catch (err) {
    // The command's own outcome matters more; the lock, left behind, names a process that has ended.
    process.stderr.write(`warning: could not release the lock of lab ${lab} (${(err as Error).message}); netlab unlock ${lab} removes it\n`);
  }
}

function holderOf(lab: string, labels: Record<string, string> | undefined): LockHolder {
  const holder = holderFromLabels(labels);
  if (!holder) {
    throw new NetlabError(`A container named ${lockName(lab)} exists but is not netlab's lock of lab ${lab}.`, {
      hint: `netlab never touches what it did not create: remove or rename it (docker rm ${lockName(lab)}).`,
    });
  }
  return holder;
}

let here: Here | undefined;

/** This process, as its locks record it. */
function thisProcess(): Here {
  if (!here) {
    let pidns = '';
    try {
      pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // No /proc (macOS, Windows): the host name alone says where a PID means something.
    }
    here = { host: hostname(), pidns, pid: process.pid };
  }
  return here;
}

/** Whether `pid` (of this machine) is still the process that took a lock at `since`. */
function processRunning(pid: number, since: Date): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(pid);
  return !(start && start.getTime() > since.getTime() + PID_REUSE_SLACK_MS);
}

/** When a process started (Linux: /proc/<pid>/stat's start time after boot, in clock ticks of 1/100 s), if known. */
function processStart(pid: number): Date | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: start time is field 22.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && boot > 0 ? new Date((boot + ticks / 100) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
