// `netlab grade`: a running lab's checks (or one exercise's), run from netlab's own toolbox as
// `check` runs them, weighed into a score and printed for people, CI or GitHub Classroom.
// Exit code as ipspace/netlab validate: 0 all passed, 1 failure, 2 nothing to grade, 3 warnings only.
import { appendFile, writeFile } from 'node:fs/promises';
import { formatClassroom, formatGradescope, formatJson, formatJunit, formatTap, formatText } from '../../checks/formats.js';
import { findExercise, gradeExitCode, gradeOf } from '../../checks/grade.js';
import { runChecks } from '../../checks/run.js';
import { ignoreEvents } from '../../core/events.js';
import { NetlabError } from '../../core/errors.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';

export interface GradeOptions {
  exercise?: string;
  /** An instructor's check file: its checks replace the lab's own. */
  checks?: string;
  json?: boolean;
  junit?: string;
  /** Gradescope's results.json, written to this file. */
  gradescope?: string;
  tap?: boolean;
  classroom?: boolean;
}

export async function gradeCommand(labArg: string, opts: GradeOptions): Promise<number> {
  const formats = [opts.json && '--json', opts.tap && '--tap', opts.classroom && '--classroom'].filter(Boolean);
  if (formats.length > 1) {
    throw new NetlabError(`Choose one of ${formats.join(', ')}: each prints its own document on stdout.`, {
      hint: '--junit FILE and --gradescope FILE write files and combine with any of them.',
      exitCode: 2,
    });
  }
  const running = await RunningLab.open(await connectEngine(), labArg, opts.checks !== undefined ? { checksFile: opts.checks } : {});
  const { lab } = running;
  const exercise = opts.exercise !== undefined ? findExercise(lab, opts.exercise) : undefined;
  const only = exercise ? exercise.exercise.checks : undefined;

  const started = performance.now();
  // Nothing selected: nothing to run (and `only: []` would mean exactly that).
  const report = only && only.length === 0 ? { checks: [] } : await runChecks(running, ignoreEvents, only);
  const elapsedMs = Math.round(performance.now() - started);
  const grade = gradeOf(lab.name, report.checks, exercise?.exercise.id, running.checkFile);

  if (opts.junit) await writeFile(opts.junit, formatJunit(grade, { elapsedMs }));
  if (opts.gradescope) await writeFile(opts.gradescope, formatGradescope(grade, { elapsedMs }));
  if (opts.json) process.stdout.write(formatJson(grade));
  else if (opts.tap) process.stdout.write(formatTap(grade));
  else if (opts.classroom) {
    const value = formatClassroom(grade);
    // In a GitHub Actions step: the step's `result` output, as the classroom graders set it.
    if (process.env.GITHUB_OUTPUT) {
      await appendFile(process.env.GITHUB_OUTPUT, `result=${value}\n`);
      process.stdout.write(formatText(grade));
    } else process.stdout.write(`${value}\n`);
  } else process.stdout.write(formatText(grade));
  return gradeExitCode(grade);
}
