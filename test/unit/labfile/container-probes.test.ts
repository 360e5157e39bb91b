// readinessProbe and livenessProbe in manifests: Kubernetes' defaults, its rules (one handler,
// liveness successThreshold 1), named ports resolved against the container's ports, and every
// error at its line with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError, type LabFileProblem } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import { summary } from '../../helpers/labfile-fixtures.js';

/** A lab file with one pod whose container carries `probes` (YAML lines indented under the container). */
function labWith(probes: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-probes-'));
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    `name: probes
topology:
  nodes:
    - { name: node1, podCIDR: 10.0.1.0/24 }
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
        - name: app
          image: netlab/app
          ports: [{containerPort: 8080, name: http}, {containerPort: 9090}]
${probes
  .trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
`,
  );
  return file;
}

async function problems(probes: string): Promise<LabFileProblem[]> {
  try {
    await loadLab(labWith(probes));
  } catch (err) {
    if (err instanceof LabFileError) return err.problems;
    throw err;
  }
  throw new Error('loaded without errors');
}

describe('container probes', () => {
  it("fill Kubernetes' defaults (period 10 s, timeout 1 s, thresholds 1 and 3, path /, scheme HTTP) and resolve a named port", async () => {
    const { lab, warnings } = await loadLab(
      labWith(`
readinessProbe:
  httpGet: {port: http}
livenessProbe:
  tcpSocket: {port: 9090}
  initialDelaySeconds: 5`),
    );
    const c = lab.pods[0]!.containers[0]!;
    expect(warnings).toEqual([]);
    expect(c.readinessProbe).toEqual({
      handler: { kind: 'httpGet', path: '/', port: 8080, scheme: 'HTTP', headers: [] },
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
      at: expect.objectContaining({ line: 15, column: 13 }),
    });
    expect(c.livenessProbe).toMatchObject({ handler: { kind: 'tcpSocket', port: 9090 }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 });
  });

  it('keep an exec command as argv, headers and a host address as written', async () => {
    const { lab } = await loadLab(
      labWith(`
readinessProbe:
  exec: {command: [sh, -c, "test -f /tmp/ready; echo $HOME"]}
  periodSeconds: 2
  timeoutSeconds: 3
  successThreshold: 2
  failureThreshold: 1
livenessProbe:
  httpGet: {path: healthz?x=1, port: 8080, host: 10.0.1.9, scheme: HTTPS, httpHeaders: [{name: X-Probe, value: "a b"}]}`),
    );
    const c = lab.pods[0]!.containers[0]!;
    expect(c.readinessProbe).toMatchObject({
      handler: { kind: 'exec', command: ['sh', '-c', 'test -f /tmp/ready; echo $HOME'] },
      periodSeconds: 2,
      timeoutSeconds: 3,
      successThreshold: 2,
      failureThreshold: 1,
    });
    expect(c.livenessProbe!.handler).toEqual({
      kind: 'httpGet',
      path: '/healthz?x=1',
      port: 8080,
      host: '10.0.1.9',
      scheme: 'HTTPS',
      headers: [{ name: 'X-Probe', value: 'a b' }],
    });
  });

  it('refuse a probe without a handler, or with two, at its line', async () => {
    expect(summary(await problems('readinessProbe:\n  periodSeconds: 5'))).toEqual([
      ['15:13', 'readinessProbe needs a handler: httpGet, tcpSocket or exec', 'add e.g. `httpGet: {path: /readyz, port: 8080}`'],
    ]);
    expect(summary(await problems('livenessProbe:\n  httpGet: {port: 8080}\n  exec: {command: [/bin/true]}'))).toEqual([
      ['16:19', 'livenessProbe may have one handler, and it has httpGet and exec', 'keep httpGet and remove exec'],
    ]);
  });

  it('refuse a liveness successThreshold other than 1, periods under 1, a named port the container lacks, and gRPC', async () => {
    expect(summary(await problems('livenessProbe:\n  tcpSocket: {port: 8080}\n  successThreshold: 2'))).toEqual([
      ['16:31', 'livenessProbe.successThreshold must be 1, not 2', 'remove successThreshold (Kubernetes takes only 1 for liveness)'],
    ]);
    expect(summary(await problems('readinessProbe:\n  tcpSocket: {port: 8080}\n  periodSeconds: 0'))).toEqual([
      ['16:28', '`workloads[0].spec.containers[0].readinessProbe.periodSeconds` must be at least 1, not the number 0', 'write a number from 1'],
    ]);
    expect(summary(await problems('readinessProbe:\n  httpGet: {port: metrics}'))).toEqual([
      ['15:29', 'the probe\'s port "metrics" is not a port of this container', 'name one of its ports: http (8080), or write the number'],
    ]);
    expect(summary(await problems('readinessProbe:\n  grpc: {port: 9090}'))).toEqual([
      ['15:19', 'netlab does not run gRPC probes', 'use httpGet, tcpSocket or exec (e.g. exec with grpc_health_probe in the image)'],
    ]);
  });

  it('refuse a host that is not an address, and an empty exec command', async () => {
    expect(summary(await problems('readinessProbe:\n  tcpSocket: {port: 8080, host: db.local}'))).toEqual([
      [
        '15:43',
        'probe host "db.local" is not an IPv4 address',
        "netlab probes addresses (as kubelet does from the node); remove `host` to probe the pod's own IP",
      ],
    ]);
    const [empty] = summary(await problems('readinessProbe:\n  exec: {command: []}'));
    expect(empty![0]).toBe('15:29');
    expect(empty![1]).toContain('needs at least 1 item');
  });

  it('warn no more about readinessProbe and livenessProbe, still about startupProbe', async () => {
    const { warnings } = await loadLab(labWith('readinessProbe:\n  tcpSocket: {port: 8080}\nstartupProbe:\n  tcpSocket: {port: 8080}'));
    expect(summary(warnings)).toEqual([['16:11', '`startupProbe` is accepted but ignored', 'netlab runs readiness and liveness probes only']]);
  });
});
