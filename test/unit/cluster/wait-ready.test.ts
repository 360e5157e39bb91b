// What `up` says when pods are not ready: each container, its state and last log line, and how to look.
import { describe, expect, it } from 'vitest';
import { notReadyError } from '../../../src/cluster/wait-ready.js';

describe("up's not-ready error", () => {
  it('names each container with its state and last log line, keeps the lab up and says how to look (exit code 1)', () => {
    const err = notReadyError(
      'alice',
      [
        { title: 'shop/web-0/app', target: { pod: 'web-0.shop', container: 'app' }, state: 'readiness probe failing: HTTP 503', lastLog: 'GET /readyz -> 503' },
        { title: 'db (sandbox)', state: 'exited with code 137' },
      ],
      60,
    );
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(
      'Lab alice is up, but 2 container(s) are not ready after 60 s:\n' +
        '  shop/web-0/app: readiness probe failing: HTTP 503; last log line: GET /readyz -> 503\n' +
        '  db (sandbox): exited with code 137\n' +
        'The lab stays up so you can look.',
    );
    expect(err.hint).toContain('netlab logs alice web-0.shop -c app shows its log');
    expect(err.hint).toContain('netlab down alice');
  });

  it('says a container that exited will not become ready, without a time', () => {
    const err = notReadyError('bob', [{ title: 'web/sidecar', target: { pod: 'web', container: 'sidecar' }, state: 'exited with code 3' }]);
    expect(err.message).toMatch(/^Lab bob is up, but 1 container\(s\) are not ready and will not become ready:\n {2}web\/sidecar: exited with code 3\n/);
  });
});
