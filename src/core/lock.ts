// One command at a time per lab: what a lab's lock records (on its labels), whose it is, and what
// a command says when it finds the lab busy. Pure; taking and breaking it is src/cluster/lock.ts.
import { NetlabError } from './errors.js';
import { isLock, LABEL_LAB, LABEL_LOCK_COMMAND, LABEL_LOCK_HOST, LABEL_LOCK_PID, LABEL_LOCK_PIDNS, LABEL_LOCK_SINCE, LABEL_ROLE } from './labels.js';

/** Who holds a lab's lock. */
export interface LockHolder {
  lab: string;
  /** The command holding it: up, down, apply, delete, scale, sync, exercise. */
  command: string;
  since: Date;
  pid: number;
  host: string;
  /** The holder's PID namespace where the system has one to name (Linux), else ''. */
  pidns: string;
}

/** Where a process runs, as a lock records it. */
export interface Here {
  host: string;
  pidns: string;
  pid: number;
}

/** Exit code of a command that found its lab busy (sysexits' EX_TEMPFAIL: try again later). */
export const BUSY_EXIT_CODE = 75;

/**
 * The lock's name on the engine. No other object of a lab can have it: lab, pod, namespace and
 * container names are DNS labels (no "."), and every other container is named `<lab>-...`.
 */
export function lockName(lab: string): string {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(lab)) {
    throw new NetlabError(`"${lab}" is not a lab name.`, {
      hint: 'Lab names are lowercase letters, digits and "-"; netlab status lists the labs on the engine.',
      exitCode: 2,
    });
  }
  return `${lab}.lock`;
}

export function lockLabels(holder: LockHolder): Record<string, string> {
  return {
    [LABEL_LAB]: holder.lab,
    [LABEL_ROLE]: 'lock',
    [LABEL_LOCK_COMMAND]: holder.command,
    [LABEL_LOCK_SINCE]: holder.since.toISOString(),
    [LABEL_LOCK_PID]: String(holder.pid),
    [LABEL_LOCK_HOST]: holder.host,
    [LABEL_LOCK_PIDNS]: holder.pidns,
  };
}

/** The holder a lock's labels name; undefined when they are not a lock's. Missing fields read as unknown. */
export function holderFromLabels(labels: Record<string, string> | undefined): LockHolder | undefined {
  if (!labels || !isLock(labels)) return undefined;
  const pid = Number(labels[LABEL_LOCK_PID]);
  return {
    lab: labels[LABEL_LAB] ?? '',
    command: labels[LABEL_LOCK_COMMAND] || 'unknown command',
    since: new Date(labels[LABEL_LOCK_SINCE] ?? ''),
    pid: Number.isInteger(pid) && pid > 0 ? pid : 0,
    host: labels[LABEL_LOCK_HOST] ?? '',
    pidns: labels[LABEL_LOCK_PIDNS] ?? '',
  };
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local time: `12:01:03` when `since` is today, `2025-01-02 12:01:03` on another day. */
export function formatSince(since: Date, now = new Date()): string {
  if (Number.isNaN(since.getTime())) return 'an unknown time';
  const time = `${two(since.getHours())}:${two(since.getMinutes())}:${two(since.getSeconds())}`;
  const sameDay = since.getFullYear() === now.getFullYear() && since.getMonth() === now.getMonth() && since.getDate() === now.getDate();
  return sameDay ? time : `${since.getFullYear()}-${two(since.getMonth() + 1)}-${two(since.getDate())} ${time}`;
}

/** `` `up` since 12:01:03 (pid 4242 on host h) `` */
export function describeHolder(holder: LockHolder, now = new Date()): string {
  return `\`${holder.command}\` since ${formatSince(holder.since, now)} (pid ${holder.pid || '?'} on host ${holder.host || '?'})`;
}

/** `` lab X is busy: `up` since 12:01:03 (pid 4242 on host h) `` */
export function busyMessage(holder: LockHolder, now = new Date()): string {
  return `lab ${holder.lab} is busy: ${describeHolder(holder, now)}`;
}

/** The holder runs on this machine (same host name and PID namespace): its PID can be tested here. */
export function isLocalHolder(holder: LockHolder, here: Here): boolean {
  return holder.host === here.host && holder.pidns === here.pidns;
}

/**
 * Whether a lock found held may be broken without asking: only when its holder is a process of
 * this machine that no longer runs (`running` tests a PID: that it runs, and is the process that
 * took the lock at `since`). Another machine's holder is never presumed gone: `netlab unlock`
 * breaks its lock.
 */
export function isStale(holder: LockHolder, here: Here, running: (pid: number, since: Date) => boolean): boolean {
  if (!isLocalHolder(holder, here)) return false;
  return holder.pid === 0 || !running(holder.pid, holder.since);
}

/** A lab held by another command for longer than this one would wait. */
export class LabBusyError extends NetlabError {
  readonly holder: LockHolder;

  constructor(holder: LockHolder, options: { local: boolean; waitedMs: number; now?: Date }) {
    const waited = options.waitedMs >= 1000 ? ` (waited ${Math.round(options.waitedMs / 1000)} s)` : '';
    super(`${busyMessage(holder, options.now)}${waited}`, {
      hint: options.local
        ? `It is still running: wait for it and try again (NETLAB_LOCK_WAIT=<seconds> waits longer). If it hangs, stop it (kill ${holder.pid || '<pid>'}), or break the lock: netlab unlock ${holder.lab} --force`
        : `Try again when it is done (NETLAB_LOCK_WAIT=<seconds> waits longer). If that command no longer runs (its machine went away), break the lock: netlab unlock ${holder.lab}`,
      exitCode: BUSY_EXIT_CODE,
    });
    this.holder = holder;
  }
}
