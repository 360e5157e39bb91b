import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { dns } from '../../../../src/checks/probes/dns.js';
import type { CheckSpec } from '../../../../src/labfile/model.js';

const lookup: ResolvedProbe = { kind: 'dns', expect: 'reachable', sourcePid: 10, targetName: 'web', record: 'A' };
const NOERROR = ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\nweb.default.svc.cluster.local. 30 IN A 10.96.0.20\n';

describe('dns', () => {
  it("asks the pod's own resolver with dig (-x for PTR)", () => {
    expect(probeCommand(lookup)).toBe('in_pod 10 dig +search +time=1 +tries=1 +noall +comments +answer -t A web');
    expect(probeCommand({ ...lookup, record: 'PTR', targetName: '10.96.0.20' })).toBe(
      'in_pod 10 dig +search +time=1 +tries=1 +noall +comments +answer -x 10.96.0.20',
    );
    expect(dns.prepare!({ check: { to: 'web', record: 'SRV' } as CheckSpec, enteredPid: 0, viaIps: () => [] })).toEqual({ targetName: 'web', record: 'SRV' });
  });

  it('passes with an answer, or with NXDOMAIN when that is expected', () => {
    expect(judge(lookup, { exitCode: 0, output: NOERROR })).toEqual({ ok: true, detail: 'web → A 10.96.0.20' });
    expect(judge(lookup, { exitCode: 0, output: ';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1\n' })).toEqual({
      ok: false,
      detail: 'NXDOMAIN for web, no A record',
    });
    expect(judge({ ...lookup, expect: 'nxdomain' }, { exitCode: 0, output: NOERROR })).toEqual({
      ok: false,
      detail: 'expected NXDOMAIN, got NOERROR: A 10.96.0.20',
    });
    expect(judge(lookup, { exitCode: 9, output: '' })).toEqual({ ok: false, detail: 'no answer from the cluster DNS' });
  });
});
