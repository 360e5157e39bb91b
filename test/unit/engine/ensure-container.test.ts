// ensureContainer and a pod's restart policy: an ended container is started again only when
// asked (restartPolicy Always), a restarting one is left to the engine's back-off.
import { describe, expect, it } from 'vitest';
import { ensureContainer } from '../../../src/engine/containers.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { ContainerSummary } from '../../../src/engine/types.js';

const plan = { name: 't-web-app', create: { Image: 'netlab/app', Labels: { 'netlab.lab': 't', 'netlab.spec': 'abc' } } };

function run(state: string, options: Parameters<typeof ensureContainer>[3]) {
  const calls: string[] = [];
  const engine = {
    startContainer: async (id: string) => {
      calls.push(`start ${id}`);
    },
  } as unknown as Engine;
  const existing = { Id: 'c1', State: state, Labels: { 'netlab.lab': 't', 'netlab.spec': 'abc' } } as unknown as ContainerSummary;
  return ensureContainer(engine, plan, existing, { needPid: false, ...options }).then((r) => ({ action: r.action, calls }));
}

describe('ensureContainer', () => {
  it('starts an exited container again, unless told to leave it (Never, OnFailure)', async () => {
    expect(await run('exited', {})).toEqual({ action: 'started', calls: ['start c1'] });
    expect(await run('exited', { leaveExited: true })).toEqual({ action: 'unchanged', calls: [] });
  });

  it('leaves a restarting container to the engine (starting it would be refused: already started)', async () => {
    expect(await run('restarting', {})).toEqual({ action: 'unchanged', calls: [] });
  });
});
