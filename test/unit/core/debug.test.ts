import { afterEach, describe, expect, it } from 'vitest';
import { debugText, enableDebug, traced } from '../../../src/core/debug.js';

afterEach(() => enableDebug(false));

describe('debug tracing', () => {
  it('logs nothing when off, and runs the work all the same', async () => {
    const lines: string[] = [];
    enableDebug(false, (l) => lines.push(l));
    expect(await traced('docker', 'ping', async () => 42)).toBe(42);
    expect(lines).toEqual([]);
  });

  it('logs what ran, how long it took and a summary of the result', async () => {
    const lines: string[] = [];
    enableDebug(true, (l) => lines.push(l));
    await traced(
      'docker',
      'containers list',
      async () => {
        await new Promise((r) => setTimeout(r, 30));
        return [1, 2, 3];
      },
      (r) => `${r.length} found`,
    );
    expect(lines).toHaveLength(1);
    const [, ms] = /^netlab \+\d+\.\d{3}s docker containers list (\d+)ms 3 found$/.exec(lines[0]!) ?? [];
    expect(Number(ms)).toBeGreaterThanOrEqual(25);
  });

  it('logs a failure with the engine status code and rethrows it', async () => {
    const lines: string[] = [];
    enableDebug(true, (l) => lines.push(l));
    const boom = Object.assign(new Error('no such container\nat line two'), { statusCode: 404 });
    await expect(traced('docker', 'container inspect x', () => Promise.reject(boom))).rejects.toBe(boom);
    expect(lines[0]).toMatch(/^netlab \+\S+ docker container inspect x \d+ms FAILED 404: no such container at line two$/);
  });

  it("puts a command's text last, after the duration", async () => {
    const lines: string[] = [];
    enableDebug(true, (l) => lines.push(l));
    await traced(
      'toolbox',
      'setting routes',
      async () => 0,
      undefined,
      () => 'sh -c ip route\nreplace x',
    );
    expect(lines[0]).toMatch(/^netlab \+\S+ toolbox setting routes \d+ms \| sh -c ip route replace x$/);
  });

  it('keeps a request on one short line', () => {
    const text = debugText(`set -e\n${'x'.repeat(1000)}`);
    expect(text).not.toContain('\n');
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text.endsWith('…')).toBe(true);
  });
});
