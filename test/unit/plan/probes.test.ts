// Container probes, the pure parts: the agent steps kubelet's probes become (from the node to
// the pod IP, argv only), the verdicts on what they gave back, kubelet's thresholds, and
// readiness deciding which pods are endpoints.
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../src/core/toolbox-request.js';
import type { ContainerProbe, ProbeHandler } from '../../../src/labfile/model.js';
import { planLab } from '../../../src/plan/plan.js';
import {
  advanceThreshold,
  execVerdict,
  httpVerdict,
  initialThresholdState,
  networkProbeStep,
  probeDue,
  probeJobs,
  probeURL,
  tcpVerdict,
  type ProbeVerdict,
  type ThresholdState,
} from '../../../src/plan/probes.js';
import { podSourcesFrom } from '../../../src/plan/readiness.js';
import { planServices } from '../../../src/plan/services.js';
import { images, pod, twoNodeLab } from '../../helpers/plan-fixtures.js';

const at = { file: '/labs/t/lab.yaml', line: 1, column: 1 };
const node = { pid: 4242, container: 'a'.repeat(64) };
const http = (extra: Partial<Extract<ProbeHandler, { kind: 'httpGet' }>> = {}): Extract<ProbeHandler, { kind: 'httpGet' }> => ({
  kind: 'httpGet',
  path: '/readyz',
  port: 8080,
  scheme: 'HTTP',
  headers: [],
  ...extra,
});
const probe = (handler: ProbeHandler, extra: Partial<ContainerProbe> = {}): ContainerProbe => ({
  handler,
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  at,
  ...extra,
});
const result = (exitCode: number, stdout = '', stderr = '', error?: string): StepResult => ({ exitCode, stdout, stderr, ms: 3, ...(error ? { error } : {}) });

describe('probe steps', () => {
  it("an httpGet probe is curl in the node's namespace to the pod IP, with kubelet's headers and the timeout", () => {
    expect(networkProbeStep(http(), '10.0.1.2', node, 1)).toEqual({
      netns: node,
      timeoutMs: 3000,
      argv: [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '1',
        '-H',
        'User-Agent: kube-probe/1.34',
        '-H',
        'Accept: */*',
        'http://10.0.1.2:8080/readyz',
      ],
    });
  });

  it("the manifest's headers replace kubelet's of the same name and stay one argument each; HTTPS skips verification", () => {
    const step = networkProbeStep(
      http({ scheme: 'HTTPS', headers: [{ name: 'user-agent', value: 'me; $(rm -rf /)' }], host: '10.0.2.9', port: 8443 }),
      '10.0.1.2',
      node,
      5,
    );
    expect(step.argv).toEqual([
      'curl',
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      '-k',
      '-H',
      'Accept: */*',
      '-H',
      'user-agent: me; $(rm -rf /)',
      'https://10.0.2.9:8443/readyz',
    ]);
  });

  it('a path never changes the probed host or port', () => {
    expect(probeURL(http({ path: '//evil.example:99/x?y=1' }), '10.0.1.2')).toBe('http://10.0.1.2:8080/evil.example:99/x?y=1');
    expect(probeURL(http({ path: '/a b' }), '10.0.1.2')).toBe('http://10.0.1.2:8080/a%20b');
  });

  it('a tcpSocket probe is nc -z to the port, numeric, with the timeout', () => {
    expect(networkProbeStep({ kind: 'tcpSocket', port: 53 }, '10.0.1.2', node, 2).argv).toEqual(['nc', '-z', '-v', '-n', '-w', '2', '10.0.1.2', '53']);
  });
});

describe('probe verdicts', () => {
  it('HTTP: 200 to 399 pass; other statuses, refused and timed-out connections fail, saying which', () => {
    expect(httpVerdict(result(0, '200'), 1)).toEqual({ ok: true, detail: 'HTTP 200' });
    expect(httpVerdict(result(0, '302'), 1)).toEqual({ ok: true, detail: 'HTTP 302' });
    expect(httpVerdict(result(0, '503'), 1)).toEqual({ ok: false, detail: 'HTTP 503' });
    expect(httpVerdict(result(0, '404'), 1)).toEqual({ ok: false, detail: 'HTTP 404' });
    expect(httpVerdict(result(7, '000', 'curl: (7) Failed to connect to 10.0.1.2 port 8080: Connection refused'), 1)).toEqual({
      ok: false,
      detail: 'connection refused',
    });
    expect(httpVerdict(result(28, '000', 'curl: (28) Operation timed out after 1001 milliseconds'), 1)).toEqual({ ok: false, detail: 'timed out after 1 s' });
    expect(httpVerdict(result(-1, '', '', 'process 4242 is gone'), 1)).toEqual({ ok: false, detail: 'process 4242 is gone' });
  });

  it('TCP: a connection passes; nc saying refused or timed out fails', () => {
    expect(tcpVerdict(result(0, '', 'Connection to 10.0.1.2 8080 port [tcp/*] succeeded!'), 1).ok).toBe(true);
    expect(tcpVerdict(result(1, '', 'nc: connect to 10.0.1.2 port 8080 (tcp) failed: Connection refused'), 1)).toEqual({
      ok: false,
      detail: 'connection refused',
    });
    expect(tcpVerdict(result(1, '', 'nc: connect to 10.0.1.2 port 8080 (tcp) timed out: Operation now in progress'), 3)).toEqual({
      ok: false,
      detail: 'timed out after 3 s',
    });
  });

  it('exec: exit code 0 passes; otherwise the code and the last line it printed', () => {
    expect(execVerdict({ exitCode: 0, stdout: 'ok', stderr: '' }, 1)).toEqual({ ok: true, detail: 'exit code 0' });
    expect(execVerdict({ exitCode: 1, stdout: '', stderr: 'cat: /tmp/alive: No such file or directory\n' }, 1)).toEqual({
      ok: false,
      detail: 'exit code 1: cat: /tmp/alive: No such file or directory',
    });
    expect(execVerdict('timeout', 4)).toEqual({ ok: false, detail: 'command timed out after 4 s' });
  });
});

describe("kubelet's thresholds", () => {
  const pass: ProbeVerdict = { ok: true, detail: 'HTTP 200' };
  const fail: ProbeVerdict = { ok: false, detail: 'HTTP 503' };
  const run = (type: 'readiness' | 'liveness', verdicts: ProbeVerdict[], thresholds = { successThreshold: 1, failureThreshold: 3 }) => {
    let state: ThresholdState = initialThresholdState(type);
    return verdicts.map((v) => {
      const next = advanceThreshold(state, v, thresholds, type);
      state = next.state;
      return next.restart ? 'restart' : state.published;
    });
  };

  it('readiness starts not ready and turns ready at the first pass (successThreshold 1)', () => {
    expect(initialThresholdState('readiness').published).toBe(false);
    expect(run('readiness', [fail, pass])).toEqual([false, true]);
  });

  it('a ready container turns unready only after failureThreshold failures in a row; a pass in between starts the count again', () => {
    expect(run('readiness', [pass, fail, fail, pass, fail, fail, fail])).toEqual([true, true, true, true, true, true, false]);
  });

  it('successThreshold 2: two passes in a row to be ready again', () => {
    expect(run('readiness', [pass, pass, fail, pass, pass], { successThreshold: 2, failureThreshold: 1 })).toEqual([false, true, false, false, true]);
  });

  it('liveness starts passing; failureThreshold failures in a row restart the container, then the count starts again', () => {
    expect(initialThresholdState('liveness').published).toBe(true);
    expect(run('liveness', [fail, fail, fail, fail, fail, fail], { successThreshold: 1, failureThreshold: 3 })).toEqual([
      true,
      true,
      'restart',
      true,
      true,
      'restart',
    ]);
  });

  it('a probe is due after its initial delay, then every period', () => {
    const p = { initialDelaySeconds: 5, periodSeconds: 2 };
    expect(probeDue(p, 0, undefined, 4999)).toBe(false);
    expect(probeDue(p, 0, undefined, 5000)).toBe(true);
    expect(probeDue(p, 0, 5000, 6999)).toBe(false);
    expect(probeDue(p, 0, 5000, 7000)).toBe(true);
  });
});

describe('readiness -> endpoints', () => {
  const withProbes = pod('web-0', { labels: { app: 'web' } });
  withProbes.containers[0]!.readinessProbe = probe(http());
  withProbes.containers.push({ name: 'side', image: 'netlab/app', env: [], ports: [], at, livenessProbe: probe({ kind: 'exec', command: ['true'] }) });
  const plain = pod('web-1', { labels: { app: 'web' } });
  const lab = twoNodeLab([withProbes, plain]);
  lab.services = [
    {
      name: 'web',
      namespace: 'default',
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, at }],
      sessionAffinity: 'None',
      affinitySeconds: 10800,
      at,
    },
  ];
  const plan = planLab(lab, { images, underlay: '10.250.3.0/24' });
  const allRunning = new Set(plan.pods.flatMap((p) => [p.pause.name, ...p.containers.map((c) => c.name)]));
  const [app0] = plan.pods[0]!.containers;
  const endpoints = (probes?: Map<string, ProbeVerdict>, running = allRunning) =>
    planServices(lab.services, podSourcesFrom(lab, plan, running, probes), lab.topology.serviceCIDR)[0]!.ports[0]!.endpoints.map((e) => e.ip);

  it('lists each probe of the plan with its container, pod IP and node, readiness first', () => {
    expect(probeJobs(lab, plan).map((j) => [j.key, j.title, j.podIP, j.node, j.probe.handler.kind])).toEqual([
      ['t-web-0-app:readiness', 'web-0/app', '10.0.1.2', 'node1', 'httpGet'],
      ['t-web-0-side:liveness', 'web-0/side', '10.0.1.2', 'node1', 'exec'],
    ]);
  });

  it('a pod whose readiness probe fails (or has not run) is no endpoint; once it passes it is', () => {
    expect(endpoints(new Map())).toEqual(['10.0.2.2']);
    expect(endpoints(new Map([[app0!.name, { ok: false, detail: 'HTTP 503' }]]))).toEqual(['10.0.2.2']);
    expect(endpoints(new Map([[app0!.name, { ok: true, detail: 'HTTP 200' }]]))).toEqual(['10.0.1.2', '10.0.2.2']);
  });

  it('keeps readiness per container, with the reason, for READY (1/2)', () => {
    const [source] = podSourcesFrom(lab, plan, allRunning, new Map([[app0!.name, { ok: false, detail: 'HTTP 503' }]]));
    expect(source!.ready).toBe(false);
    expect(source!.containers).toEqual([
      { name: 'app', running: true, ready: false, reason: 'readiness probe failing: HTTP 503' },
      { name: 'side', running: true, ready: true },
    ]);
  });

  it('a container that does not run makes its pod unready whatever its probes say', () => {
    const running = new Set([...allRunning].filter((c) => c !== plan.pods[0]!.containers[1]!.name));
    expect(endpoints(new Map([[app0!.name, { ok: true, detail: 'HTTP 200' }]]), running)).toEqual(['10.0.2.2']);
    expect(podSourcesFrom(lab, plan, running, new Map())[0]!.containers![1]).toEqual({ name: 'side', running: false, ready: false, reason: 'not running' });
  });
});
