// `netlab class`: one lab for every student of a roster, spread over docker contexts, brought up,
// graded, reset and taken down as one class.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatClassHtml } from '../../checks/class-report.js';
import { formatJunit } from '../../checks/formats.js';
import { classTitle } from '../../core/class-grade.js';
import { NetlabError } from '../../core/errors.js';
import { classDown } from '../../cluster/class/down.js';
import { type ClassEngine, contextsToSearch, currentContext, reachContexts } from '../../cluster/class/engines.js';
import { findStudents } from '../../cluster/class/find.js';
import { resetStudent } from '../../cluster/class/reset.js';
import { classUp } from '../../cluster/class/up.js';
import { classWatch } from './class-watch.js';
import { gradeClass } from './class-grader.js';

interface ContextOptions {
  context?: string[];
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

/** The engines status, grade, reset, watch and down look on (engines/contextsToSearch says which). */
function engines(opts: ContextOptions): Promise<ClassEngine[]> {
  return reachContexts(contextsToSearch(opts.context), { required: false, warn });
}

export async function classUpCommand(
  labArg: string,
  opts: ContextOptions & { roster?: string; exercise?: string; parallel?: string; name?: string; json?: boolean },
): Promise<number> {
  if (!opts.roster) throw new NetlabError('Which students?', { hint: 'netlab class up <lab> --roster FILE (one name a line)', exitCode: 2 });
  const parallel = opts.parallel === undefined ? undefined : /^\d+$/.test(opts.parallel) ? Number(opts.parallel) : undefined;
  if (opts.parallel !== undefined && !parallel) {
    throw new NetlabError(`--parallel takes a whole number of labs per engine (1 or more), not ${JSON.stringify(opts.parallel)}.`, {
      hint: 'e.g. --parallel 4',
      exitCode: 2,
    });
  }
  const contexts = opts.context?.length ? opts.context : [currentContext()];
  const result = await classUp(
    labArg,
    {
      roster: opts.roster,
      contexts,
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.exercise !== undefined ? { exercise: opts.exercise } : {}),
      ...(parallel !== undefined ? { parallel } : {}),
    },
    (e) => {
      if (opts.json) return;
      if (e.kind === 'images') out(`images ready on ${e.engine} (${e.seconds} s)`);
      else {
        const r = e.result;
        const what = r.outcome === 'failed' ? `FAILED: ${r.error}` : r.outcome;
        out(`${r.student.padEnd(16)} ${r.context.padEnd(12)} ${r.underlay.padEnd(16)} ${what} (${r.seconds} s)`);
      }
    },
  );
  const failed = result.students.filter((s) => s.outcome === 'failed');
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const per = [...new Set(result.students.map((s) => s.context))].map((c) => `${c} ${result.students.filter((s) => s.context === c).length}`);
    out(
      `class ${result.class}: ${result.students.length - failed.length} of ${result.students.length} student(s) up (${per.join(', ')}) in ${result.seconds} s`,
    );
    if (failed.length) out(`failed: ${failed.map((s) => s.student).join(', ')}; run the same class up again to retry them`);
  }
  return failed.length ? 1 : 0;
}

export async function classStatusCommand(className: string | undefined, opts: ContextOptions & { json?: boolean }): Promise<number> {
  const students = await findStudents(await engines(opts), className);
  if (opts.json) {
    const rows = students.map(({ engine: _e, on: _o, labels: _l, ...s }) => s);
    process.stdout.write(`${JSON.stringify({ students: rows }, null, 2)}\n`);
    return 0;
  }
  if (!students.length) {
    out(className ? `no student of class ${className} found` : 'no class found');
    return 0;
  }
  out(`${'CLASS'.padEnd(14)} ${'STUDENT'.padEnd(16)} ${'CONTEXT'.padEnd(12)} ${'UNDERLAY'.padEnd(16)} ${'EXERCISE'.padEnd(14)} CONTAINERS`);
  for (const s of students) {
    out(
      `${s.class.padEnd(14)} ${s.student.padEnd(16)} ${s.context.padEnd(12)} ${(s.underlay ?? '-').padEnd(16)} ${(s.exercise ?? '-').padEnd(14)} ${s.running}/${s.containers} running`,
    );
  }
  return 0;
}

export async function classGradeCommand(
  className: string,
  opts: ContextOptions & { checks?: string; exercise?: string; json?: boolean; junit?: string; html?: string },
): Promise<number> {
  const { grade, students } = await gradeClass(await engines(opts), className, opts);
  if (opts.junit) {
    await mkdir(opts.junit, { recursive: true });
    await Promise.all(
      students.flatMap((s) => (s.grade ? [writeFile(join(opts.junit!, `${s.student.lab}.xml`), formatJunit(s.grade, { elapsedMs: s.elapsedMs }))] : [])),
    );
  }
  if (opts.html) await writeFile(opts.html, formatClassHtml(grade));
  if (opts.json) process.stdout.write(`${JSON.stringify(grade, null, 2)}\n`);
  else {
    for (const s of grade.students) {
      const failing = s.checks.filter((c) => !c.ok).map((c) => c.name);
      const detail = s.error ? `not graded: ${s.error}` : failing.length ? `failing: ${failing.join(', ')}` : 'all passed';
      out(`${s.student.padEnd(16)} ${s.context.padEnd(12)} ${`${s.score}/${s.maxScore}`.padEnd(7)} ${detail}`);
    }
    const ok = grade.students.filter((s) => s.ok).length;
    out(`class ${classTitle(grade)}${grade.exercise ? ` (exercise ${grade.exercise})` : ''}: ${ok} of ${grade.students.length} student(s) pass`);
  }
  return grade.students.every((s) => s.ok) ? 0 : 1;
}

export async function classResetCommand(className: string, student: string, opts: ContextOptions): Promise<number> {
  const started = performance.now();
  const s = await resetStudent(await engines(opts), className, student);
  out(
    `${s.lab} is back to ${s.exercise ? `the start of exercise ${s.exercise}` : 'its starting state'} on ${s.context} (${s.underlay}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

export async function classWatchCommand(
  className: string,
  opts: ContextOptions & { interval?: string; checks?: string; exercise?: string; json?: boolean },
): Promise<number> {
  const intervalS = opts.interval === undefined ? 10 : Number(opts.interval);
  if (!Number.isFinite(intervalS) || intervalS < 1) {
    throw new NetlabError(`--interval takes seconds (1 or more), not ${JSON.stringify(opts.interval)}.`, { hint: 'e.g. --interval 15', exitCode: 2 });
  }
  const found = await engines(opts);
  return classWatch(async () => (await gradeClass(found, className, opts)).grade, { intervalS, ...(opts.json ? { json: true } : {}) });
}

export async function classDownCommand(className: string | undefined, opts: ContextOptions): Promise<number> {
  const started = performance.now();
  const results = await classDown(await engines(opts), className, (r) =>
    out(`${r.student.lab.padEnd(30)} ${r.student.context.padEnd(12)} ${r.error ? `FAILED: ${r.error}` : `removed ${r.containers} container(s)`}`),
  );
  const failed = results.filter((r) => r.error);
  out(`${results.length - failed.length} student lab(s) removed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return failed.length ? 1 : 0;
}
