import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { dns } from '../../../../src/checks/probes/dns.js';
import type { CheckSpec } from '../../../../src/labfile/model.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const lookup: ResolvedProbe = { kind: 'dns', expect: 'reachable', sourcePid: 10, sourceContainer: 'aaaaaaaaaaaa', targetName: 'web', record: 'A' };
const NOERROR = ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\nweb.default.svc.cluster.local. 30 IN A 10.96.0.20\n';
const DIG = ['dig', '+search', '+time=1', '+tries=1', '+noall', '+comments', '+answer'];
const POD = { pid: 10, container: 'aaaaaaaaaaaa' };

describe('dns', () => {
  it("asks the pod's own resolver with dig (the name after -q, or -x for PTR)", () => {
    expect(probeSteps(lookup)).toEqual([{ argv: [...DIG, '-t', 'A', '-q', 'web'], netns: POD, resolvConfFrom: POD }]);
    expect(probeSteps({ ...lookup, record: 'PTR', targetName: '10.96.0.20' })).toEqual([
      { argv: [...DIG, '-x', '10.96.0.20'], netns: POD, resolvConfFrom: POD },
    ]);
    expect(dns.prepare!({ check: { to: 'web', record: 'SRV' } as CheckSpec, enteredPid: 0, viaIps: () => [] })).toEqual({ targetName: 'web', record: 'SRV' });
  });

  it('passes with an answer, or with NXDOMAIN when that is expected', () => {
    expect(judge(lookup, [ran(NOERROR)])).toEqual({ ok: true, detail: 'web → A 10.96.0.20' });
    expect(judge(lookup, [ran(';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1\n')])).toEqual({
      ok: false,
      detail: 'NXDOMAIN for web, no A record',
    });
    expect(judge({ ...lookup, expect: 'nxdomain' }, [ran(NOERROR)])).toEqual({
      ok: false,
      detail: 'expected NXDOMAIN, got NOERROR: A 10.96.0.20',
    });
    expect(judge(lookup, [ran('', 9)])).toEqual({ ok: false, detail: 'no answer from the cluster DNS' });
    expect(judge(lookup, [ran(';; connection timed out; no servers could be reached\n', 9)])).toEqual({
      ok: false,
      detail: ';; connection timed out; no servers could be reached',
    });
  });
});
