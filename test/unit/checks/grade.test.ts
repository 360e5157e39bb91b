import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { classroomResult, formatClassroom, formatGradescope, formatJson, formatJunit, formatTap, formatText, xmlEscape } from '../../../src/checks/formats.js';
import { findExercise, gradeExitCode, gradeOf } from '../../../src/checks/grade.js';
import type { CheckResult } from '../../../src/core/events.js';
import type { ExerciseSpec, Lab } from '../../../src/labfile/model.js';

function result(name: string, ok: boolean, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    name,
    from: 'client',
    to: 'service-test:80',
    expect: 'reachable',
    ok,
    ms: 120,
    detail: ok ? 'HTTP 200 Hello' : 'connection refused',
    level: 'error',
    points: 1,
    attempts: 1,
    ...extra,
  };
}

const pass = result('reaches the service', true, { points: 2, message: 'the service answers' });
const fail = result('DNS <answers> & "resolves"', false, { message: 'no DNS', hint: "check CoreDNS's pod" });
const warn = result('spread over pods', false, { level: 'warning', detail: '20/20 answered by 1 pod(s)' });
const blocked = result('hairpin # by name', false, { blockedBy: 'DNS <answers> & "resolves"', detail: 'blocked by "DNS <answers> & "resolves""', attempts: 0 });

describe('grade', () => {
  it('weighs points and counts outcomes', () => {
    const g = gradeOf('pts', [pass, fail, warn, blocked], 'wrong-selector');
    expect(g).toMatchObject({ lab: 'pts', exercise: 'wrong-selector', score: 2, maxScore: 5, passed: 1, failed: 1, warnings: 1, blocked: 1 });
    expect(g.checks).toHaveLength(4);
    expect('exercise' in gradeOf('pts', [pass])).toBe(false);
  });

  it('exit codes as ipspace/netlab validate', () => {
    expect(gradeExitCode(gradeOf('l', [pass]))).toBe(0);
    expect(gradeExitCode(gradeOf('l', [pass, fail]))).toBe(1);
    expect(gradeExitCode(gradeOf('l', [pass, warn, fail]))).toBe(1);
    // A blocked error-level check fails the grade too.
    expect(gradeExitCode(gradeOf('l', [pass, blocked]))).toBe(1);
    expect(gradeExitCode(gradeOf('l', []))).toBe(2);
    expect(gradeExitCode(gradeOf('l', [pass, warn]))).toBe(3);
    expect(gradeExitCode(gradeOf('l', [pass, { ...blocked, level: 'warning' }]))).toBe(3);
  });

  it('defaults level to error and points to 1 for results without them', () => {
    const bare: CheckResult = { name: 'x', from: 'a', to: 'b', expect: 'reachable', ok: false, ms: 1, detail: 'd' };
    const g = gradeOf('l', [bare, { ...bare, name: 'y', ok: true }]);
    expect(g).toMatchObject({ score: 1, maxScore: 2, failed: 1 });
    expect(gradeExitCode(g)).toBe(1);
  });
});

describe('findExercise', () => {
  const ex = (id: string) => ({ id, checks: [id] }) as unknown as ExerciseSpec;
  const lab = { name: 'pts', exercises: [ex('wrong-selector'), ex('no-route')] } as unknown as Lab;
  it('by number from 1 or by id', () => {
    expect(findExercise(lab, '2')).toMatchObject({ number: 2, exercise: { id: 'no-route' } });
    expect(findExercise(lab, 'wrong-selector')).toMatchObject({ number: 1 });
  });
  it('an unknown one lists the exercises', () => {
    expect(() => findExercise(lab, '3')).toThrow(/no exercise "3"/);
    try {
      findExercise(lab, 'nope');
    } catch (err) {
      expect((err as { hint: string }).hint).toBe('Its exercises: 1 wrong-selector, 2 no-route.');
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    expect(() => findExercise({ name: 'x', exercises: [] } as unknown as Lab, '1')).toThrow(/no exercise/);
  });
});

describe('text', () => {
  it('one line per check, then the score', () => {
    const lines = formatText(gradeOf('pts', [pass, fail, warn, blocked]))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('PASS      2/2  reaches the service  the service answers (HTTP 200 Hello)');
    expect(lines[1]).toBe(`FAIL      0/1  DNS <answers> & "resolves"  no DNS (connection refused)  hint: check CoreDNS's pod`);
    expect(lines[2]).toMatch(/^WARN {6}0\/1 {2}spread over pods {2}20\/20 answered/);
    expect(lines[3]).toMatch(/^BLOCKED {3}0\/1 {2}hairpin # by name {2}blocked by/);
    expect(lines[4]).toBe('score 2/5  1 passed, 1 failed, 1 warning(s), 1 blocked  (pts)');
  });
});

describe('json', () => {
  it('is the grade', () => {
    const g = gradeOf('pts', [pass, blocked], '1');
    expect(JSON.parse(formatJson(g))).toEqual(g);
  });
});

describe('junit', () => {
  const xml = formatJunit(gradeOf('pts', [pass, fail, warn, blocked]), { elapsedMs: 1500 });

  it('testsuites > testsuite > testcase, failures counted, blocked as a failure', () => {
    expect(xml).toContain('<testsuites name="netlab" tests="4" failures="3" errors="0" time="1.500">');
    expect(xml).toContain('<testsuite name="pts" tests="4" failures="3" errors="0" skipped="0" time="1.500">');
    expect(xml).toContain('<testcase name="reaches the service" classname="pts" time="0.120"/>');
    expect(xml).toContain('<failure message="blocked by &quot;DNS &lt;answers&gt; &amp; &quot;resolves&quot;&quot;" type="blocked">');
    expect(xml).toContain('type="warning"');
    expect(xml).not.toContain('<skipped');
  });

  it('parses (python3 xml.etree, when there is one)', () => {
    let python = true;
    try {
      execFileSync('python3', ['-c', 'pass']);
    } catch {
      python = false;
    }
    if (!python) return;
    const out = execFileSync(
      'python3',
      [
        '-c',
        `import sys, xml.etree.ElementTree as ET
r = ET.fromstring(sys.stdin.read())
s = r.find('testsuite')
print(len(s.findall('testcase')), len(s.findall('testcase/failure')), s.find('testcase/failure').get('message'))`,
      ],
      { input: xml },
    ).toString();
    expect(out.trim()).toBe('4 3 no DNS: connection refused');
  });

  it('escapes XML and drops characters XML cannot carry', () => {
    expect(xmlEscape(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    expect(xmlEscape('x\u0000y\u001bz\ud800')).toBe('xyz');
    expect(xmlEscape('multi\nline\ttab', true)).toBe('multi&#10;line&#9;tab');
    expect(xmlEscape('emoji 😀 kept')).toBe('emoji 😀 kept');
  });

  it('all passed: failures="0"', () => {
    expect(formatJunit(gradeOf('pts', [pass]))).toContain('failures="0"');
  });
});

describe('tap 14', () => {
  const tap = formatTap(gradeOf('pts', [pass, fail, warn, blocked]));
  const lines = tap.split('\n');

  it('version, plan, test points, escaped descriptions', () => {
    expect(lines[0]).toBe('TAP version 14');
    expect(lines[1]).toBe('1..4');
    expect(lines[2]).toBe('ok 1 - reaches the service');
    expect(lines[3]).toBe('not ok 2 - DNS <answers> & "resolves"');
    expect(tap).toContain('not ok 3 - spread over pods # TODO warning-level check');
    expect(tap).toContain('not ok 4 - hairpin \\# by name');
  });

  it('a YAML diagnostic block after each failure', () => {
    const start = lines.indexOf('  ---', 3);
    const end = lines.indexOf('  ...', start);
    expect(start).toBe(4);
    const diag = parseYaml(
      lines
        .slice(start + 1, end)
        .map((l) => l.slice(2))
        .join('\n'),
    ) as Record<string, unknown>;
    expect(diag).toMatchObject({ message: 'no DNS: connection refused', severity: 'fail', hint: "check CoreDNS's pod", points: 1 });
    const blockedDiag = tap.slice(tap.indexOf('not ok 4'));
    expect(blockedDiag).toContain('  message: "blocked by \\"DNS <answers> & \\"resolves\\"\\""');
    expect(blockedDiag).toContain('  severity: "blocked"');
  });

  it('all passed: no not ok', () => {
    const ok = formatTap(gradeOf('pts', [pass, pass]));
    expect(ok).toBe('TAP version 14\n1..2\nok 1 - reaches the service\nok 2 - reaches the service\n');
  });
});

describe('github classroom', () => {
  it('base64 of the result JSON the reporter reads', () => {
    const g = gradeOf('pts', [pass, fail]);
    const decoded = JSON.parse(Buffer.from(formatClassroom(g), 'base64').toString('utf8'));
    expect(decoded).toEqual(classroomResult(g));
    expect(decoded).toMatchObject({ version: 1, status: 'fail', max_score: 3 });
    expect(decoded.tests[0]).toEqual({
      name: 'reaches the service',
      status: 'pass',
      message: 'the service answers',
      test_code: 'client -> service-test:80',
      filename: '',
      line_no: 0,
      execution_time: '0.120s',
      duration: 120,
      score: 2,
    });
    expect(decoded.tests[1]).toMatchObject({ status: 'fail', score: 0, message: "no DNS: connection refused (hint: check CoreDNS's pod)" });
    expect(formatClassroom(g)).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('status: pass when only warnings failed, error when nothing was graded', () => {
    expect(classroomResult(gradeOf('l', [pass, warn])).status).toBe('pass');
    expect(classroomResult(gradeOf('l', [pass, blocked])).status).toBe('fail');
    expect(classroomResult(gradeOf('l', []))).toEqual({ version: 1, status: 'error', max_score: 0, tests: [] });
  });
});

describe("Gradescope's results.json", () => {
  it('one test per check with its points; the score and the seconds of the run', () => {
    const r = JSON.parse(formatGradescope(gradeOf('pts', [pass, fail, warn, blocked], 'x'), { elapsedMs: 2600 }));
    expect(r).toMatchObject({ score: 2, execution_time: 3, output: '1 passed, 1 failed, 1 warning(s), 1 blocked (pts, exercise x)' });
    expect(r.tests.map((t: { name: string; score: number; max_score: number; status: string }) => [t.name, t.score, t.max_score, t.status])).toEqual([
      ['reaches the service', 2, 2, 'passed'],
      ['DNS <answers> & "resolves"', 0, 1, 'failed'],
      ['spread over pods', 0, 1, 'failed'],
      ['hairpin # by name', 0, 1, 'failed'],
    ]);
    expect(r.tests[1].output).toContain("hint: check CoreDNS's pod");
    expect(r.tests[3].output).toContain('blocked by');
  });

  it('names an instructor check file in every text format that has room for it', () => {
    const g = gradeOf('pts', [pass], undefined, { path: '/course/checks.yaml', sha256: 'ab'.repeat(32) });
    expect(formatText(g)).toContain(`checks from /course/checks.yaml (sha256 ${'ab'.repeat(32)})`);
    expect(formatTap(g)).toContain('# checks from /course/checks.yaml');
    expect(JSON.parse(formatJson(g)).checkFile).toEqual({ path: '/course/checks.yaml', sha256: 'ab'.repeat(32) });
  });
});
