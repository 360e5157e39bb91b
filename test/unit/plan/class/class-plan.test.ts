import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../../../src/core/errors.js';
import { extraLabelsOf, LABEL_CLASS, LABEL_LAB, LABEL_STUDENT } from '../../../../src/core/labels.js';
import { capacityProblems, MEMORY_PER_CONTAINER_BYTES, roomVerdicts, type EngineRoom } from '../../../../src/plan/class/capacity.js';
import { parseRoster } from '../../../../src/plan/class/roster.js';
import { spreadStudents } from '../../../../src/plan/class/spread.js';
import { assignUnderlays } from '../../../../src/plan/class/underlays.js';
import { planLab } from '../../../../src/plan/plan.js';
import { allContainers } from '../../../../src/plan/types.js';
import { images, pod, twoNodeLab } from '../../../helpers/plan-fixtures.js';

function rosterError(text: string, className = 'pod-to-pod'): LabFileError {
  try {
    parseRoster(text, '/r/roster.txt', className);
  } catch (err) {
    if (err instanceof LabFileError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('roster', () => {
  it('one name a line; comments and blank lines are skipped; lines are kept', () => {
    expect(parseRoster('# class of 2026\n\nalice\n  bob   # late joiner\r\ncarol-2\n', 'r', 'pod-to-pod')).toEqual([
      { name: 'alice', line: 3 },
      { name: 'bob', line: 4 },
      { name: 'carol-2', line: 5 },
    ]);
  });

  it('a bad name is an error naming the file, the line, the column and the fix', () => {
    const err = rosterError('alice\n  Bob_Smith\n');
    expect(err.problems).toEqual([
      expect.objectContaining({ at: { file: '/r/roster.txt', line: 2, column: 3 }, message: expect.stringContaining('"Bob_Smith" is not a valid name') }),
    ]);
    expect(err.problems[0]!.hint).toContain('bob-smith');
    expect(err.message).toMatch(/^\/r\/roster\.txt:2:3: /);
  });

  it('a name that makes <class>-<student> longer than a lab name may be is refused, with the room left', () => {
    const err = rosterError('a-very-long-student-name\n');
    expect(err.problems[0]!.message).toContain('longer than 19 characters');
    expect(err.problems[0]!.message).toContain('pod-to-pod-<student>');
  });

  it('two names on a line, duplicates and an empty roster are errors', () => {
    expect(rosterError('alice bob\n').problems[0]!.message).toContain('not one name');
    const dup = rosterError('alice\nbob\nalice\n').problems;
    expect(dup).toEqual([expect.objectContaining({ at: expect.objectContaining({ line: 3 }), message: 'student alice is listed twice (first on line 1)' })]);
    expect(rosterError('# nobody\n\n').problems[0]!.message).toBe('the roster lists no student');
  });

  it('every problem is reported at once', () => {
    expect(rosterError('-x\nok\nok\nY\n').problems.map((p) => p.at.line)).toEqual([1, 3, 4]);
  });
});

describe('spread over contexts', () => {
  const six = ['s1', 's2', 's3', 's4', 's5', 's6'];
  it('round-robin in the order given', () => {
    expect([...spreadStudents(six, ['default', 'd2', 'ssh']).values()]).toEqual(['default', 'd2', 'ssh', 'default', 'd2', 'ssh']);
  });
  it('a student already up keeps their context; the others even it out', () => {
    const current = new Map([
      ['s1', 'ssh'],
      ['s2', 'ssh'],
    ]);
    const placed = spreadStudents(six, ['default', 'd2', 'ssh'], current);
    expect(placed.get('s1')).toBe('ssh');
    expect(placed.get('s2')).toBe('ssh');
    const count = (c: string) => [...placed.values()].filter((x) => x === c).length;
    expect([count('default'), count('d2'), count('ssh')]).toEqual([2, 2, 2]);
  });
  it('is deterministic', () => {
    expect(spreadStudents(six, ['a', 'b'])).toEqual(spreadStudents(six, ['a', 'b']));
  });
});

describe('underlays', () => {
  it('each student a distinct /24 clear of every taken block; running students keep theirs', () => {
    const got = assignUnderlays(['a', 'b', 'c'], new Map([['b', '10.251.0.0/24']]), ['10.251.1.0/24', '10.0.0.0/16']);
    expect(got).toEqual(
      new Map([
        ['a', '10.251.2.0/24'],
        ['b', '10.251.0.0/24'],
        ['c', '10.251.3.0/24'],
      ]),
    );
  });
});

describe('capacity', () => {
  const room = (over: Partial<EngineRoom>): EngineRoom => ({
    name: 'host-a',
    contexts: ['default'],
    memTotalBytes: 1024 ** 3,
    netlabContainers: 0,
    newLabs: 1,
    ...over,
  });
  it('a roster that fits has no problem', () => {
    expect(capacityProblems([room({ newLabs: 20 })], 9, 'pod-to-pod')).toEqual([]);
  });
  it('an engine overfilled is named with the labs, the memory each and what is free', () => {
    // 1 GiB * 0.8 = 819 MiB usable, less 10 containers (40 MiB) = 779 MiB; a lab 9 * 4 = 36 MiB: 21 fit.
    const problems = capacityProblems(
      [room({ newLabs: 30, netlabContainers: 10, contexts: ['default', 'netlab-ssh'] }), room({ name: 'b', newLabs: 1 })],
      9,
      'pod-to-pod',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      'engine host-a (context default, netlab-ssh): 30 lab(s) of pod-to-pod need 1.1 GiB (9 containers, 36 MiB each lab); 779 MiB is free for labs there (80% of 1.0 GiB, less 10 netlab container(s) running)',
    );
    expect(problems[0]!.hint).toContain('21 lab(s) fit there');
  });
  it('counts only the labs still to start', () => {
    const [v] = roomVerdicts([room({ newLabs: 0 })], 9);
    expect(v!.needBytes).toBe(0);
    expect(MEMORY_PER_CONTAINER_BYTES).toBe(4 * 1024 * 1024);
  });
});

describe('class labels', () => {
  it('every object of a student lab carries the class labels beside its own', () => {
    const lab = { ...twoNodeLab([pod('web')]), labels: { [LABEL_CLASS]: 'k8s', [LABEL_STUDENT]: 'alice' } };
    const plan = planLab(lab, { images, underlay: '10.251.4.0/24' });
    for (const c of allContainers(plan)) {
      expect(c.create.Labels).toMatchObject({ [LABEL_CLASS]: 'k8s', [LABEL_STUDENT]: 'alice', [LABEL_LAB]: lab.name });
    }
    expect(plan.network.labels).toMatchObject({ [LABEL_CLASS]: 'k8s', [LABEL_STUDENT]: 'alice', [LABEL_LAB]: lab.name });
  });
  it('extra labels cannot replace the lab own', () => {
    const lab = { ...twoNodeLab([pod('web')]), labels: { [LABEL_LAB]: 'other' } };
    expect(planLab(lab, { images, underlay: '10.251.4.0/24' }).network.labels[LABEL_LAB]).toBe(lab.name);
  });
  it('extraLabelsOf picks the class labels only', () => {
    expect(extraLabelsOf({ [LABEL_LAB]: 'x', [LABEL_CLASS]: 'k8s' })).toEqual({ [LABEL_CLASS]: 'k8s' });
    expect(extraLabelsOf({ [LABEL_LAB]: 'x' })).toBeUndefined();
  });
});
