import { describe, expect, it } from 'vitest';
import { whyNotReady } from '../../../../src/checks/diagnose/not-ready.js';
import type { LabTarget } from '../../../../src/checks/target.js';

const SENTENCE = 'service default/web has no endpoints: its pods (web-0, web-1) are not ready';

function target(verdicts: Record<string, { ok: boolean; detail: string }>): LabTarget & { asked: string[][] } {
  const asked: string[][] = [];
  const planPod = (name: string) => ({
    name,
    namespace: 'default',
    containers: [{ name: `lab-${name}-app`, create: { Labels: { 'netlab.container': 'app' } } }],
  });
  const labPod = (name: string) => ({
    name,
    namespace: 'default',
    containers: [{ name: 'app', readinessProbe: { handler: { kind: 'httpGet', path: '/readyz', port: 8081, scheme: 'HTTP', headers: [] } } }],
  });
  return {
    asked,
    plan: { pods: [planPod('web-0'), planPod('web-1'), planPod('other')] },
    lab: { pods: [labPod('web-0'), labPod('web-1'), labPod('other')] },
    probeReadiness: async (running: ReadonlySet<string>) => {
      asked.push([...running]);
      return new Map(Object.entries(verdicts));
    },
  } as unknown as LabTarget & { asked: string[][] };
}

describe('whyNotReady', () => {
  it("adds the first failing readiness probe, as its spec says it and in the probe's own words", async () => {
    const t = target({ 'lab-web-0-app': { ok: false, detail: 'connection refused' } });
    expect(await whyNotReady(t, SENTENCE)).toBe(`${SENTENCE}: the readiness probe of web-0 (httpGet port 8081 /readyz) fails: connection refused`);
    expect(t.asked).toEqual([['lab-web-0-app', 'lab-web-1-app']]);
  });

  it('adds nothing when every probe passes now, or the sentence names no pods', async () => {
    expect(await whyNotReady(target({ 'lab-web-0-app': { ok: true, detail: 'HTTP 200' } }), SENTENCE)).toBeUndefined();
    expect(await whyNotReady(target({}), 'service default/web has no endpoints: no ready pod matches app=web')).toBeUndefined();
  });
});
