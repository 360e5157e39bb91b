import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import {
  BUSY_EXIT_CODE,
  busyMessage,
  describeHolder,
  formatSince,
  holderFromLabels,
  isLocalHolder,
  isStale,
  LabBusyError,
  type LockHolder,
  lockLabels,
  lockName,
} from '../../../src/core/lock.js';

const since = new Date(2025, 4, 6, 12, 1, 3);
const holder: LockHolder = { lab: 'alice', command: 'up', since, pid: 4242, host: 'h', pidns: 'pid:[4026531836]' };
const here = { host: 'h', pidns: 'pid:[4026531836]', pid: 1000 };

describe("a lab's lock on its labels", () => {
  it('records the lab, its role, the command, the time, the process and the machine', () => {
    expect(lockLabels(holder)).toEqual({
      'netlab.lab': 'alice',
      'netlab.role': 'lock',
      'netlab.lock.command': 'up',
      'netlab.lock.since': since.toISOString(),
      'netlab.lock.pid': '4242',
      'netlab.lock.host': 'h',
      'netlab.lock.pidns': 'pid:[4026531836]',
    });
  });

  it('reads back what it wrote', () => {
    expect(holderFromLabels(lockLabels(holder))).toEqual(holder);
  });

  it("is not read from anything but a lock's labels", () => {
    expect(holderFromLabels(undefined)).toBeUndefined();
    expect(holderFromLabels({ 'netlab.lab': 'alice', 'netlab.role': 'node' })).toBeUndefined();
  });

  it('reads missing or broken fields as unknown, not as an error', () => {
    const h = holderFromLabels({ 'netlab.lab': 'alice', 'netlab.role': 'lock', 'netlab.lock.pid': 'x' })!;
    expect(h).toMatchObject({ lab: 'alice', command: 'unknown command', pid: 0, host: '', pidns: '' });
    expect(describeHolder(h)).toBe('`unknown command` since an unknown time (pid ? on host ?)');
  });

  it('is named so that no container of a lab can have its name', () => {
    expect(lockName('alice')).toBe('alice.lock');
    expect(() => lockName('labs/x/lab.yaml')).toThrow(NetlabError);
    expect(() => lockName('Alice')).toThrow(/is not a lab name/);
  });
});

describe('the busy message', () => {
  it('names the command, the time, the process and the host', () => {
    const now = new Date(2025, 4, 6, 12, 5, 0);
    expect(busyMessage(holder, now)).toBe('lab alice is busy: `up` since 12:01:03 (pid 4242 on host h)');
  });

  it('gives the date when the lock is from another day', () => {
    expect(formatSince(since, new Date(2025, 4, 7, 9, 0, 0))).toBe('2025-05-06 12:01:03');
    expect(formatSince(new Date(2025, 0, 2, 3, 4, 5), new Date(2025, 0, 2, 23, 0, 0))).toBe('03:04:05');
  });

  it('is an error with the busy exit code, and a hint that fits where the holder runs', () => {
    const now = new Date(2025, 4, 6, 12, 5, 0);
    const remote = new LabBusyError(holder, { local: false, waitedMs: 10_000, now });
    expect(remote).toBeInstanceOf(NetlabError);
    expect(remote.message).toBe('lab alice is busy: `up` since 12:01:03 (pid 4242 on host h) (waited 10 s)');
    expect(remote.exitCode).toBe(BUSY_EXIT_CODE);
    expect(remote.hint).toContain('netlab unlock alice');
    expect(remote.hint).not.toContain('--force');
    const local = new LabBusyError(holder, { local: true, waitedMs: 0, now });
    expect(local.message).toBe('lab alice is busy: `up` since 12:01:03 (pid 4242 on host h)');
    expect(local.hint).toContain('kill 4242');
    expect(local.hint).toContain('netlab unlock alice --force');
  });
});

describe('a stale lock', () => {
  const dead = () => false;
  const alive = () => true;

  it('is one whose holder ran on this machine and runs no more', () => {
    expect(isStale(holder, here, dead)).toBe(true);
    expect(isStale(holder, here, alive)).toBe(false);
    expect(isStale({ ...holder, pid: 0 }, here, alive)).toBe(true);
  });

  it('is never presumed of another machine, or of another PID namespace', () => {
    expect(isLocalHolder({ ...holder, host: 'other' }, here)).toBe(false);
    expect(isStale({ ...holder, host: 'other' }, here, dead)).toBe(false);
    expect(isStale({ ...holder, pidns: 'pid:[1]' }, here, dead)).toBe(false);
  });

  it('asks about the PID and the time the lock was taken', () => {
    const asked: [number, Date][] = [];
    isStale(holder, here, (pid, at) => {
      asked.push([pid, at]);
      return true;
    });
    expect(asked).toEqual([[4242, since]]);
  });
});
