// One command at a time per lab, on a real engine: commands that change a lab at once take turns
// (or the later one says the lab is busy), never showing the engine's own conflicts; a lock left
// by a process that died on this machine is broken, another machine's is not, until `unlock`.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSince, type LockHolder, lockLabels, lockName } from '../../src/core/lock.js';
import { isNotFound } from '../../src/engine/errors.js';
import { LOCK_IMAGE, loadLockImage } from '../../src/images/lock-image.js';
import { checkJson, engine, failures, labObjects, netlab, netlabSpawn, uniqueName, waitFor } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) {
    await netlab(['unlock', lab, '--force']);
    await netlab(['down', lab]);
  }
});

/** What the engine says when two commands collide without a lock (dockerode's `(HTTP code 409)`, a name in use, a container already started). */
const RAW_ENGINE_ERROR = /HTTP code \d{3}|already exists|already in use|already started|Docker engine answered|Conflict/i;
const BUSY = /lab \S+ is busy: `\w+` since (\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \(pid \d+ on host \S+\)/;

type Run = Awaited<ReturnType<typeof netlab>>;

/** Exit 0, or the busy exit code with the busy message; never an engine error. */
function expectTurnTaken(r: Run): void {
  expect(r.all, r.all).not.toMatch(RAW_ENGINE_ERROR);
  if (r.exitCode !== 0) {
    expect(r.exitCode, r.all).toBe(75);
    expect(r.stderr).toMatch(BUSY);
  }
}

async function lockExists(lab: string): Promise<boolean> {
  return (await (await engine()).inspectContainer(lockName(lab))) !== undefined;
}

/** A lock as another command would have left it. */
async function plantLock(holder: LockHolder): Promise<void> {
  const e = await engine();
  const create = () => e.createContainer(lockName(holder.lab), { Image: LOCK_IMAGE, Labels: lockLabels(holder), HostConfig: { NetworkMode: 'none' } });
  try {
    await create();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await loadLockImage(e);
    await create();
  }
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** How many containers one `up` of multi-node makes, counted on a copy brought up alone. */
let single = 0;
beforeAll(async () => {
  const name = uniqueName('lockref');
  made.push(name);
  const r = await netlab(['up', 'multi-node', '--name', name]);
  expect(r.exitCode, r.all).toBe(0);
  single = (await labObjects(name)).containers;
  expect(single).toBeGreaterThan(5);
  expect((await netlab(['down', name])).exitCode).toBe(0);
});

describe('two commands on one lab at once', () => {
  it('two ups: both succeed (the second finds the lab up) or one says the lab is busy; one lab, whole', async () => {
    const name = uniqueName('lockupup');
    made.push(name);
    const [a, b] = await Promise.all([netlab(['up', 'multi-node', '--name', name]), netlab(['up', 'multi-node', '--name', name])]);
    expectTurnTaken(a);
    expectTurnTaken(b);
    expect([a.exitCode, b.exitCode]).toContain(0);
    if (a.exitCode === 0 && b.exitCode === 0) expect(`${a.stdout}\n${b.stdout}`).toMatch(/is already up; nothing changed/);
    expect(await labObjects(name)).toEqual({ containers: single, networks: 1, volumes: 0 });
    expect(await lockExists(name)).toBe(false);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect((await netlab(['down', name])).exitCode).toBe(0);
  });

  it('up and down at once: the lab ends fully up (and passing) or fully gone', async () => {
    const name = uniqueName('lockupdown');
    made.push(name);
    const [u, d] = await Promise.all([netlab(['up', 'multi-node', '--name', name]), new Promise((r) => setTimeout(r, 300)).then(() => netlab(['down', name]))]);
    expectTurnTaken(u);
    expectTurnTaken(d);
    const objects = await labObjects(name);
    expect(await lockExists(name)).toBe(false);
    if (objects.containers === 0) {
      expect(objects).toEqual({ containers: 0, networks: 0, volumes: 0 });
    } else {
      expect(objects).toEqual({ containers: single, networks: 1, volumes: 0 });
      const { report } = await checkJson(name);
      expect(failures(report)).toEqual([]);
      expect((await netlab(['down', name])).exitCode).toBe(0);
    }
  });

  it('a down started while up works waits for it, then removes everything (the lock last)', async () => {
    const name = uniqueName('lockwait');
    made.push(name);
    const upping = netlabSpawn(['up', 'multi-node', '--name', name]);
    await waitFor(() => lockExists(name), 30_000);
    const d = await netlab(['down', name], { env: { NETLAB_LOCK_WAIT: '120' } });
    const u = await upping;
    expect(u.exitCode, String(u.all)).toBe(0);
    expect(d.exitCode, d.all).toBe(0);
    expect(d.all).toMatch(/lab \S+ is busy: `up` since .*; waiting for it/);
    expect(d.all).toMatch(new RegExp(`removed ${single} container\\(s\\), 1 network\\(s\\)`));
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

describe('a lock left behind', () => {
  it('by a process of this machine that is gone: broken at once, with a word', async () => {
    const name = uniqueName('lockdead');
    made.push(name);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await plantLock({ lab: name, command: 'up', since: new Date(Date.now() - 60_000), pid: dead, host: hostname(), pidns: pidNamespace() });
    const started = Date.now();
    const r = await netlab(['up', 'multi-node', '--name', name], { env: { NETLAB_LOCK_WAIT: '60' } });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(new RegExp(`broke a stale lock of lab ${name}: \`up\` since .* \\(pid ${dead} on host .*\\) no longer runs`));
    expect(r.all).not.toMatch(/waiting for it/);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('by another machine: up says who holds it within the wait, changes nothing, and `netlab unlock` breaks it', async () => {
    const name = uniqueName('lockhost');
    made.push(name);
    const since = new Date();
    const host = uniqueName('teacher-laptop');
    await plantLock({ lab: name, command: 'up', since, pid: 4242, host, pidns: '' });
    const started = Date.now();
    const r = await netlab(['up', 'multi-node', '--name', name], { env: { NETLAB_LOCK_WAIT: '2' } });
    const took = Date.now() - started;
    expect(r.exitCode, r.all).toBe(75);
    expect(r.stderr).toContain(`error: lab ${name} is busy: \`up\` since ${formatSince(since)} (pid 4242 on host ${host})`);
    expect(r.stderr).toContain(`hint:`);
    expect(r.stderr).toContain(`netlab unlock ${name}`);
    expect(r.all).not.toMatch(RAW_ENGINE_ERROR);
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(30_000);
    // Nothing of the lab was made; the lock is no lab and no leftover.
    expect(await labObjects(name)).toEqual({ containers: 1, networks: 0, volumes: 0 });
    expect((await netlab(['status'])).stdout).not.toContain(name);

    // down is a command that changes the lab too: it waits its turn, it does not remove the lock.
    const d = await netlab(['down', name], { env: { NETLAB_LOCK_WAIT: '0' } });
    expect(d.exitCode).toBe(75);
    expect(await lockExists(name)).toBe(true);

    const unlock = await netlab(['unlock', name]);
    expect(unlock.exitCode, unlock.all).toBe(0);
    expect(unlock.stdout).toContain(`broke the lock of lab ${name}, held by \`up\` since`);
    expect(await lockExists(name)).toBe(false);
    expect((await netlab(['unlock', name])).stdout).toContain(`lab ${name} is not locked`);
    const again = await netlab(['up', 'multi-node', '--name', name]);
    expect(again.exitCode, again.all).toBe(0);
    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it.each([
    ['Ctrl-C twice', ['SIGINT', 'SIGINT'], 130],
    ['SIGTERM', ['SIGTERM'], 143],
  ] as const)('is not left by an up stopped with %s', async (_, signals, code) => {
    const name = uniqueName('locksignal');
    made.push(name);
    const child = netlabSpawn(['up', 'multi-node', '--name', name]);
    await waitFor(async () => (await lockExists(name)) && (await labObjects(name)).containers >= 3, 30_000);
    for (const signal of signals) {
      child.kill(signal);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await child;
    expect([0, code] as number[], String(r.all)).toContain(r.exitCode);
    expect(await lockExists(name)).toBe(false);
    expect((await netlab(['down', name])).exitCode).toBe(0);
  });
});
