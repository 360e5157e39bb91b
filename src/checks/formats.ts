// A grade, printed: plain text, JSON, JUnit XML, TAP 14 and GitHub Classroom's autograding
// result (base64 JSON, as the classroom graders set their `result` output and
// education/autograding-grading-reporter reads it). Pure: no I/O here.
import type { CheckResult } from '../core/events.js';
import { oneLine } from '../core/text.js';
import { gradeExitCode, levelOf, pointsOf, type Grade } from './grade.js';

/** What a check's line says: the lab's message when it has one, and what was observed. */
function said(r: CheckResult): string {
  const detail = oneLine(r.detail);
  return r.message !== undefined && !r.blockedBy ? `${oneLine(r.message)} (${detail})` : detail;
}

function tag(r: CheckResult): string {
  if (r.ok) return 'PASS';
  if (r.blockedBy !== undefined) return 'BLOCKED';
  return levelOf(r) === 'warning' ? 'WARN' : 'FAIL';
}

/** One line per check, then `score S/M` and the counts. */
export function formatText(g: Grade): string {
  const lines = g.checks.map((r) => {
    const pts = `${r.ok ? pointsOf(r) : 0}/${pointsOf(r)}`;
    const hint = !r.ok && r.hint ? `  hint: ${oneLine(r.hint)}` : '';
    return `${tag(r).padEnd(7)} ${pts.padStart(5)}  ${r.name}  ${said(r)}${hint}`;
  });
  lines.push(
    `score ${g.score}/${g.maxScore}  ${g.passed} passed, ${g.failed} failed, ${g.warnings} warning(s), ${g.blocked} blocked` +
      `  (${g.lab}${g.exercise !== undefined ? `, exercise ${g.exercise}` : ''})`,
  );
  if (g.checkFile) lines.push(`checks from ${g.checkFile.path} (sha256 ${g.checkFile.sha256})`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(g: Grade): string {
  return `${JSON.stringify(g, null, 2)}\n`;
}

/** XML 1.0 text: the five entities escaped, characters XML cannot carry dropped. */
export function xmlEscape(s: string, attribute = false): string {
  // Only characters XML 1.0 allows (a lone surrogate half is dropped too: the `u` flag sees it as one).
  const cleaned = s.replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
  const out = cleaned.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return attribute ? out.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : out;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Why a check failed, in one line (JUnit failure message, TAP and classroom messages). */
function failureMessage(r: CheckResult): string {
  if (r.blockedBy !== undefined) return `blocked by "${r.blockedBy}"`;
  return oneLine(r.message !== undefined ? `${r.message}: ${r.detail}` : r.detail);
}

/**
 * JUnit XML: testsuites > testsuite (name = the lab) > testcase (classname = the lab), a
 * <failure> for every check that did not pass (type error, warning or blocked).
 */
export function formatJunit(g: Grade, options: { elapsedMs?: number } = {}): string {
  const ms = options.elapsedMs ?? g.checks.reduce((t, r) => t + r.ms, 0);
  const failures = g.checks.filter((r) => !r.ok).length;
  const suiteName = g.exercise !== undefined ? `${g.lab} (exercise ${g.exercise})` : g.lab;
  const a = (s: string) => xmlEscape(s, true);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netlab" tests="${g.checks.length}" failures="${failures}" errors="0" time="${seconds(ms)}">`,
    `  <testsuite name="${a(suiteName)}" tests="${g.checks.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(ms)}">`,
    '    <properties>',
    `      <property name="score" value="${g.score}"/>`,
    `      <property name="maxScore" value="${g.maxScore}"/>`,
    '    </properties>',
  ];
  for (const r of g.checks) {
    const open = `    <testcase name="${a(r.name)}" classname="${a(g.lab)}" time="${seconds(r.ms)}"`;
    if (r.ok) {
      out.push(`${open}/>`);
      continue;
    }
    const type = r.blockedBy !== undefined ? 'blocked' : levelOf(r);
    const body = [
      `${r.from} -> ${r.to || '-'} (expect ${r.expect})`,
      r.detail,
      ...(r.hint ? [`hint: ${r.hint}`] : []),
      ...(r.diagnosis ? [`diagnosis: ${r.diagnosis}`] : []),
    ].join('\n');
    out.push(`${open}>`, `      <failure message="${a(failureMessage(r))}" type="${type}">${xmlEscape(body)}</failure>`, '    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

/** A TAP description: `#` starts a directive and `\` escapes, so both are escaped. */
function tapDescription(s: string): string {
  return oneLine(s).replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

/** A YAML scalar: JSON strings are valid YAML double-quoted scalars. */
const yamlString = (s: string) => JSON.stringify(s);

/**
 * TAP 14: the plan first, one test point per check; a failed one carries a YAML diagnostic
 * block. A warning-level failure is `not ok ... # TODO` (reported, not failing the run).
 */
export function formatTap(g: Grade): string {
  const out = ['TAP version 14', `1..${g.checks.length}`];
  if (g.checkFile) out.push(`# checks from ${g.checkFile.path} (sha256 ${g.checkFile.sha256})`);
  g.checks.forEach((r, i) => {
    const n = i + 1;
    if (r.ok) {
      out.push(`ok ${n} - ${tapDescription(r.name)}`);
      return;
    }
    const todo = levelOf(r) === 'warning' ? ' # TODO warning-level check' : '';
    out.push(`not ok ${n} - ${tapDescription(r.name)}${todo}`);
    const diag: [string, string | number][] = [
      ['message', failureMessage(r)],
      ['severity', r.blockedBy !== undefined ? 'blocked' : levelOf(r) === 'warning' ? 'todo' : 'fail'],
      ['from', r.from],
      ['to', r.to],
      ['expect', r.expect],
      ['detail', r.detail],
    ];
    if (r.blockedBy !== undefined) diag.push(['blockedBy', r.blockedBy]);
    if (r.hint) diag.push(['hint', r.hint]);
    if (r.diagnosis) diag.push(['diagnosis', r.diagnosis]);
    if (r.attempts !== undefined) diag.push(['attempts', r.attempts]);
    diag.push(['points', pointsOf(r)], ['duration_ms', r.ms]);
    out.push('  ---', ...diag.map(([k, v]) => `  ${k}: ${typeof v === 'number' ? v : yamlString(v)}`), '  ...');
  });
  return `${out.join('\n')}\n`;
}

export type ClassroomStatus = 'pass' | 'fail' | 'error';

export interface ClassroomTest {
  name: string;
  status: ClassroomStatus;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  /** As the classroom graders write it ("0.123s"). */
  execution_time: string;
  duration: number;
  score: number;
}

export interface ClassroomResult {
  version: 1;
  status: ClassroomStatus;
  max_score: number;
  tests: ClassroomTest[];
}

/**
 * GitHub Classroom's result object: `status` fail when an error-level check failed (the
 * reporter then fails the run), error when there was nothing to grade, else pass (also when
 * only warnings failed). Each check is a test; its score the points it earned.
 */
export function classroomResult(g: Grade): ClassroomResult {
  const code = gradeExitCode(g);
  return {
    version: 1,
    status: code === 2 ? 'error' : code === 1 ? 'fail' : 'pass',
    max_score: g.maxScore,
    tests: g.checks.map((r) => ({
      name: r.name,
      status: r.ok ? 'pass' : 'fail',
      message: r.ok ? oneLine(r.message ?? r.detail) : `${failureMessage(r)}${r.hint ? ` (hint: ${oneLine(r.hint)})` : ''}`,
      test_code: `${r.from} -> ${r.to}`,
      filename: '',
      line_no: 0,
      execution_time: `${seconds(r.ms)}s`,
      duration: r.ms,
      score: r.ok ? pointsOf(r) : 0,
    })),
  };
}

/** The base64 of the result's JSON: the value of the grader step's `result` output. */
export function formatClassroom(g: Grade): string {
  return Buffer.from(JSON.stringify(classroomResult(g)), 'utf8').toString('base64');
}

/**
 * Gradescope's autograder `results.json`: the score, the run's seconds, and one test per check
 * (its points, passed or failed, and what it said; a blocked check scores 0 and says why).
 */
export function formatGradescope(g: Grade, options: { elapsedMs?: number } = {}): string {
  const ms = options.elapsedMs ?? g.checks.reduce((t, r) => t + r.ms, 0);
  const results = {
    score: g.score,
    execution_time: Math.round(ms / 1000),
    output: `${g.passed} passed, ${g.failed} failed, ${g.warnings} warning(s), ${g.blocked} blocked (${g.lab}${g.exercise !== undefined ? `, exercise ${g.exercise}` : ''})`,
    tests: g.checks.map((r) => ({
      name: r.name,
      score: r.ok ? pointsOf(r) : 0,
      max_score: pointsOf(r),
      status: r.ok ? 'passed' : 'failed',
      output: `${said(r)}${!r.ok && r.hint ? `\nhint: ${oneLine(r.hint)}` : ''}`,
    })),
  };
  return `${JSON.stringify(results, null, 2)}\n`;
}
