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

const HEADLESS = `;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1
db.shop.svc.cluster.local. 30 IN A 10.0.1.5
db.shop.svc.cluster.local. 30 IN A 10.0.2.5
`;
const SRV = `;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1
_http._tcp.api.shop.svc.cluster.local. 30 IN SRV 0 100 80 api.shop.svc.cluster.local.
`;

describe('dns answers and contains', () => {
  it('passes when the A records are exactly the expected set, in any order', () => {
    expect(judge({ ...lookup, targetName: 'db.shop', answers: ['10.0.2.5', '10.0.1.5'] }, [ran(HEADLESS)])).toEqual({
      ok: true,
      detail: 'db.shop → A 10.0.1.5, A 10.0.2.5',
    });
  });

  it('says what was expected and what came, missing and extra', () => {
    expect(judge({ ...lookup, targetName: 'db.shop', answers: ['10.0.1.5'] }, [ran(HEADLESS)])).toEqual({
      ok: false,
      detail: 'expected A 10.0.1.5; got 10.0.1.5, 10.0.2.5 (not expected 10.0.2.5)',
    });
    expect(judge({ ...lookup, answers: ['10.96.0.10'] }, [ran(NOERROR)])).toEqual({
      ok: false,
      detail: 'expected A 10.96.0.10; got 10.96.0.20 (missing 10.96.0.10; not expected 10.96.0.20)',
    });
    expect(judge({ ...lookup, answers: ['10.96.0.10'] }, [ran(';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1\n')])).toEqual({
      ok: false,
      detail: 'expected A 10.96.0.10, got NXDOMAIN for web, no A record',
    });
  });

  it('compares SRV records as dig prints them, the final dot and case aside', () => {
    const srv = { ...lookup, record: 'SRV' as const, targetName: '_http._tcp.api.shop.svc.cluster.local' };
    expect(judge({ ...srv, answers: ['0 100 80 API.shop.svc.cluster.local'] }, [ran(SRV)]).ok).toBe(true);
    expect(judge({ ...srv, answers: ['0 100 8080 api.shop.svc.cluster.local.'] }, [ran(SRV)])).toEqual({
      ok: false,
      detail:
        'expected SRV 0 100 8080 api.shop.svc.cluster.local.; got 0 100 80 api.shop.svc.cluster.local. (missing 0 100 8080 api.shop.svc.cluster.local.; not expected 0 100 80 api.shop.svc.cluster.local.)',
    });
  });

  it('contains: one record must contain the text', () => {
    expect(judge({ ...lookup, contains: '10.96.0.' }, [ran(NOERROR)]).ok).toBe(true);
    expect(judge({ ...lookup, contains: '10.97.' }, [ran(NOERROR)])).toEqual({ ok: false, detail: 'expected an A record containing "10.97."; got 10.96.0.20' });
  });

  it('prepare carries answers from the check', () => {
    expect(dns.prepare!({ check: { to: 'web', record: 'A', answers: ['10.96.0.20'] } as CheckSpec, enteredPid: 0, viaIps: () => [] })).toEqual({
      targetName: 'web',
      record: 'A',
      answers: ['10.96.0.20'],
    });
  });
});
