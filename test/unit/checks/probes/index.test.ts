import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROBE_KIND_NAMES, type ProbeKind } from '../../../../src/labfile/model.js';
import { PROBE_FIELDS } from '../../../../src/labfile/probe-fields.js';
import {
  batchScript,
  parseBatchOutput,
  PROBE_HELPERS,
  PROBE_KINDS,
  probeCommand,
  probeDriver,
  type ResolvedProbe,
} from '../../../../src/checks/probes/index.js';

const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };

describe('probe commands', () => {
  it('runs from the source namespace with short deadlines', () => {
    expect(probeCommand(http)).toBe("nsenter --net=/proc/10/ns/net curl -sS --connect-timeout 1 --max-time 2 -w '\\nHTTP %{http_code}' http://10.0.2.2:8080/");
    expect(probeCommand({ kind: 'netns', expect: 'same-netns', sourcePid: 10, targetPid: 11 })).toBe('readlink /proc/10/ns/net /proc/11/ns/net');
  });
});

describe('batch script', () => {
  it('runs probes in parallel and reports index, exit code, ms and output (real sh)', () => {
    const script = batchScript([
      { index: 3, command: 'echo hello' },
      { index: 7, command: 'echo broken >&2; exit 4' },
    ]);
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    const results = parseBatchOutput(out).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.index, r.exitCode, r.output])).toEqual([
      [3, 0, 'hello'],
      [7, 4, 'broken'],
    ]);
    expect(results.every((r) => r.ms >= 0 && r.ms < 5000)).toBe(true);
  });
});

describe('the registry', () => {
  it('has a driver for exactly the kinds the lab-file language names, with their fields, in its order', () => {
    expect(PROBE_KINDS).toEqual(PROBE_KIND_NAMES);
    expect(Object.keys(PROBE_FIELDS)).toEqual([...PROBE_KIND_NAMES]);
    for (const kind of PROBE_KINDS) expect(probeDriver(kind).kind).toBe(kind);
    expect(() => probeDriver('icmp' as ProbeKind)).toThrow(/no probe driver for "icmp"/);
  });

  it('defines every shell function a probe calls, once', () => {
    const defined = [...PROBE_HELPERS.matchAll(/^(\w+)\(\) \{/gm)].map((m) => m[1]);
    expect(new Set(defined).size).toBe(defined.length);
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
      for (const helper of probeDriver(kind).helpers) expect(PROBE_HELPERS).toContain(helper);
      const words = probeCommand({ ...every, kind }).split(' ');
      const called = words[0] === 'repeat' ? ['repeat', words[2]!] : [words[0]!];
      for (const name of called.filter((w) => w !== 'nsenter' && w !== 'readlink')) expect(defined, `${kind} calls ${name}`).toContain(name);
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
