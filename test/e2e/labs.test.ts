// Each lab on a real engine: up, every check passes, break it on purpose and see the right
// check fail with a useful detail, repair with a second up, and down leaves nothing behind.
import { afterAll, describe, expect, it } from 'vitest';
import { checkJson, engine, failing, failures, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

async function upLab(lab: string, name: string) {
  made.push(name);
  const r = await netlab(['up', lab, '--name', name]);
  expect(r.exitCode, r.all).toBe(0);
}

async function downAndAssertEmpty(name: string) {
  const r = await netlab(['down', name]);
  expect(r.exitCode, r.all).toBe(0);
  expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
}

describe('container-to-container', () => {
  const name = uniqueName('c2c');

  it('comes up and every check passes', async () => {
    await upLab('container-to-container', name);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.checks.find((c) => c.name === 'app and sidecar share one network namespace')?.detail).toMatch(/one network namespace net:\[\d+\]/);
  });

  it('a stopped sidecar fails exactly the checks that need it, with the refusal as detail', async () => {
    await (await engine()).stopContainer(`${name}-web-sidecar`, 1);
    const { exitCode, report } = await checkJson(name);
    expect(exitCode).toBe(1);
    expect(failing(report).sort()).toEqual(
      [
        'app and sidecar share one network namespace',
        'app reaches sidecar on localhost',
        'both ports answer on the pod IP',
        'sidecar reaches app on localhost',
      ].sort(),
    );
    expect(report.checks.find((c) => c.name === 'app reaches sidecar on localhost')?.detail).toMatch(/Connection refused|Failed to connect/);
    expect(report.checks.find((c) => c.name === 'sidecar reaches app on localhost')?.detail).toMatch(/not running/);
  });

  it('a second up repairs it, then down leaves nothing', async () => {
    const r = await netlab(['up', name]);
    expect(r.exitCode, r.all).toBe(0);
    expect(failures((await checkJson(name)).report)).toEqual([]);
    await downAndAssertEmpty(name);
  });
});

describe('pod-to-pod', () => {
  const name = uniqueName('p2p');

  it('comes up, and a second up changes nothing and says so', async () => {
    await upLab('pod-to-pod', name);
    const again = await netlab(['up', name]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing changed/);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.checks.find((c) => c.name === "pod-a's gateway is cbr0")?.detail).toBe('default via 10.0.1.1 (cbr0 on node1)');
  });

  it("a stopped pause container fails the pod's own checks and says why", async () => {
    await (await engine()).stopContainer(`${name}-pod-b`, 1);
    const { report } = await checkJson(name);
    const fromB = report.checks.filter((c) => c.from === 'pod-b');
    expect(fromB.length).toBeGreaterThan(0);
    for (const c of fromB) {
      expect(c.ok).toBe(false);
      expect(c.detail).toBe(`source ${name}-pod-b is not running (exited)`);
    }
  });

  it('up re-creates the sandbox, re-plumbs it with the same IP, and checks pass again', async () => {
    const r = await netlab(['up', name]);
    expect(r.exitCode, r.all).toBe(0);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    await downAndAssertEmpty(name);
  });
});

describe('multi-node', () => {
  const name = uniqueName('mn');

  it('comes up and pods reach each other across nodes through the router', async () => {
    await upLab('multi-node', name);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    const trace = report.checks.find((c) => c.name === 'the path across nodes passes the router')!;
    // cbr0 on node1, the router, node2, the pod.
    expect(trace.detail).toMatch(/^10\.0\.1\.1 → (\d+\.){3}2 → (\d+\.){3}12 → 10\.0\.2\.2 \(via router\)$/);
  });

  it('a route deleted on the router fails the cross-node checks only', async () => {
    const del = await netlab(['exec', name, 'router', '--', 'ip', 'route', 'del', '10.0.2.0/24']);
    expect(del.exitCode, del.all).toBe(0);
    const { exitCode, report } = await checkJson(name);
    expect(exitCode).toBe(1);
    expect(failing(report).sort()).toEqual(
      [
        'client reaches the server on the other node',
        'node1 reaches a pod on node2',
        'the far server answers back',
        'the path across nodes passes the router',
      ].sort(),
    );
    expect(report.checks.find((c) => c.name === 'client reaches the server on the other node')?.detail).toMatch(/No route to host|timed out|Failed to connect/);
    expect(report.checks.find((c) => c.name === 'client reaches the server on its own node')?.ok).toBe(true);
  });

  it('up puts the route back; down leaves nothing', async () => {
    const r = await netlab(['up', name]);
    expect(r.exitCode, r.all).toBe(0);
    expect(failures((await checkJson(name)).report)).toEqual([]);
    await downAndAssertEmpty(name);
  });
});
