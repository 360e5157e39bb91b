import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';

const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, targetIp: '10.0.2.2', port: 8080 };

describe('http command', () => {
  it("asks the pod's resolver for a name, and repeats through `repeat` for a count", () => {
    expect(probeCommand({ ...http, targetName: 'web.team-a', port: 80, count: 20 })).toBe(
      "repeat 20 in_pod 10 curl -sS --connect-timeout 1 --max-time 2 -w '\\nHTTP %{http_code}' http://web.team-a:80/",
    );
    expect(probeCommand({ ...http, port: undefined })).toMatch(/ http:\/\/10\.0\.2\.2\/$/);
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

  it('many requests: every one answered, by at least `distinct` pods', () => {
    const spread = { ...http, count: 3, distinct: 2 };
    const out = 'Hello from web-0 (10.0.1.2)\nHTTP 200\n%%\nHello from web-1 (10.0.2.2)\nHTTP 200\n%%\nHello from web-0 (10.0.1.2)\nHTTP 200\n%%\n';
    expect(judge(spread, { exitCode: 0, output: out })).toEqual({ ok: true, detail: '3/3 answered by 2 pod(s): web-0 2, web-1 1' });
    const one = out.replaceAll('web-1 (10.0.2.2)', 'web-0 (10.0.1.2)');
    expect(judge(spread, { exitCode: 0, output: one })).toEqual({ ok: false, detail: '3/3 answered by 1 pod(s): web-0 3; expected at least 2 different pods' });
    expect(judge(spread, { exitCode: 1, output: 'curl: (7)\nHTTP 000\n%%\n'.repeat(3) }).detail).toBe('0/3 answered by 0 pod(s)');
  });

  it('cuts a long answer to one line', () => {
    const detail = judge(http, { exitCode: 0, output: `${'a'.repeat(300)}\nHTTP 200` }).detail;
    expect(detail).toBe(`HTTP 200 ${'a'.repeat(119)}…`);
  });
});
