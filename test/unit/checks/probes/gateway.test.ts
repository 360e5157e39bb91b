import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { gateway } from '../../../../src/checks/probes/gateway.js';
import type { CheckSpec } from '../../../../src/labfile/model.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const CBR0 = '3: cbr0    inet 10.0.1.1/24 brd 10.0.1.255 scope global cbr0';

describe('judging', () => {
  it('gateway: the default route must point at the node bridge address', () => {
    const p: ResolvedProbe = { kind: 'gateway', expect: 'reachable', sourcePid: 1, nodePid: 2 };
    expect(judge(p, [ran('default via 10.0.1.1 dev eth0\n'), ran(CBR0)]).ok).toBe(true);
    expect(judge(p, [ran(''), ran('3: cbr0    inet 10.0.1.1/24')]).detail).toMatch(/no default route/);
  });
});

describe('gateway', () => {
  it("reads the pod's default route and its node's cbr0 (the node's namespace entered)", () => {
    expect(gateway.enters).toBe('node');
    expect(
      probeSteps({ kind: 'gateway', expect: 'reachable', sourcePid: 1, sourceContainer: 'aaaaaaaaaaaa', nodePid: 2, nodeContainer: 'bbbbbbbbbbbb' }),
    ).toEqual([
      { argv: ['ip', '-4', 'route', 'show', 'default'], netns: { pid: 1, container: 'aaaaaaaaaaaa' } },
      { argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'cbr0'], netns: { pid: 2, container: 'bbbbbbbbbbbb' } },
    ]);
  });

  it("expects cbr0 on the source's node unless `via` names another gateway", () => {
    const site = { node: 'node1', enteredPid: 7, viaIps: () => ['10.250.0.2'] };
    expect(gateway.prepare!({ ...site, check: {} as CheckSpec })).toEqual({ nodePid: 7, viaName: 'cbr0 on node1' });
    expect(gateway.prepare!({ ...site, enteredContainer: 'bbbbbbbbbbbb', check: { via: 'cbr0' } as CheckSpec })).toEqual({
      nodePid: 7,
      nodeContainer: 'bbbbbbbbbbbb',
      viaName: 'cbr0',
    });
    expect(gateway.prepare!({ ...site, check: { via: 'router' } as CheckSpec })).toEqual({ nodePid: 7, viaName: 'router', viaIps: ['10.250.0.2'] });
    const p: ResolvedProbe = { kind: 'gateway', expect: 'reachable', sourcePid: 1, nodePid: 2, viaName: 'router', viaIps: ['10.250.0.2'] };
    expect(judge(p, [ran('default via 10.0.1.1 dev eth0'), ran('3: cbr0    inet 10.0.1.1/24')])).toEqual({
      ok: false,
      detail: 'default via 10.0.1.1, expected 10.250.0.2 (router)',
    });
  });
});
