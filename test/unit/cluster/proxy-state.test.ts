import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type ProxySyncStart, syncProxyRules } from '../../../src/cluster/proxy-state.js';
import type { AgentStep, StepResult, ToolboxRequest } from '../../../src/core/toolbox-request.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { ToolboxSession } from '../../../src/engine/toolbox.js';
import type { PlannedSync } from '../../../src/plan/proxy/driver.js';
import { type ProxySyncState, SYNC_STATE_FORMAT } from '../../../src/plan/proxy/sync-state.js';
import type { ProxyInput } from '../../../src/plan/proxy/types.js';

const ref = { pid: 42, container: 'c0ffee00c0ffee00' };
const input: ProxyInput = { node: 'node1', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/16', serviceCIDR: '10.96.0.0/12', services: [] };
const node = { node: 'node1', container: 'lab-node1', ref, start: 'id@t', input };
const ok = (stdout = ''): StepResult => ({ exitCode: 0, stdout, stderr: '', ms: 1 });
const state = (token: string): ProxySyncState => ({ format: SYNC_STATE_FORMAT, mode: 'iptables', node: 'id@t', context: 'c', ports: {}, token });

/** A driver that plans a partial load of `partial` when it has a state, else a full one. */
const driver = {
  name: 'iptables' as const,
  partialSync: (_input: ProxyInput, _ref: unknown, _start: string, previous?: ProxySyncState): PlannedSync => {
    const partial = !!previous;
    const step: AgentStep = { argv: ['iptables-restore'], stdin: partial ? 'partial' : 'full' };
    return { sync: { steps: [step], checks: [], after: () => [] }, partial, state: state(partial ? 'next' : 'full') };
  },
};

/** A session that answers each request with `answer` and records what was asked, in order. */
function fakeStart(answer: (steps: AgentStep[]) => StepResult[]) {
  const asked: AgentStep[][] = [];
  const session = {
    run: async <T>(request: ToolboxRequest<T>) => {
      asked.push(request.steps);
      return request.parse(answer(request.steps));
    },
  } as unknown as ToolboxSession;
  const start: ProxySyncStart = { session: Promise.resolve(session), previous: Promise.resolve([JSON.stringify(state('prev'))]), close: async () => {} };
  return { start, asked };
}

const engine = { exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }) } as unknown as Engine;
const written = (step: AgentStep) => JSON.parse(gunzipSync(Buffer.from(step.stdin!, 'base64')).toString()) as { token: string };

describe('syncProxyRules (one session)', () => {
  it('loads what changed, then writes the new state in the next request', async () => {
    const { start, asked } = fakeStart((steps) => steps.map(() => ok()));
    expect(await syncProxyRules(engine, start, driver, [node])).toEqual({ partial: 1, post: [[]] });
    expect(asked.map((steps) => steps.map((s) => s.argv.join(' ')))).toEqual([['iptables-restore'], ['netlab-state write kube-proxy-sync']]);
    expect(asked[0]![0]!.stdin).toBe('partial');
    expect(written(asked[1]![0]!).token).toBe('next');
  });

  it('a partial load that fails is followed by a full one, whose state is written', async () => {
    const { start, asked } = fakeStart((steps) =>
      steps.map((s) => (s.stdin === 'partial' ? { ...ok(), exitCode: 1, stderr: 'iptables-restore: line 3 failed' } : ok())),
    );
    expect(await syncProxyRules(engine, start, driver, [node])).toEqual({ partial: 0, post: [[]] });
    expect(asked.map((steps) => steps[0]!.stdin?.slice(0, 7))).toEqual(['partial', expect.any(String), 'full', expect.any(String)]);
    expect(written(asked[3]![0]!).token).toBe('full');
  });

  it('a state that cannot be written is an error, and the state is removed so that the next sync is a full one', async () => {
    const { start, asked } = fakeStart((steps) =>
      steps.map((s) => (s.argv[1] === 'write' ? { ...ok(), exitCode: -1, error: 'no space left on device' } : ok())),
    );
    const err = await syncProxyRules(engine, start, driver, [node]).catch((e: unknown) => e);
    expect((err as Error).message).toBe('Could not keep the kube-proxy sync state: node1: no space left on device');
    expect(asked.at(-1)!.map((s) => s.argv.join(' '))).toEqual(['netlab-state remove kube-proxy-sync']);
  });
});
