import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchScript, judge, parseBatchOutput, probeCommand, traceHops, type ResolvedProbe } from '../../../src/checks/probes.js';

const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };

describe('probe commands', () => {
  it('runs from the source namespace with short deadlines', () => {
    expect(probeCommand(http)).toBe(
      "nsenter --net=/proc/10/ns/net curl -sS --connect-timeout 1 --max-time 2 -w '\\nHTTP %{http_code}' http://10.0.2.2:8080/",
    );
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

describe('judging', () => {
  it('http: an answer is reachable; contains must match', () => {
    expect(judge(http, { exitCode: 0, output: 'Hello from server-1 (10.0.2.2:8080)\nHTTP 200' })).toEqual({
      ok: true,
      detail: 'HTTP 200 Hello from server-1 (10.0.2.2:8080)',
    });
    expect(judge({ ...http, contains: 'server-0' }, { exitCode: 0, output: 'Hello from server-1\nHTTP 200' }).ok).toBe(false);
    const timeout = judge(http, { exitCode: 28, output: 'curl: (28) Connection timed out after 1001 milliseconds\nHTTP 000' });
    expect(timeout).toEqual({ ok: false, detail: 'curl: (28) Connection timed out after 1001 milliseconds' });
  });

  it('an expected drop passes only when nothing answers', () => {
    const drop = { ...http, expect: 'unreachable' as const };
    expect(judge(drop, { exitCode: 7, output: 'curl: (7) Failed to connect\nHTTP 000' }).ok).toBe(true);
    expect(judge(drop, { exitCode: 0, output: 'hi\nHTTP 200' }).ok).toBe(false);
  });

  it('traceroute: must arrive and pass the via hop', () => {
    const out = 'traceroute to 10.0.2.2 (10.0.2.2), 8 hops max\n 1  10.0.1.1  0.1 ms\n 2  10.250.0.2  0.2 ms\n 3  10.250.0.12  0.2 ms\n 4  10.0.2.2  0.3 ms\n';
    expect(traceHops(out)).toEqual(['10.0.1.1', '10.250.0.2', '10.250.0.12', '10.0.2.2']);
    const p: ResolvedProbe = { kind: 'traceroute', expect: 'reachable', sourcePid: 1, targetIp: '10.0.2.2', viaIps: ['10.250.0.2'], viaName: 'router' };
    expect(judge(p, { exitCode: 0, output: out })).toEqual({ ok: true, detail: '10.0.1.1 → 10.250.0.2 → 10.250.0.12 → 10.0.2.2 (via router)' });
    expect(judge({ ...p, viaIps: ['10.250.0.99'] }, { exitCode: 0, output: out }).ok).toBe(false);
    expect(judge(p, { exitCode: 0, output: ' 1  10.0.1.1  0.1 ms\n 2  *\n 3  *\n' }).detail).toMatch(/did not reach 10.0.2.2/);
  });

  it('gateway: the default route must point at the node bridge address', () => {
    const p: ResolvedProbe = { kind: 'gateway', expect: 'reachable', sourcePid: 1, nodePid: 2 };
    const good = 'default via 10.0.1.1 dev eth0\n--\n3: cbr0    inet 10.0.1.1/24 brd 10.0.1.255 scope global cbr0';
    expect(judge(p, { exitCode: 0, output: good }).ok).toBe(true);
    expect(judge(p, { exitCode: 0, output: '\n--\n3: cbr0    inet 10.0.1.1/24' }).detail).toMatch(/no default route/);
  });

  it('netns: same or different namespace inodes', () => {
    const p: ResolvedProbe = { kind: 'netns', expect: 'same-netns', sourcePid: 1, targetPid: 2 };
    expect(judge(p, { exitCode: 0, output: 'net:[4026532]\nnet:[4026532]\n' }).ok).toBe(true);
    expect(judge(p, { exitCode: 0, output: 'net:[4026532]\nnet:[4026999]\n' }).ok).toBe(false);
    expect(judge({ ...p, expect: 'different-netns' }, { exitCode: 0, output: 'net:[1]\nnet:[2]\n' }).ok).toBe(true);
  });
});
