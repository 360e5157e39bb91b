// Engines as the docker CLI finds them, on the extra engines of this machine (scripts/engines.sh):
// (a) the context netlab-ssh, really over ssh (netlab's own ssh processes run `docker system
// dial-stdio`): up, check, exec, status, down; (b) the second engine netlab-d2 lacking a netlab
// image: `up` there ships exactly the missing ones from the main engine (the same image IDs).
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../../src/core/concurrency.js';
import { connectEngine, connectEngineAt } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { imageRefs } from '../../src/images/tags.js';
import { type CheckJson, failures, netlab, uniqueName } from '../helpers/e2e.js';

const SSH = 'netlab-ssh';
const D2 = 'netlab-d2';
const made: [string, string][] = [];
afterAll(async () => {
  for (const [context, lab] of made) await netlab(['--context', context, 'down', lab]);
});

/** The engine of a test context, or a clear failure pointing at the script that starts it. */
async function engineAt(context: string): Promise<Engine> {
  try {
    return await withTimeout(connectEngineAt(context), 40_000, `docker context ${context}`);
  } catch (err) {
    throw new Error(`The docker context ${context} does not answer (${(err as Error).message}): start the test engines with scripts/engines.sh`);
  }
}

async function objectsOn(e: Engine, lab: string): Promise<number> {
  const filters = { label: [`netlab.lab=${lab}`] };
  const [containers, networks, volumes] = await Promise.all([e.listContainers(filters), e.listNetworks(filters), e.listVolumes(filters)]);
  return containers.length + networks.length + volumes.length;
}

async function checkAllPass(context: string, lab: string): Promise<void> {
  const r = await netlab(['--context', context, 'check', lab, '--json']);
  const report = JSON.parse(r.stdout) as CheckJson;
  expect(failures(report)).toEqual([]);
  expect(report.checks.length).toBeGreaterThan(5);
  expect(r.exitCode).toBe(0);
}

describe('an ssh engine (the docker context netlab-ssh)', () => {
  let ssh: Engine;
  beforeAll(async () => {
    ssh = await engineAt(SSH);
  });

  it('is reached over ssh, not as this machine; a lab comes up, passes, runs commands and goes', async () => {
    expect(ssh.endpoint).toMatchObject({ transport: 'ssh', local: false, context: SSH });
    const doctor = await netlab(['--context', SSH, 'doctor', '--json']);
    const engineLine = (JSON.parse(doctor.stdout) as { findings: { name: string; detail: string }[] }).findings.find((f) => f.name === 'engine');
    expect(engineLine?.detail).toMatch(/docker context netlab-ssh \(ssh:\/\/root@127\.0\.0\.1:2222\).* over ssh, not this machine/);

    const lab = uniqueName('eng-ssh');
    made.push([SSH, lab]);
    // The ssh processes the netlab process itself starts, seen while `up` runs.
    const up = execa('node', ['bin/netlab.js', '--context', SSH, 'up', 'pod-to-pod', '--name', lab], {
      reject: false,
      all: true,
      env: { CI: '1', NO_COLOR: '1' },
    });
    const seen = new Set<string>();
    let running = true;
    void up.finally(() => {
      running = false;
    });
    const dialStdio = 'ssh -o ConnectTimeout=30 -T -l root -p 2222 -- 127.0.0.1 docker system dial-stdio';
    while (running && !seen.has(dialStdio)) {
      const ps = await execa('ps', ['--ppid', String(up.pid), '-o', 'args='], { reject: false });
      for (const line of ps.stdout.split('\n')) if (line.startsWith('ssh ')) seen.add(line.trim());
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = await up;
    expect(done.exitCode, done.all).toBe(0);
    expect([...seen]).toContain(dialStdio);

    await checkAllPass(SSH, lab);
    const exec = await netlab(['--context', SSH, 'exec', lab, 'pod-a', '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(exec.stdout).toMatch(/inet 10\.0\.1\.\d+\/24/);
    const status = await netlab(['--context', SSH, 'status', lab, '--json']);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toContain('pod-a');
    const down = await netlab(['--context', SSH, 'down', lab]);
    expect(down.exitCode, down.all).toBe(0);
    expect(await objectsOn(ssh, lab)).toBe(0);
  });
});

describe('a second engine that lacks images (the docker context netlab-d2)', () => {
  it('gets exactly the missing ones shipped from the main engine, then runs the lab and leaves nothing', async () => {
    const [d2, main, refs] = await Promise.all([engineAt(D2), connectEngine(), imageRefs()]);
    expect(d2.endpoint).toMatchObject({ transport: 'unix', context: D2 });
    // pod-to-pod's images; one of them (the smallest no container there uses) removed from d2.
    const needed = ['base', 'pause', 'app', 'node', 'router', 'probe'] as const;
    const inUse = new Set((await d2.listContainers({})).map((c) => c.ImageID));
    const onD2 = await Promise.all(needed.map((n) => d2.inspectImage(refs[n])));
    const removable = needed
      .map((name, i) => ({ name, image: onD2[i] }))
      .filter((x) => x.image && !inUse.has(x.image.Id))
      .sort((a, b) => a.image!.Size - b.image!.Size)[0];
    if (removable) {
      const rmi = await execa('docker', ['--context', D2, 'rmi', refs[removable.name], `netlab/${removable.name}:latest`], { reject: false, all: true });
      expect(rmi.exitCode, rmi.all).toBe(0);
    }
    const missing = needed.filter((_, i) => !onD2[i] || needed[i] === removable?.name).map((n) => refs[n]);
    expect(missing.length).toBeGreaterThan(0);
    expect(await d2.inspectImage(missing[0]!)).toBeUndefined();

    const lab = uniqueName('eng-d2');
    made.push([D2, lab]);
    const up = await netlab(['--context', D2, 'up', 'pod-to-pod', '--name', lab]);
    expect(up.exitCode, up.all).toBe(0);
    const shipped = /done\s+ship .* shipped (\S+(?:, \S+)*) \([\d.]+ MB\)/.exec(up.stdout)?.[1]?.split(', ');
    expect(shipped, up.all).toEqual(missing);
    // The shipped ones are the main engine's very images (what d2 had already, perhaps built there, stays as it was).
    for (const ref of missing) {
      const [there, here] = await Promise.all([d2.inspectImage(ref), main.inspectImage(ref)]);
      expect(there?.Id, ref).toBe(here?.Id);
    }

    await checkAllPass(D2, lab);
    const down = await netlab(['--context', D2, 'down', lab]);
    expect(down.exitCode, down.all).toBe(0);
    expect(await objectsOn(d2, lab)).toBe(0);
  });
});
