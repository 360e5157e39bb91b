import { describe, expect, it } from 'vitest';
import { probeBatchRequest } from '../../../../src/checks/run.js';
import { PROBE_KIND_NAMES, type ProbeKind } from '../../../../src/labfile/model.js';
import { PROBE_FIELDS } from '../../../../src/labfile/probe-fields.js';
import { PROBE_KINDS, probeDriver, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import type { StepResult } from '../../../../src/core/toolbox-request.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };
const conntrack: ResolvedProbe = { kind: 'conntrack', expect: 'reachable', sourcePid: 10, nodePid: 20, targetIp: '10.96.0.20', port: 80, sourceIp: '10.0.1.2' };
const ENTRY = 'tcp 6 119 TIME_WAIT src=10.0.1.2 dst=10.96.0.20 sport=40000 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=40000\n';

describe('probe steps', () => {
  it('runs from the source namespace with short deadlines', () => {
    expect(probeSteps(http)).toEqual([
      {
        argv: ['curl', '-sS', '-g', '--connect-timeout', '1', '--max-time', '2', '-w', '\\nHTTP %{http_code}', '--', 'http://10.0.2.2:8080/'],
        netns: { pid: 10 },
      },
    ]);
  });
});

describe('batch request', () => {
  it("one request: every probe's steps at once, each probe judged on its own results", () => {
    const jobs = [
      { index: 4, probe: { ...http, count: 2 } },
      { index: 7, probe: conntrack },
      { index: 9, probe: { ...http, expect: 'unreachable' as const } },
    ];
    const request = probeBatchRequest(jobs);
    expect(request.steps.map((s) => s.argv[0])).toEqual(['curl', 'curl', 'curl', 'conntrack', 'curl']);
    expect(request.parallel).toBe(5);
    // The conntrack listing follows its own probe's request, renumbered in the batch.
    expect(request.steps.map((s) => s.after)).toEqual([undefined, undefined, undefined, [2], undefined]);
    const results: StepResult[] = [
      { ...ran('Hello from web-0 (10.0.1.2)\nHTTP 200'), ms: 30 },
      { ...ran('Hello from web-1 (10.0.2.2)\nHTTP 200'), ms: 40 },
      { ...ran(''), ms: 20 },
      { ...ran(ENTRY), ms: 15 },
      { ...ran('\nHTTP 000', 7, 'curl: (7) Failed to connect'), ms: 1000 },
    ];
    const verdicts = request.parse(results);
    expect([...verdicts.keys()]).toEqual([4, 7, 9]);
    expect(verdicts.get(4)).toEqual({ ok: true, ms: 40, detail: '2/2 answered by 2 pod(s): web-0 1, web-1 1' });
    expect(verdicts.get(7)).toMatchObject({ ok: true, ms: 35 });
    expect(verdicts.get(9)).toEqual({ ok: true, ms: 1000, detail: 'dropped as expected: curl: (7) Failed to connect' });
  });

  it('an empty batch is an empty request', () => {
    const request = probeBatchRequest([]);
    expect(request.steps).toEqual([]);
    expect(request.parse([]).size).toBe(0);
  });
});

describe('the registry', () => {
  it('has a driver for exactly the kinds the lab-file language names, with their fields, in its order', () => {
    expect(PROBE_KINDS).toEqual(PROBE_KIND_NAMES);
    expect(Object.keys(PROBE_FIELDS)).toEqual([...PROBE_KIND_NAMES]);
    for (const kind of PROBE_KINDS) expect(probeDriver(kind).kind).toBe(kind);
    expect(() => probeDriver('icmp' as ProbeKind)).toThrow(/no probe driver for "icmp"/);
  });

  it("every kind's steps run in a lab container's namespace, and `after` names an earlier step of its own", () => {
    const every: ResolvedProbe = {
      kind: 'http',
      expect: 'reachable',
      sourcePid: 1,
      targetIp: '10.0.0.2',
      port: 80,
      targetPid: 2,
      nodePid: 3,
      targetName: 'web',
      count: 3,
    };
    for (const kind of PROBE_KINDS) {
      const steps = probeSteps({ ...every, kind });
      expect(steps.length, kind).toBeGreaterThan(0);
      steps.forEach((s, i) => {
        expect(s.netns?.pid, `${kind} step ${i}`).toBeGreaterThan(0);
        for (const a of s.after ?? []) expect(a, `${kind} step ${i}`).toBeLessThan(i);
      });
    }
  });

  it('diagnoses the connectivity probes, each with the protocol of its packets', () => {
    const diagnosed = Object.fromEntries(
      PROBE_KINDS.flatMap((k) => {
        const d = probeDriver(k).diagnosis;
        return d ? [[k, d.proto]] : [];
      }),
    );
    expect(diagnosed).toEqual({ http: 'tcp', tcp: 'tcp', udp: 'udp', ping: 'icmp', traceroute: 'icmp', dns: 'udp' });
    expect(PROBE_KINDS.filter((k) => probeDriver(k).diagnosis?.lookup)).toEqual(['dns']);
  });
});
