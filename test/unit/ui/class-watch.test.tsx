import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClassWatch } from '../../../src/ui/class/ClassWatch.js';
import { cellText, gridLayout, legendLines } from '../../../src/ui/class/layout.js';
import { ageText, failureLine, roundJson, roundLine } from '../../../src/ui/class/lines.js';
import { runRounds } from '../../../src/ui/class/rounds.js';
import { initialWatch, stuckOf, type WatchAction, type WatchState, watchReducer } from '../../../src/ui/class/state.js';
import { CHECK_NAMES } from '../../helpers/class-fixtures.js';
import { classRounds } from '../../helpers/class-rounds.js';
import { untilFrame } from '../../helpers/ui-fixtures.js';

afterEach(() => cleanup());

const PAGE_DOWN = '\u001B[6~';
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

function fold(n = 3): WatchState {
  return classRounds()
    .slice(0, n)
    .reduce((s, grade) => watchReducer(s, { type: 'round', grade }), initialWatch);
}

const stuck = (state: WatchState, name: string) => {
  const s = state.students.find((x) => x.student === name)!;
  const st = stuckOf(state, s);
  return st && { check: st.column, outcome: st.outcome, since: st.since.round, forS: st.forMs / 1000 };
};

describe('the watch state', () => {
  it('keeps students by name and the checks in lab order', () => {
    const s = fold(1);
    expect(s.round).toBe(1);
    expect(s.students.map((x) => x.student)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    expect(s.columns).toEqual([...CHECK_NAMES]);
  });

  it('tells each student’s first failing check and the round it has failed since', () => {
    const r1 = fold(1);
    expect(stuck(r1, 'bob')).toEqual({ check: 4, outcome: 'fail', since: 1, forS: 0 });
    expect(stuck(r1, 'carol')).toEqual({ check: 3, outcome: 'fail', since: 1, forS: 0 });
    expect(stuck(r1, 'alice')).toBeUndefined();

    const r2 = fold(2);
    expect(stuck(r2, 'bob')).toEqual({ check: 4, outcome: 'fail', since: 1, forS: 60 });
    expect(stuck(r2, 'carol')).toBeUndefined();
    expect(stuck(r2, 'erin')).toBeUndefined();

    const r3 = fold(3);
    // bob fixed check 4; check 6 has failed all along: stuck there since round 1.
    expect(stuck(r3, 'bob')).toEqual({ check: 6, outcome: 'fail', since: 1, forS: 150 });
    // erin's DNS passed in round 2: failing again is a new streak.
    expect(stuck(r3, 'erin')).toEqual({ check: 3, outcome: 'fail', since: 3, forS: 0 });
    // dave was not graded in rounds 1 and 2; graded in 3, failing since 3.
    expect(stuck(r3, 'dave')).toEqual({ check: 1, outcome: 'fail', since: 3, forS: 0 });
  });

  it('keeps a student’s error since its first round, and their streaks through rounds they could not be graded in', () => {
    const [r1, r2] = classRounds();
    const s2 = fold(2);
    expect(s2.students.find((x) => x.student === 'dave')!.errorSince).toEqual({ round: 1, at: r1!.at });
    // bob's lab stops answering in round 3, then comes back failing the same check: still since round 1.
    const down = structuredClone(r2!);
    down.at = '2026-11-27T14:42:00.000Z';
    const bobDown = down.students.find((x) => x.student === 'bob')!;
    bobDown.error = 'the engine netlab-d2 did not answer';
    bobDown.checks = [];
    const back = structuredClone(r2!);
    back.at = '2026-11-27T14:43:00.000Z';
    let s = watchReducer(s2, { type: 'round', grade: down });
    expect(s.students.find((x) => x.student === 'bob')!.errorSince).toEqual({ round: 3, at: down.at });
    expect(stuck(s, 'bob')).toBeUndefined();
    s = watchReducer(s, { type: 'round', grade: back });
    expect(s.students.find((x) => x.student === 'bob')!.errorSince).toBeUndefined();
    expect(stuck(s, 'bob')).toEqual({ check: 4, outcome: 'fail', since: 1, forS: 180 });
  });

  it('marks a round in flight and a round that could not be graded, keeping the last grid', () => {
    let s = fold(1);
    s = watchReducer(s, { type: 'grading' });
    expect(s.grading).toBe(true);
    s = watchReducer(s, { type: 'failed', error: 'no engine answered', at: '2026-11-27T14:41:00.000Z' });
    expect(s).toMatchObject({ grading: false, round: 1, failure: { error: 'no engine answered' } });
    expect(s.students).toHaveLength(6);
    expect(failureLine(s, false)).toBe('round 2 14:41:00 UTC could not grade the class: no engine answered');
    expect(JSON.parse(failureLine(s, true))).toEqual({ round: 2, at: '2026-11-27T14:41:00.000Z', error: 'no engine answered' });
    s = watchReducer(s, { type: 'round', grade: classRounds()[1]! });
    expect(s.failure).toBeUndefined();
  });
});

describe('the watch lines', () => {
  it('says one round in one line: progress, then who is stuck where since when', () => {
    expect(roundLine(fold(3))).toBe(
      'round 3 14:42:30 UTC pod-to-service (exercise 2): 3/6 full marks, 50/54 points (92%); ' +
        'bob 7/9 stuck on "the translation is in conntrack" (fail) since round 1, 2m30s; ' +
        'dave 8/9 stuck on "client reaches server-0 directly" (fail) since round 3, 0s; ' +
        'erin 8/9 stuck on "CoreDNS answers service-test" (fail) since round 3, 0s',
    );
    expect(roundLine(fold(1))).toContain('dave not graded for 0s (since round 1): lab pod-to-service-dave is not up on netlab-d2');
  });

  it('gives one JSON document per round with every student’s cells and stuck point', () => {
    const doc = JSON.parse(roundJson(fold(2)));
    expect(doc).toMatchObject({
      round: 2,
      class: 'pod-to-service',
      lab: 'pod-to-service',
      exercise: '2',
      score: 42,
      maxScore: 45,
      fullMarks: 4,
      notGraded: 1,
      columns: [...CHECK_NAMES],
    });
    const bob = doc.students.find((s: { student: string }) => s.student === 'bob');
    expect(bob.stuck).toEqual({
      check: 'client reaches service-test by ClusterIP',
      outcome: 'fail',
      sinceRound: 1,
      since: '2026-11-27T14:40:00.000Z',
      forS: 60,
    });
    expect(bob.checks['isolated pod unreachable']).toBe('warning');
    const dave = doc.students.find((s: { student: string }) => s.student === 'dave');
    expect(dave).toMatchObject({ errorSinceRound: 1, errorForS: 60, stuck: null });
    expect(roundJson(fold(2))).not.toContain('\n');
  });

  it('writes ages short', () => {
    expect([ageText(0), ageText(59_999), ageText(150_000), ageText(3_900_000)]).toEqual(['0s', '59s', '2m30s', '1h05m']);
  });
});

describe('the grid layout', () => {
  it('gives each check three columns when they fit, else two, else leaves the last out and says so', () => {
    const names = ['alice', 'bob'];
    const wide = gridLayout(100, names, ['9/9'], 8);
    expect(wide).toMatchObject({ nameWidth: 7, scoreWidth: 5, cellWidth: 3, shown: 8 });
    expect(wide.header).toEqual([' 1  2  3  4  5  6  7  8 ']);
    expect(wide.nameWidth + 1 + wide.scoreWidth + 2 + 8 * 3 + 1 + wide.stuckWidth).toBe(100);
    const narrow = gridLayout(64, names, ['9/9'], 12);
    expect(narrow).toMatchObject({ cellWidth: 2, shown: 12 });
    // Two-digit numbers in two-wide columns: tens over units.
    expect(narrow.header).toEqual(['                  1 1 1 ', '1 2 3 4 5 6 7 8 9 0 1 2 ']);
    const tight = gridLayout(50, names, ['9/9'], 20);
    expect(tight).toMatchObject({ cellWidth: 2, shown: 5 });
    expect(legendLines([...CHECK_NAMES, ...CHECK_NAMES, 'x', 'y', 'z', 'w'], 5, 49).at(-1)).toBe('+15 more checks not shown: a wider terminal shows them');
    expect(cellText('✔', 3)).toBe(' ✔ ');
  });

  it('wraps the legend to the width', () => {
    const lines = legendLines([...CHECK_NAMES], 8, 80);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.join('  ')).toBe(CHECK_NAMES.map((n, i) => `${i + 1} ${n}`).join('  '));
  });
});

describe('runRounds', () => {
  it('grades, rests, grades again, never two at once; a failed round is told and the loop goes on', async () => {
    const grades = classRounds();
    let inFlight = 0;
    let most = 0;
    let n = 0;
    const grade = vi.fn(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(5);
      inFlight--;
      if (n++ === 1) throw new Error('engine gone');
      return grades[n - 1]!;
    });
    const actions: WatchAction['type'][] = [];
    const rounds = runRounds(grade, 10, (a) => actions.push(a.type), { limit: 3 });
    await rounds.done;
    expect(actions).toEqual(['grading', 'round', 'grading', 'failed', 'grading', 'round']);
    expect(most).toBe(1);
  });

  it('starts a round every interval, counting the time the last one took', async () => {
    vi.useFakeTimers();
    try {
      const starts: number[] = [];
      const grade = vi.fn(async () => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 3_000));
        return classRounds()[0]!;
      });
      const t0 = Date.now();
      const rounds = runRounds(grade, 10_000, () => {}, { limit: 3 });
      await vi.advanceTimersByTimeAsync(30_000);
      await rounds.done;
      expect(starts.map((t) => t - t0)).toEqual([0, 10_000, 20_000]);
      // Grading slower than the interval: the next round starts when the last one ends.
      starts.length = 0;
      const slow = runRounds(grade, 2_000, () => {}, { limit: 2 });
      await vi.advanceTimersByTimeAsync(10_000);
      await slow.done;
      expect(starts[1]! - starts[0]!).toBe(3_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops at once, between rounds or during one', async () => {
    let release: () => void = () => {};
    const grade = vi.fn(() => new Promise<never>((r) => (release = r as () => void)));
    const actions: string[] = [];
    const rounds = runRounds(grade, 10_000, (a) => actions.push(a.type));
    await tick();
    rounds.stop();
    await rounds.done;
    release();
    await tick();
    expect(actions).toEqual(['grading']);
    expect(grade).toHaveBeenCalledTimes(1);
  });
});

describe('ClassWatch', () => {
  const row = (f: string, name: string) => f.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

  it('regrades every interval: the grid, the scores, where each is stuck and since when, the progress', async () => {
    const grades = classRounds();
    // Each round after the first waits for the test to let it finish: no round passes unseen.
    const gates: (() => void)[] = [];
    const grade = vi.fn(async () => {
      const n = grade.mock.calls.length - 1;
      if (n > 0) await new Promise<void>((r) => gates.push(r));
      return grades[n]!;
    });
    const finishRound = async (n: number) => {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThanOrEqual(n - 1));
      gates[n - 2]!();
    };
    const { lastFrame } = render(<ClassWatch grade={grade} intervalMs={30} width={100} height={40} />);
    let f = await untilFrame(lastFrame, (x) => x.includes('round 1 ·'));
    expect(f).toContain('netlab class watch  pod-to-service (exercise 2)');
    expect(f).toContain('round 1 · 14:40:00 UTC · every 0s · 2/6 full marks, 35/45 points (77%), 1 not graded');
    expect(f).toMatch(/^student +score {2} 1 {2}2 {2}3 {2}4 {2}5 {2}6 {2}7 {2}8 {2}stuck on$/m);
    expect(row(f, 'alice')).toMatch(/^alice +9\/9 {2}( ✔ ){8} all passed$/);
    // The check's name is cut to leave room for since when.
    expect(row(f, 'bob')).toBe('bob       6/9   ✔  ✔  ✔  ✖  ✔  ✖  ✔  !  ✖ 4 client reaches service-test by Cl… · since round 1 (0s)');
    expect(row(f, 'carol')).toContain(' ✔  ✔  ✖  ✔  ⊘  ✔  ✔  ✔  ✖ 3 CoreDNS answers service-test · since round 1 (0s)');
    expect(row(f, 'dave')).toMatch(/^dave +– {2}not graded since round 1 \(0s\): lab pod-to-service-dave is not up/);
    expect(f).toMatch(/^passed {10}5 {2}5 {2}3 {2}4 {2}3 {2}4 {2}4 {2}4\s*$/m);
    expect(f).toContain('1 client reaches server-0 directly  2 client reaches server-1 across nodes');
    expect(f).toContain('q quit');
    await finishRound(2);
    f = await untilFrame(lastFrame, (x) => x.includes('round 2 ·'));
    expect(row(f, 'carol')).toContain('all passed');
    expect(row(f, 'bob')).toContain('since round 1 (1m00s)');
    await finishRound(3);
    // Round 4 starts 30 ms later and is held: the header says it is in flight.
    f = await untilFrame(lastFrame, (x) => x.includes('round 3 ·') && x.includes('grading round 4…'));
    expect(row(f, 'bob')).toContain('✖ 6 the translation is in conntrack · since round 1 (2m30s)');
    expect(row(f, 'erin')).toContain('✖ 3 CoreDNS answers service-test · since round 3 (0s)');
    expect(row(f, 'carol')).toContain('all passed');
    // Every line fits the terminal.
    expect(Math.max(...f.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(100);
  });

  it('fits a narrow terminal: two-wide cells, names and stuck text cut', async () => {
    const { lastFrame } = render(<ClassWatch grade={async () => classRounds()[0]!} intervalMs={60_000} width={56} height={40} />);
    const f = await untilFrame(lastFrame, (x) => x.includes('round 1 ·'));
    // Seven of the eight checks fit; the legend says the eighth is left out.
    expect(row(f, 'bob')).toBe('bob       6/9  ✔ ✔ ✔ ✖ ✔ ✖ ✔  ✖ 4 client reach… · r1 0s');
    expect(f).toContain('+1 more check not shown: a wider terminal shows them');
    expect(Math.max(...f.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(56);
  });

  it('shows the last grid when a round fails, and says so', async () => {
    let n = 0;
    const grade = vi.fn(async () => {
      if (n++ === 0) return classRounds()[0]!;
      throw new Error('no engine answered');
    });
    const { lastFrame } = render(<ClassWatch grade={grade} intervalMs={20} width={130} height={40} />);
    const f = await untilFrame(lastFrame, (x) => x.includes('could not grade'));
    expect(f).toContain('round 2 at');
    expect(f).toContain('could not grade the class: no engine answered (trying again)');
    expect(row(f, 'bob')).toContain('✖ 4 client reaches service-test by ClusterIP');
  });

  it('scrolls a class taller than the terminal', async () => {
    const big = classRounds()[0]!;
    big.students = Array.from({ length: 30 }, (_, i) => ({ ...big.students[0]!, student: `student${i + 1}` }));
    const { lastFrame, stdin } = render(<ClassWatch grade={async () => big} intervalMs={60_000} width={100} height={24} />);
    let f = await untilFrame(lastFrame, (x) => x.includes('round 1 ·'));
    expect(row(f, 'student1')).not.toBe('');
    expect(f).toMatch(/0 above, \d+ below: ↑\/↓ scroll/);
    expect(f.split('\n').length).toBeLessThanOrEqual(24);
    stdin.write(PAGE_DOWN);
    f = await untilFrame(lastFrame, (x) => x.includes('11 above, 8 below'));
    expect(row(f, 'student1')).toBe('');
    expect(row(f, 'student12')).not.toBe('');
    stdin.write(PAGE_DOWN); // stops at the last page
    f = await untilFrame(lastFrame, (x) => x.includes('19 above, 0 below'));
    expect(row(f, 'student30')).not.toBe('');
    stdin.write('k');
    await untilFrame(lastFrame, (x) => x.includes('18 above, 1 below'));
  });

  it('q quits', async () => {
    const onExit = vi.fn();
    const { stdin } = render(<ClassWatch grade={async () => classRounds()[0]!} intervalMs={60_000} onExit={onExit} width={100} height={40} />);
    await tick();
    stdin.write('q');
    await tick();
    expect(onExit).toHaveBeenCalledTimes(1);
  });
});
