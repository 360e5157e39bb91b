import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const http: ResolvedProbe = { kind: 'http', expect: 'reachable', sourcePid: 10, sourceContainer: 'c0ffee0123456789', targetIp: '10.0.2.2', port: 8080 };
const CURL = ['curl', '-sS', '-g', '--connect-timeout', '1', '--max-time', '2', '-w', '\\nHTTP %{http_code}', '--'];

describe('http steps', () => {
  it("asks the pod's resolver for a name, and sends `count` requests, each its own curl", () => {
    const steps = probeSteps({ ...http, targetName: 'web.team-a', port: 80, count: 20 });
    expect(steps).toHaveLength(20);
    const source = { pid: 10, container: 'c0ffee0123456789' };
    for (const s of steps) expect(s).toEqual({ argv: [...CURL, 'http://web.team-a:80/'], netns: source, resolvConfFrom: source });
    expect(probeSteps({ ...http, port: undefined })).toEqual([{ argv: [...CURL, 'http://10.0.2.2/'], netns: source }]);
  });
});

describe('judging', () => {
  it('http: an answer is reachable; contains must match', () => {
    expect(judge(http, [ran('Hello from server-1 (10.0.2.2:8080)\nHTTP 200')])).toEqual({
      ok: true,
      detail: 'HTTP 200 Hello from server-1 (10.0.2.2:8080)',
    });
    expect(judge({ ...http, contains: 'server-0' }, [ran('Hello from server-1\nHTTP 200')]).ok).toBe(false);
    const timeout = judge(http, [ran('\nHTTP 000', 28, 'curl: (28) Connection timed out after 1001 milliseconds\n')]);
    expect(timeout).toEqual({ ok: false, detail: 'curl: (28) Connection timed out after 1001 milliseconds' });
    expect(judge(http, [ran('\nHTTP 204')])).toEqual({ ok: true, detail: 'HTTP 204 ' });
  });

  it('an expected drop passes only when nothing answers', () => {
    const drop = { ...http, expect: 'unreachable' as const };
    expect(judge(drop, [ran('\nHTTP 000', 7, 'curl: (7) Failed to connect\n')]).ok).toBe(true);
    expect(judge(drop, [ran('hi\nHTTP 200')]).ok).toBe(false);
  });

  it('a step the agent never ran fails, even an expected drop', () => {
    const never = { exitCode: -1, stdout: '', stderr: '', ms: 0, error: 'process 10 is not in container c0ffee012345' };
    expect(judge({ ...http, expect: 'unreachable' }, [never])).toEqual({
      ok: false,
      detail: 'the probe did not run: process 10 is not in container c0ffee012345',
    });
  });

  it('many requests: every one answered, by at least `distinct` pods', () => {
    const spread = { ...http, count: 3, distinct: 2 };
    const replies = [ran('Hello from web-0 (10.0.1.2)\nHTTP 200'), ran('Hello from web-1 (10.0.2.2)\nHTTP 200'), ran('Hello from web-0 (10.0.1.2)\nHTTP 200')];
    expect(judge(spread, replies)).toEqual({ ok: true, detail: '3/3 answered by 2 pod(s): web-0 2, web-1 1' });
    const one = replies.map((r) => ({ ...r, stdout: r.stdout.replaceAll('web-1 (10.0.2.2)', 'web-0 (10.0.1.2)') }));
    expect(judge(spread, one)).toEqual({ ok: false, detail: '3/3 answered by 1 pod(s): web-0 3; expected at least 2 different pods' });
    const refused = ran('\nHTTP 000', 7, 'curl: (7)\n');
    expect(judge(spread, [refused, refused, refused]).detail).toBe('0/3 answered by 0 pod(s)');
    expect(judge(spread, [replies[0]!, refused, replies[1]!])).toEqual({ ok: false, detail: '2/3 answered by 2 pod(s): web-0 1, web-1 1' });
  });

  it('cuts a long answer to one line', () => {
    const detail = judge(http, [ran(`${'a'.repeat(300)}\nHTTP 200`)]).detail;
    expect(detail).toBe(`HTTP 200 ${'a'.repeat(119)}…`);
  });
});
