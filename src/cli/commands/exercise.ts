// `netlab exercise <lab> [n]`: a fresh lab, broken on purpose, and a guide in the terminal while
// the student finds and fixes the fault with ordinary tools (netlab exec / apply, editing files).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitKeypressEvents } from 'node:readline';
import type Docker from 'dockerode';
import { findExercise } from '../../checks/grade.js';
import { runChecks } from '../../checks/run.js';
import { execIn } from '../../engine/engine.js';
import { down } from '../../cluster/down.js';
import type { EventSink } from '../../core/events.js';
import { ensureImages } from '../../images/index.js';
import { up } from '../../cluster/up.js';
import { NetlabError } from '../../core/errors.js';
import type { ExerciseSpec, Lab, Localized } from '../../labfile/model.js';
import { applyChange, changeLab, deleteChange } from '../../cluster/changes.js';
import { containerFor, engine, imagesFor, labForUp, renderer, runningLab, type OutputOptions } from '../../cluster/context.js';

export type Lang = 'en' | 'ko';


/** Breaks the running lab as the exercise says: commands in its parts, manifests applied, objects deleted. */
export async function applyFaults(docker: Docker, labArg: string, exercise: ExerciseSpec, emit: EventSink): Promise<void> {
  for (const fault of exercise.faults) {
    switch (fault.kind) {
      case 'exec': {
        const { name } = await containerFor(docker, labArg, fault.target);
        const r = await execIn(docker, name, fault.command);
        if (r.exitCode !== 0) {
          throw new NetlabError(`Exercise ${exercise.id}: \`${fault.command.join(' ')}\` in ${fault.target} failed: ${(r.stderr || r.stdout).trim()}`);
        }
        break;
      }
      case 'apply': {
        const dir = await mkdtemp(join(tmpdir(), 'netlab-exercise-'));
        try {
          const file = join(dir, `${exercise.id}.yaml`);
          await writeFile(file, fault.manifests);
          await changeLab(docker, labArg, emit, applyChange(file, fault.manifests));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        break;
      }
      case 'delete':
        await changeLab(docker, labArg, emit, deleteChange(labArg, fault.object, fault.namespace));
        break;
    }
  }
}

/** Starts an exercise: the lab brought up fresh (under `name`), then broken. */
export async function startExercise(docker: Docker, labArg: string, which: string, name: string | undefined, emit: EventSink) {
  const lab = await labForUp(labArg, { name });
  const found = findExercise(lab, which);
  await down(docker, lab.name, emit);
  const fresh = await labForUp(labArg, { name });
  await up(docker, fresh, emit, { images: await ensureImages(docker, emit, { only: imagesFor(fresh) }) });
  await applyFaults(docker, lab.name, found.exercise, emit);
  return { lab: fresh, ...found };
}

/** The text in the student's language, with `LAB` standing for the lab's running name. */
const t = (text: Localized, lang: Lang, lab?: string) => (text[lang] || text.en).replace(/\bLAB\b/g, lab ?? 'LAB');

export async function exerciseCommand(labArg: string, which: string | undefined, opts: OutputOptions & { lang?: string; name?: string }): Promise<number> {
  const lang: Lang = opts.lang === 'ko' ? 'ko' : 'en';
  if (!which) {
    const lab = await labForUp(labArg, { name: opts.name });
    if (!lab.exercises.length) {
      process.stdout.write(`Lab ${lab.name} has no exercises.\n`);
      return 0;
    }
    for (const [i, e] of lab.exercises.entries()) process.stdout.write(`${String(i + 1).padStart(2)}  ${e.id.padEnd(22)} ${t(e.title, lang)}\n`);
    process.stdout.write(`\nStart one: netlab exercise ${labArg} <number>${lang === 'en' ? ' (--lang ko: 한국어)' : ''}\n`);
    return 0;
  }
  const docker = await engine();
  const r = renderer(opts, `netlab exercise ${labArg} ${which}`);
  let started;
  try {
    started = await startExercise(docker, labArg, which, opts.name, () => {});
    await r.finish(lang === 'ko' ? `실습 ${started.number} 준비 완료` : `exercise ${started.number} is ready`);
  } catch (err) {
    await r.finish();
    throw err;
  }
  const { lab, exercise, number } = started;
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out();
  out(`${lang === 'ko' ? '실습' : 'Exercise'} ${number}: ${t(exercise.title, lang, lab.name)}`);
  out();
  out(t(exercise.instructions, lang, lab.name).trim());
  out();
  const grade = `netlab grade ${lab.name} --exercise ${number}`;
  if (!process.stdin.isTTY || !process.stdout.isTTY || opts.json) {
    out(lang === 'ko' ? `고친 뒤 확인: ${grade}` : `When you think it is fixed: ${grade}`);
    return 0;
  }
  out(lang === 'ko' ? '[c] 확인  [h] 힌트  [q] 끝내기  (다른 터미널에서 netlab exec / netlab apply 로 고치세요)' : '[c] check  [h] next hint  [q] quit  (fix it from another terminal: netlab exec, netlab apply, ...)');
  let hint = 0;
  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  try {
    for await (const [, key] of keypresses()) {
      if (key === 'q' || key === '\u0003') break;
      if (key === 'h') {
        const next = exercise.hints[hint];
        out(next ? `${lang === 'ko' ? '힌트' : 'hint'} ${hint + 1}/${exercise.hints.length}: ${t(next, lang, lab.name)}` : lang === 'ko' ? '힌트를 모두 보았습니다.' : 'No more hints.');
        if (next) hint++;
      }
      if (key === 'c') {
        const { lab: current, plan } = await runningLab(docker, lab.name);
        const report = await runChecks(docker, current, plan, () => {}, exercise.checks);
        for (const c of report.checks) out(`${c.ok ? '✔' : '✖'} ${c.name}  ${c.detail}${c.diagnosis ? `\n    ${c.diagnosis}` : ''}`);
        out(report.ok ? (lang === 'ko' ? '해결했습니다! q 로 끝내세요.' : 'Solved! Press q to quit.') : '');
      }
    }
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  return 0;
}

async function* keypresses(): AsyncGenerator<[string, string]> {
  while (true) {
    const key = await new Promise<string>((resolve) => process.stdin.once('keypress', (str: string | undefined, k: { name?: string; ctrl?: boolean }) => resolve(k?.ctrl && k.name === 'c' ? '\u0003' : (str ?? k?.name ?? ''))));
    yield ['key', key];
  }
}
