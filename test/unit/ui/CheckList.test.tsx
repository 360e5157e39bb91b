import { render, cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckList } from '../../../src/ui/CheckList.js';
import { stripAnsi } from '../../../src/ui/ansi.js';
import { failCheck, passCheck } from '../../helpers/ui-fixtures.js';

afterEach(() => cleanup());

describe('CheckList', () => {
  it('shows each result with mark, name, path, expectation, time and detail', () => {
    const { lastFrame } = render(<CheckList checks={[passCheck, failCheck]} />);
    const lines = stripAnsi(lastFrame() ?? '').split('\n');
    expect(lines).toEqual([
      '✔ pod to pod  client → server:8080  (reachable)  12ms  HTTP 200 "Hello from server-0"',
      '✖ isolated  client → db:5432  (unreachable)  1.0s  connected, expected no answer',
    ]);
  });

  it('says what the check expects when the result carries it (a dns check: resolves to …)', () => {
    const dns = { ...passCheck, name: 'dns', to: 'web', expect: 'reachable', expected: 'resolves to 10.96.0.20', detail: 'web → A 10.96.0.20' };
    const { lastFrame } = render(<CheckList checks={[dns]} />);
    expect(stripAnsi(lastFrame() ?? '')).toContain('✔ dns  client → web  (resolves to 10.96.0.20)');
  });

  it('adds the tally only once finished', () => {
    const { lastFrame, rerender } = render(<CheckList checks={[passCheck, failCheck, passCheck]} />);
    expect(stripAnsi(lastFrame() ?? '')).not.toContain('passed');
    rerender(<CheckList checks={[passCheck, failCheck, passCheck]} finished />);
    const lines = stripAnsi(lastFrame() ?? '').split('\n');
    expect(lines.at(-1)).toBe('2 passed, 1 failed');
  });

  it('shows results as they arrive', () => {
    const { lastFrame, rerender } = render(<CheckList checks={[]} />);
    expect(stripAnsi(lastFrame() ?? '')).toBe('');
    rerender(<CheckList checks={[failCheck]} />);
    expect(stripAnsi(lastFrame() ?? '')).toContain('✖ isolated');
  });

  it('truncates a long passing detail to the terminal width', () => {
    const long = { ...passCheck, detail: 'x'.repeat(300) };
    const { lastFrame } = render(<CheckList checks={[long]} />);
    const lines = stripAnsi(lastFrame() ?? '').split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(/…$/);
  });
});
