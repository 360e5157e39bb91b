// `class watch` off a terminal: one line, or one JSON document, per round; Ctrl-C ends it with 0.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classWatch } from '../../../src/cli/commands/class-watch.js';
import { classRounds } from '../../helpers/class-rounds.js';
import { FakeStream } from '../../helpers/ui-fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

function grader() {
  const rounds = classRounds();
  let calls = 0;
  let graded = 0;
  // The second call fails; the others give the rounds in turn.
  return vi.fn(async () => {
    if (++calls === 2) throw new Error('netlab-d2 did not answer');
    return rounds[Math.min(graded++, rounds.length - 1)]!;
  });
}

describe('classWatch off a terminal', () => {
  it('prints one line per round, the interval apart, and a round that failed', async () => {
    vi.useFakeTimers();
    const out = new FakeStream(false);
    const grade = grader();
    const done = classWatch(grade, { intervalS: 10, rounds: 3, out });
    await vi.advanceTimersByTimeAsync(0);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^round 1 14:40:00 UTC pod-to-service \(exercise 2\): 2\/6 full marks, 35\/45 points \(77%\), 1 not graded; /);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(grade).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(await done).toBe(0);
    expect(grade).toHaveBeenCalledTimes(3);
    expect(out.lines[1]).toMatch(/^round 2 \d\d:\d\d:\d\d UTC could not grade the class: netlab-d2 did not answer$/);
    expect(out.lines[2]).toMatch(/^round 2 14:41:00 UTC .*bob 6\/9 stuck on "client reaches service-test by ClusterIP" \(fail\) since round 1, 1m00s/);
    expect(out.lines).toHaveLength(3);
  });

  it('prints one JSON document per round with --json', async () => {
    vi.useFakeTimers();
    const out = new FakeStream(false);
    const done = classWatch(grader(), { intervalS: 1, json: true, rounds: 3, out });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await done).toBe(0);
    const docs = out.lines.map((l) => JSON.parse(l));
    expect(docs.map((d) => d.round)).toEqual([1, 2, 2]);
    expect(docs[1]).toMatchObject({ error: 'netlab-d2 did not answer' });
    expect(docs[2].students.map((s: { student: string }) => s.student)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
  });

  it('runs until Ctrl-C, then exits 0', async () => {
    const out = new FakeStream(false);
    const done = classWatch(async () => classRounds()[0]!, { intervalS: 60, out });
    await vi.waitFor(() => expect(out.lines).toHaveLength(1));
    process.emit('SIGINT');
    expect(await done).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('refuses an interval under a second', async () => {
    await expect(classWatch(async () => classRounds()[0]!, { intervalS: 0.1 })).rejects.toThrow('The interval must be at least 1 second (got 0.1).');
  });
});
