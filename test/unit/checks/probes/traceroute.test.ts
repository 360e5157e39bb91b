import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { traceHops, traceroute } from '../../../../src/checks/probes/traceroute.js';
import type { CheckSpec } from '../../../../src/labfile/model.js';
import { ran } from '../../../helpers/probe-fixtures.js';

describe('judging', () => {
  it('traceroute: must arrive and pass the via hop', () => {
    const out = 'traceroute to 10.0.2.2 (10.0.2.2), 8 hops max\n 1  10.0.1.1  0.1 ms\n 2  10.250.0.2  0.2 ms\n 3  10.250.0.12  0.2 ms\n 4  10.0.2.2  0.3 ms\n';
    expect(traceHops(out)).toEqual(['10.0.1.1', '10.250.0.2', '10.250.0.12', '10.0.2.2']);
    const p: ResolvedProbe = { kind: 'traceroute', expect: 'reachable', sourcePid: 1, targetIp: '10.0.2.2', viaIps: ['10.250.0.2'], viaName: 'router' };
    expect(judge(p, [ran(out)])).toEqual({ ok: true, detail: '10.0.1.1 → 10.250.0.2 → 10.250.0.12 → 10.0.2.2 (via router)' });
    expect(judge({ ...p, viaIps: ['10.250.0.99'] }, [ran(out)]).ok).toBe(false);
    expect(judge(p, [ran(' 1  10.0.1.1  0.1 ms\n 2  *\n 3  *\n')]).detail).toMatch(/did not reach 10.0.2.2/);
  });
});

describe('traceroute', () => {
  it('traces from the source namespace, at most 8 hops', () => {
    expect(probeSteps({ kind: 'traceroute', expect: 'reachable', sourcePid: 1, targetIp: '10.0.2.2' })).toEqual([
      { argv: ['traceroute', '-n', '-q', '1', '-w', '1', '-m', '8', '--', '10.0.2.2'], netns: { pid: 1 } },
    ]);
  });

  it('takes `via` as the hop by name and its addresses', () => {
    const site = { enteredPid: 0, viaIps: (via: string) => (via === 'router' ? ['10.250.0.2'] : []) };
    expect(traceroute.prepare!({ ...site, check: { via: 'router' } as CheckSpec })).toEqual({ viaName: 'router', viaIps: ['10.250.0.2'] });
    expect(traceroute.prepare!({ ...site, check: {} as CheckSpec })).toEqual({});
  });
});
