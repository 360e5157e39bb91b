// READY, STATUS and RESTARTS as `kubectl get pods` derives them from the containers' states.
import { describe, expect, it } from 'vitest';
import { type ContainerFacts, humanDuration, podStatus, restartsText } from '../../../src/plan/pod-status.js';
import type { RestartPolicy } from '../../../src/labfile/model.js';

const running: ContainerFacts = { state: 'running', restartCount: 0 };
const exited = (exitCode: number, restartCount = 0): ContainerFacts => ({ state: 'exited', exitCode, restartCount });
const crashing = (restartCount: number, finishedAt?: Date): ContainerFacts => ({
  state: 'restarting',
  exitCode: 1,
  restartCount,
  ...(finishedAt ? { finishedAt } : {}),
});

const of = (containers: ContainerFacts[], restartPolicy: RestartPolicy = 'Always', sandbox = true) => {
  const s = podStatus({ sandbox, restartPolicy, containers });
  return `${s.ready}/${s.total} ${s.status} ${s.restarts}${s.podReady ? ' ready' : ''}`;
};

describe('podStatus', () => {
  it.each([
    ['every container runs', [running, running], 'Always', '2/2 Running 0 ready'],
    ['a sidecar that failed, Never', [running, exited(1)], 'Never', '1/2 Error 0'],
    ['a sidecar that finished, Never: NotReady (Completed beside a running one)', [running, exited(0)], 'Never', '1/2 NotReady 0'],
    ['a sidecar restarting, Always', [running, crashing(3)], 'Always', '1/2 CrashLoopBackOff 3'],
    ['the only container finished, Never', [exited(0)], 'Never', '0/1 Completed 0'],
    ['the only container failed, OnFailure: restarting', [crashing(1)], 'OnFailure', '0/1 CrashLoopBackOff 1'],
    ['the first container decides the STATUS', [exited(2), crashing(1)], 'Never', '0/2 Error 1'],
    ['killed for memory', [{ state: 'exited', exitCode: 137, oomKilled: true, restartCount: 0 }], 'Never', '0/1 OOMKilled 0'],
    ['not started yet', [running, { state: 'created', restartCount: 0 }], 'Always', '1/2 ContainerCreating 0'],
    ['not created yet', [{ state: 'missing', restartCount: 0 }], 'Always', '0/1 ContainerCreating 0'],
    ['running but not ready (a readiness probe fails)', [{ ...running, ready: false }], 'Always', '0/1 Running 0'],
  ] as const)('%s', (_, containers, policy, expected) => {
    expect(of([...containers], policy)).toBe(expected);
  });

  it('without its sandbox no container is ready', () => {
    expect(of([running], 'Always', false)).toBe('0/1 Running 0');
  });

  it('RESTARTS adds up, and says how long ago the last one was', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const s = podStatus({
      sandbox: true,
      restartPolicy: 'Always',
      containers: [crashing(2, new Date('2026-01-01T00:09:40Z')), crashing(3, new Date('2026-01-01T00:09:55Z'))],
    });
    expect(s.restarts).toBe(5);
    expect(restartsText(s, now)).toBe('5 (5s ago)');
    expect(restartsText({ restarts: 0 }, now)).toBe('0');
  });
});

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [-5000, '<invalid>'],
    [0, '0s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [180_000, '3m'],
    [12 * 60_000, '12m'],
    [(3 * 60 + 5) * 60_000, '3h5m'],
    [10 * 3600_000, '10h'],
    [(3 * 24 + 4) * 3600_000, '3d4h'],
    [20 * 24 * 3600_000, '20d'],
    [(3 * 365 + 10) * 24 * 3600_000, '3y10d'],
  ])('%d ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
