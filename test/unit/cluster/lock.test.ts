// The lab lock's logic against an engine in memory that creates container names atomically, as
// Docker does (a second create of a name is a 409); test/e2e/lock.test.ts runs it on a real one.
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lockWaitMs, releaseHeldLocks, unlockLab, withLabLock } from '../../../src/cluster/lock.js';
import { NetlabError } from '../../../src/core/errors.js';
import type { LabEvent } from '../../../src/core/events.js';
import { holderFromLabels, LabBusyError, type LockHolder, lockLabels } from '../../../src/core/lock.js';
import type { Engine } from '../../../src/engine/engine.js';

class MemoryEngine {
  readonly containers = new Map<string, { Id: string; Labels: Record<string, string> }>();
  imagePresent = true;
  creates = 0;
  private next = 0;

  async createContainer(name: string, spec: { Labels?: Record<string, string> }): Promise<string> {
    this.creates++;
    if (!this.imagePresent) throw Object.assign(new Error('No such image: netlab/lock:1'), { statusCode: 404 });
    if (this.containers.has(name)) throw Object.assign(new Error('Conflict'), { statusCode: 409 });
    const Id = `c${++this.next}`;
    this.containers.set(name, { Id, Labels: spec.Labels ?? {} });
    return Id;
  }

  async inspectContainer(name: string) {
    const c = this.containers.get(name);
    return c ? { Id: c.Id, Config: { Labels: c.Labels } } : undefined;
  }

  async removeContainer(id: string): Promise<void> {
    for (const [name, c] of this.containers) if (c.Id === id) this.containers.delete(name);
  }

  async version() {
    return { Arch: 'amd64', Os: 'linux' };
  }

  async loadImages(): Promise<Readable> {
    this.imagePresent = true;
    return Readable.from([Buffer.from('{"stream":"Loaded image: netlab/lock:1\\n"}\r\n')]);
  }

  holder(lab: string): LockHolder | undefined {
    return holderFromLabels(this.containers.get(`${lab}.lock`)?.Labels);
  }

  /** A lock left on the engine by someone else. */
  plant(holder: Partial<LockHolder> & { lab: string }): void {
    const full: LockHolder = { command: 'up', since: new Date(), pid: 4242, host: 'elsewhere', pidns: '', ...holder };
    this.containers.set(`${holder.lab}.lock`, { Id: `planted-${holder.lab}`, Labels: lockLabels(full) });
  }
}

const asEngine = (m: MemoryEngine) => m as unknown as Engine;
const pidns = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
})();
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('withLabLock', () => {
  it('holds the lock while the work runs, naming the command, this process and this machine, then removes it', async () => {
    const m = new MemoryEngine();
    let during: LockHolder | undefined;
    const result = await withLabLock(asEngine(m), 'alice', 'up', async () => {
      during = m.holder('alice');
      return 7;
    });
    expect(result).toBe(7);
    expect(during).toMatchObject({ lab: 'alice', command: 'up', pid: process.pid, host: hostname(), pidns });
    expect(m.containers.size).toBe(0);
  });

  it('releases it when the work fails', async () => {
    const m = new MemoryEngine();
    await expect(
      withLabLock(asEngine(m), 'alice', 'down', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(m.containers.size).toBe(0);
  });

  it('is taken once along one call chain (apply runs up, an exercise runs down and up)', async () => {
    const m = new MemoryEngine();
    await withLabLock(asEngine(m), 'alice', 'exercise', () =>
      withLabLock(asEngine(m), 'alice', 'down', async () => {
        await withLabLock(asEngine(m), 'alice', 'up', async () => expect(m.holder('alice')?.command).toBe('exercise'));
        // Another lab is another lock.
        await withLabLock(asEngine(m), 'bob', 'up', async () => expect(m.containers.size).toBe(2));
      }),
    );
    expect(m.creates).toBe(2);
    expect(m.containers.size).toBe(0);
  });

  it('makes a second command on the same lab wait for the first (also within one process)', async () => {
    const m = new MemoryEngine();
    const order: string[] = [];
    const events: LabEvent[] = [];
    const first = withLabLock(asEngine(m), 'alice', 'up', async () => {
      order.push('first starts');
      await new Promise((r) => setTimeout(r, 400));
      order.push('first ends');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withLabLock(
      asEngine(m),
      'alice',
      'down',
      async () => {
        order.push('second runs');
      },
      { waitMs: 5000, emit: (e) => events.push(e) },
    );
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
    expect(events).toEqual([
      { type: 'message', level: 'info', text: expect.stringMatching(/^lab alice is busy: `up` since .* waiting for it \(up to 5 s\)$/) },
    ]);
  });

  it("fails with the holder's command, time, process and host when it waited long enough; the lock stays", async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice', command: 'apply', pid: 31337, host: 'teacher-laptop' });
    const started = Date.now();
    const err = await withLabLock(asEngine(m), 'alice', 'up', async () => 'ran', { waitMs: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabBusyError);
    expect((err as LabBusyError).message).toMatch(/^lab alice is busy: `apply` since \d\d:\d\d:\d\d \(pid 31337 on host teacher-laptop\)$/);
    expect((err as LabBusyError).hint).toContain('netlab unlock alice');
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(m.holder('alice')?.host).toBe('teacher-laptop');
  });

  it('breaks a lock whose holder ran on this machine and is gone, and says so', async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice', pid: deadPid(), host: hostname(), pidns });
    const events: LabEvent[] = [];
    const ran = await withLabLock(asEngine(m), 'alice', 'up', async () => m.holder('alice')?.pid, { waitMs: 0, emit: (e) => events.push(e) });
    expect(ran).toBe(process.pid);
    expect(events[0]).toMatchObject({ level: 'warn', text: expect.stringMatching(/^broke a stale lock of lab alice: `up` since .* no longer runs$/) });
  });

  it('does not break a lock of a process of this machine that still runs', async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice', pid: process.ppid, host: hostname(), pidns });
    const err = await withLabLock(asEngine(m), 'alice', 'up', async () => 'ran', { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabBusyError);
    expect((err as LabBusyError).hint).toContain(`kill ${process.ppid}`);
  });

  it("breaks a lock with this process's PID that this process does not hold (an earlier process's)", async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice', pid: process.pid, host: hostname(), pidns, since: new Date(Date.now() - 3_600_000) });
    expect(await withLabLock(asEngine(m), 'alice', 'up', async () => 'ran', { waitMs: 0 })).toBe('ran');
  });

  it("refuses a container of the lock's name that is not netlab's lock", async () => {
    const m = new MemoryEngine();
    m.containers.set('alice.lock', { Id: 'x', Labels: {} });
    await expect(withLabLock(asEngine(m), 'alice', 'up', async () => 'ran', { waitMs: 0 })).rejects.toThrow(/exists but is not netlab's lock/);
    expect(m.containers.has('alice.lock')).toBe(true);
  });

  it('loads its image the first time', async () => {
    const m = new MemoryEngine();
    m.imagePresent = false;
    expect(await withLabLock(asEngine(m), 'alice', 'up', async () => 'ran')).toBe('ran');
    expect(m.creates).toBe(2);
  });

  it('stops waiting on Ctrl-C', async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await withLabLock(asEngine(m), 'alice', 'up', async () => 'ran', { waitMs: 10_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).exitCode).toBe(130);
  });

  it('releaseHeldLocks removes the locks held (a signal ends the process)', async () => {
    const m = new MemoryEngine();
    let release: () => void = () => {};
    const work = withLabLock(asEngine(m), 'alice', 'up', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 20));
    expect(m.containers.size).toBe(1);
    await releaseHeldLocks();
    expect(m.containers.size).toBe(0);
    release();
    await work;
  });
});

describe('unlockLab', () => {
  it("breaks another machine's lock and says whose it was", async () => {
    const m = new MemoryEngine();
    m.plant({ lab: 'alice', command: 'sync', host: 'teacher-laptop' });
    expect(await unlockLab(asEngine(m), 'alice')).toMatchObject({ command: 'sync', host: 'teacher-laptop' });
    expect(m.containers.size).toBe(0);
    expect(await unlockLab(asEngine(m), 'alice')).toBeUndefined();
  });

  it('refuses, without --force, a lock whose holder still runs on this machine', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const m = new MemoryEngine();
      m.plant({ lab: 'alice', pid: child.pid!, host: hostname(), pidns });
      await expect(unlockLab(asEngine(m), 'alice')).rejects.toThrow(/is still running/);
      expect(m.containers.size).toBe(1);
      await unlockLab(asEngine(m), 'alice', { force: true });
      expect(m.containers.size).toBe(0);
    } finally {
      child.kill();
    }
  });
});

describe('NETLAB_LOCK_WAIT', () => {
  it('is seconds; 10 s without it', () => {
    expect(lockWaitMs({})).toBe(10_000);
    expect(lockWaitMs({ NETLAB_LOCK_WAIT: '2.5' })).toBe(2500);
    expect(lockWaitMs({ NETLAB_LOCK_WAIT: '0' })).toBe(0);
    expect(() => lockWaitMs({ NETLAB_LOCK_WAIT: 'soon' })).toThrow(/not a number of seconds/);
  });
});
