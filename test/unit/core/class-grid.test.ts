import { describe, expect, it } from 'vitest';
import { byName, checkColumns, classTotals, columnTallies, firstFailing, outcomeOf, percent } from '../../../src/core/class-grid.js';
import type { CheckResult } from '../../../src/core/events.js';
import { classGrade } from '../../helpers/class-fixtures.js';

const check = (name: string, more: Partial<CheckResult> = {}): CheckResult => ({
  name,
  from: 'a',
  to: 'b',
  expect: 'reachable',
  ok: true,
  ms: 1,
  detail: '',
  ...more,
});

describe('the class grid', () => {
  it('sorts students by name, numbers as numbers, case aside', () => {
    const names = ['student10', 'Bob', 'student2', 'alice', 'bob'].map((student) => ({ student }));
    expect(byName(names).map((s) => s.student)).toEqual(['alice', 'Bob', 'bob', 'student2', 'student10']);
  });

  it('tells a cell’s outcome: passed, failed, blocked (either level), warning', () => {
    expect(outcomeOf(check('x'))).toBe('pass');
    expect(outcomeOf(check('x', { ok: false }))).toBe('fail');
    expect(outcomeOf(check('x', { ok: false, level: 'warning' }))).toBe('warning');
    expect(outcomeOf(check('x', { ok: false, level: 'warning', blockedBy: 'y' }))).toBe('blocked');
  });

  it('orders columns as the first student has them, then the others’ new ones', () => {
    const cols = checkColumns([{ checks: [] }, { checks: [check('b'), check('a')] }, { checks: [check('a'), check('c'), check('b')] }]);
    expect(cols).toEqual(['b', 'a', 'c']);
  });

  it('finds the check a student is stuck on: a failure before a warning before a blocked one', () => {
    const checks = [check('1'), check('2', { ok: false, blockedBy: '9' }), check('3', { ok: false, level: 'warning' }), check('4', { ok: false })];
    expect(firstFailing(checks)?.name).toBe('4');
    expect(firstFailing(checks.slice(0, 3))?.name).toBe('3');
    expect(firstFailing(checks.slice(0, 2))?.name).toBe('2');
    expect(firstFailing(checks.slice(0, 1))).toBeUndefined();
  });

  it('totals the graded students and tallies each column', () => {
    const g = classGrade();
    expect(classTotals(g.students)).toEqual({ score: 35, maxScore: 45, graded: 5, fullMarks: 2, errors: 1 });
    const tallies = columnTallies(g.students, checkColumns(g.students));
    expect(tallies[4]).toEqual({ name: 'client reaches service-test by name', pass: 3, fail: 0, blocked: 2, warning: 0, missing: 0, graded: 5 });
    expect(tallies[7]).toMatchObject({ pass: 4, warning: 1, graded: 5 });
    const missing = columnTallies([{ checks: [check('a')] }, { checks: [] }], ['a']);
    expect(missing[0]).toMatchObject({ pass: 1, missing: 1, graded: 1 });
  });

  it('writes a percentage rounded down, and none of nothing', () => {
    expect(percent(199, 200)).toBe('99%');
    expect(percent(2, 2)).toBe('100%');
    expect(percent(0, 0)).toBe('–');
  });
});
