// Three grading rounds of the fixture class, a minute apart, as students work:
// round 2: carol fixes DNS; erin fixes her NodePort; dave is still not up.
// round 3: bob fixes the ClusterIP (his conntrack check still fails); erin's DNS passed in
// round 2 and fails again; dave's lab is up, one check failing.
import type { ClassGrade, StudentGrade } from '../../src/checks/class-grade.js';
import { classGrade } from './class-fixtures.js';

function pass(s: StudentGrade, ...indexes: number[]): void {
  for (const i of indexes) {
    const c = s.checks[i]!;
    s.checks[i] = { ...c, ok: true, detail: 'HTTP 200' };
    delete s.checks[i]!.blockedBy;
    delete s.checks[i]!.diagnosis;
  }
  s.score = s.checks.filter((c) => c.ok).reduce((t, c) => t + (c.points ?? 1), 0);
}

function fail(s: StudentGrade, i: number, detail = 'timed out'): void {
  s.checks[i] = { ...s.checks[i]!, ok: false, detail };
  s.score = s.checks.filter((c) => c.ok).reduce((t, c) => t + (c.points ?? 1), 0);
}

const who = (g: ClassGrade, name: string) => g.students.find((s) => s.student === name)!;

export function classRounds(): ClassGrade[] {
  const r1 = classGrade();
  r1.at = '2026-11-27T14:40:00.000Z';
  const r2 = classGrade();
  r2.at = '2026-11-27T14:41:00.000Z';
  pass(who(r2, 'carol'), 2, 4);
  pass(who(r2, 'erin'), 2, 4, 6);
  const r3 = structuredClone(r2);
  r3.at = '2026-11-27T14:42:30.000Z';
  pass(who(r3, 'bob'), 3);
  fail(who(r3, 'erin'), 2, 'NXDOMAIN');
  const alice = who(r3, 'alice');
  const dave = who(r3, 'dave');
  delete dave.error;
  dave.checks = structuredClone(alice.checks);
  dave.maxScore = alice.maxScore;
  fail(dave, 0, 'no route to host');
  return [r1, r2, r3];
}
