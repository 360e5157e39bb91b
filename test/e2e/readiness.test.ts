// Pods as Kubernetes runs them, on the real engine: readiness probes (httpGet and tcpSocket from
// the node, exec in the container) decide which pods are endpoints, at once on `sync` and within
// a period under `watch`; a failing liveness probe restarts its container under `watch`; `up`
// waits for readiness and fails naming a container that exits at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engine, netlab, netlabSpawn, uniqueName, waitFor } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

function labFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), `netlab-${name}-`));
  writeFileSync(join(dir, 'lab.yaml'), text);
  return join(dir, 'lab.yaml');
}

const app = (pod: string, labels: string, container: string) => `  - apiVersion: v1
    kind: Pod
    metadata: {name: ${pod}, labels: {${labels}}}
    spec:
      nodeName: node1
      containers:
${container}`;

/** Two pods behind Service web: steady (tcpSocket probe, ready) and late (httpGet /readyz: 503 until /tmp/ready exists). */
const READINESS_LAB = `name: ready
topology:
  dns: false
  nodes:
    - { name: node1, podCIDR: 10.0.1.0/24 }
workloads:
${app(
  'steady',
  'app: web',
  `        - name: app
          image: netlab/app
          ports: [{containerPort: 8080, name: http}]
          readinessProbe:
            tcpSocket: {port: http}
            periodSeconds: 1`,
)}
${app(
  'late',
  'app: web',
  `        - name: app
          image: netlab/app
          args: [--ready-file, /tmp/ready]
          ports: [{containerPort: 8080, name: http}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 1
            failureThreshold: 1`,
)}
${app('client', 'role: client', '        - {name: app, image: netlab/app}')}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`;

/** steady 10.0.1.2, late 10.0.1.3: pods get addresses in file order on node1. */
const STEADY = '10.0.1.2';
const LATE = '10.0.1.3';

/** The pods node1's kube-proxy rules send Service web to (its DNAT targets). */
async function ruleEndpoints(lab: string): Promise<string[]> {
  const r = await netlab(['exec', lab, 'node1', '--', 'iptables-save', '-t', 'nat']);
  expect(r.exitCode, r.all).toBe(0);
  return [...r.stdout.matchAll(/-j DNAT --to-destination (\d+\.\d+\.\d+\.\d+):8080/g)].map((m) => m[1]!).sort();
}

/** Who answers 24 requests to the Service's cluster IP from the client pod. */
async function answering(lab: string): Promise<string[]> {
  const ip = JSON.parse((await netlab(['get', lab, 'services', '--json'])).stdout).find((s: { name: string }) => s.name === 'web')['cluster-ip'];
  const r = await netlab(['exec', lab, 'client', '--', 'sh', '-c', `for i in $(seq 24); do curl -s -m 2 http://${ip}/; echo; done`]);
  return [...new Set([...r.stdout.matchAll(/Hello from (\S+)/g)].map((m) => m[1]!))].sort();
}

describe('readiness probes decide endpoints', () => {
  const name = uniqueName('rdy');
  const file = labFile('ready', READINESS_LAB);

  it('`up --wait 0` does not wait: the lab is up with late not ready, and late is no endpoint', async () => {
    made.push(name);
    const r = await netlab(['up', file, '--name', name, '--wait', '0']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('(not waited for)');
    expect(r.all).not.toContain('pods ready');
    const pods = (await netlab(['get', name, 'pods'])).stdout;
    expect(pods).toMatch(/late\s+0\/1\s/);
    expect(pods).toMatch(/steady\s+1\/1\s/);
    expect((await netlab(['get', name, 'endpoints'])).stdout).toMatch(new RegExp(`web\\s+${STEADY}:8080$`, 'm'));
    expect(await ruleEndpoints(name)).toEqual([STEADY]);
    // A request through the Service never reaches the pod that is not ready.
    expect(await answering(name)).toEqual(['steady']);
  });

  it('`up` waits for readiness and fails naming the pod whose probe fails, its HTTP status and last log line; the lab stays up', async () => {
    const started = Date.now();
    const r = await netlab(['up', file, '--name', name, '--wait', '3']);
    expect(r.exitCode).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(3000);
    expect(r.stderr).toContain(`Lab ${name} is up, but 1 container(s) are not ready after 3 s`);
    expect(r.stderr).toMatch(/late\/app: readiness probe failing: HTTP 503; last log line: .* GET \/readyz -> 503/);
    expect(r.stderr).toContain(`netlab logs ${name} late -c app`);
    expect(await ruleEndpoints(name)).toEqual([STEADY]);
  });

  it('turns an endpoint at once on `netlab sync` once its probe passes', async () => {
    expect((await netlab(['exec', name, 'late', '--', 'touch', '/tmp/ready'])).exitCode).toBe(0);
    const r = await netlab(['sync', name]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('2 endpoint(s)');
    expect(await ruleEndpoints(name)).toEqual([STEADY, LATE]);
    expect(await answering(name)).toEqual(['late', 'steady']);
    expect((await netlab(['up', file, '--name', name])).exitCode).toBe(0);
  });

  it('under `netlab watch`, leaves the endpoints within a period when its probe fails, and comes back when it passes', async () => {
    const watch = netlabSpawn(['watch', name, '--interval', '300']);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect((await netlab(['exec', name, 'late', '--', 'rm', '/tmp/ready'])).exitCode).toBe(0);
      const removed = Date.now();
      await waitFor(async () => (await ruleEndpoints(name)).join() === STEADY, 15_000);
      // periodSeconds 1, failureThreshold 1: the next probe sees 503, the sync follows in the same
      // round (a second or two; more on a machine loaded by parallel tests, each look a CLI run).
      expect(Date.now() - removed).toBeLessThan(8000);
      expect(await answering(name)).toEqual(['steady']);
      expect((await netlab(['exec', name, 'late', '--', 'touch', '/tmp/ready'])).exitCode).toBe(0);
      const back = Date.now();
      await waitFor(async () => (await ruleEndpoints(name)).join() === [STEADY, LATE].join(), 15_000);
      expect(Date.now() - back).toBeLessThan(8000);
    } finally {
      watch.kill('SIGINT');
      const out = await watch;
      expect(out.all).toContain(`not ready: default/late (app: readiness probe failing: HTTP 503)`);
      expect(out.all).toContain('ready: default/late');
    }
  });
});

/**
 * One pod: app whose liveness probe (exec cat /tmp/alive) fails until the file exists, and a
 * sidecar that exits at once (after a tenth of a second: it may still run when `up` first looks).
 */
const CRASH_LAB = `name: crash
topology:
  nodes:
    - { name: node1, podCIDR: 10.0.1.0/24 }
workloads:
${app(
  'web',
  'app: web',
  `        - name: app
          image: netlab/app
          livenessProbe:
            exec: {command: [cat, /tmp/alive]}
            periodSeconds: 1
            failureThreshold: 2
        - name: sidecar
          image: netlab/app
          command: [sh, -c, 'echo starting; sleep 0.1; echo "boom: no config in /etc/sidecar" >&2; exit 3']`,
)}
`;

describe('crashes and liveness', () => {
  const name = uniqueName('crs');
  const file = labFile('crash', CRASH_LAB);

  it('`up` fails at once naming the container that exited, its exit code and last log line, and exits 1; the lab stays up', async () => {
    made.push(name);
    const started = Date.now();
    const r = await netlab(['up', file, '--name', name]);
    expect(r.exitCode, r.all).toBe(1);
    // Not the 60 s default: restarted (restartPolicy Always) and dying each time, it is crash-looping.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(r.stderr).toContain(`Lab ${name} is up, but 1 container(s) are not ready and will not become ready`);
    expect(r.stderr).toMatch(
      /web\/sidecar: CrashLoopBackOff \(exited with code 3, restarted \d+ time\(s\)\); last log line: boom: no config in \/etc\/sidecar/,
    );
    expect(r.stderr).toContain('The lab stays up so you can look.');
    expect(r.stderr).toContain(`netlab logs ${name} web -c sidecar`);
    expect(r.stdout).not.toContain('is up:');
    const logs = await netlab(['logs', name, 'web', '-c', 'sidecar']);
    expect(logs.exitCode).toBe(0);
    // The engine keeps the log of every run of the container.
    expect(logs.stdout).toMatch(/^starting\nboom: no config in \/etc\/sidecar(\nstarting(\nboom: no config in \/etc\/sidecar)?)*$/);
    // READY is 1/2 while the sidecar is down and 2/2 in the tenth of a second each run lasts (kubectl shows
    // the same); what holds at any instant is the row and its restarts, 3 or more.
    expect((await netlab(['get', name, 'pods'])).stdout).toMatch(/web\s+[12]\/2\s+(CrashLoopBackOff|Error|Running)\s+([3-9]|\d{2,}) /);
  });

  it('under `netlab watch`, a liveness probe failing failureThreshold times restarts its container (exec probe, argv in the container)', async () => {
    const docker = await engine();
    const container = `${name}-web-app`;
    const before = (await docker.inspectContainer(container))!.State.StartedAt;
    const watch = netlabSpawn(['watch', name, '--interval', '300']);
    try {
      await waitFor(async () => (await docker.inspectContainer(container))!.State.StartedAt !== before, 15_000);
    } finally {
      watch.kill('SIGINT');
    }
    const out = await watch;
    expect(out.all).toContain('restarted web/app: its liveness probe failed (exit code 1: cat: /tmp/alive: No such file or directory) past its threshold');
    expect(out.all).toMatch(/liveness restarts: 1/);
    // Once the file exists the probe passes and the container keeps running.
    expect((await netlab(['exec', name, 'web/app', '--', 'touch', '/tmp/alive'])).exitCode).toBe(0);
    const kept = (await docker.inspectContainer(container))!.State.StartedAt;
    const again = netlabSpawn(['watch', name, '--interval', '300']);
    await new Promise((r) => setTimeout(r, 4000));
    again.kill('SIGINT');
    expect((await again).all).not.toContain('restarted');
    expect((await docker.inspectContainer(container))!.State.StartedAt).toBe(kept);
  });

  it('`logs` names what it cannot show', async () => {
    const r = await netlab(['logs', name, 'nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`No pod nope in lab ${name}`);
  });
});
