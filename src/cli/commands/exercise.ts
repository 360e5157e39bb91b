// `netlab exercise <lab> [n]`: a fresh lab, broken on purpose, and a guide in the terminal while
// the student finds and fixes the fault with ordinary tools (netlab exec / apply, editing files).
import { emitKeypressEvents } from 'node:readline';
import { runChecks } from '../../checks/run.js';
import { connectEngine } from '../../cluster/connect.js';
import { startExercise, type Localized } from '../../cluster/exercises.js';
import { labForUp, RunningLab } from '../../cluster/running-lab.js';
import { rendered, type OutputOptions } from '../output.js';

export type Lang = 'en' | 'ko';

/** The text in the student's language, with `LAB` standing for the lab's running name. */
const t = (text: Localized, lang: Lang, lab?: string) => (text[lang] || text.en).replace(/\bLAB\b/g, lab ?? 'LAB');

export async function exerciseCommand(labArg: string, which: string | undefined, opts: OutputOptions & { lang?: string; name?: string }): Promise<number> {
  const lang: Lang = opts.lang === 'ko' ? 'ko' : 'en';
  if (!which) {
    const lab = await labForUp(connectEngine, labArg, { name: opts.name });
    if (!lab.exercises.length) {
      process.stdout.write(`Lab ${lab.name} has no exercises.\n`);
      return 0;
    }
    for (const [i, e] of lab.exercises.entries()) process.stdout.write(`${String(i + 1).padStart(2)}  ${e.id.padEnd(22)} ${t(e.title, lang)}\n`);
    process.stdout.write(`\nStart one: netlab exercise ${labArg} <number>${lang === 'en' ? ' (--lang ko: 한국어)' : ''}\n`);
    return 0;
  }
  const engine = await connectEngine();
  const started = await rendered(
    opts,
    `netlab exercise ${labArg} ${which}`,
    () => startExercise(engine, labArg, which, opts.name, () => {}),
    (s) => (lang === 'ko' ? `실습 ${s.number} 준비 완료` : `exercise ${s.number} is ready`),
  );
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
  out(
    lang === 'ko'
      ? '[c] 확인  [h] 힌트  [q] 끝내기  (다른 터미널에서 netlab exec / netlab apply 로 고치세요)'
      : '[c] check  [h] next hint  [q] quit  (fix it from another terminal: netlab exec, netlab apply, ...)',
  );
  let hint = 0;
  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  try {
    for await (const [, key] of keypresses()) {
      if (key === 'q' || key === '\u0003') break;
      if (key === 'h') {
        const next = exercise.hints[hint];
        out(
          next
            ? `${lang === 'ko' ? '힌트' : 'hint'} ${hint + 1}/${exercise.hints.length}: ${t(next, lang, lab.name)}`
            : lang === 'ko'
              ? '힌트를 모두 보았습니다.'
              : 'No more hints.',
        );
        if (next) hint++;
      }
      if (key === 'c') {
        const report = await runChecks(await RunningLab.open(engine, lab.name), () => {}, exercise.checks);
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
    const key = await new Promise<string>((resolve) =>
      process.stdin.once('keypress', (str: string | undefined, k: { name?: string; ctrl?: boolean }) =>
        resolve(k?.ctrl && k.name === 'c' ? '\u0003' : (str ?? k?.name ?? '')),
      ),
    );
    yield ['key', key];
  }
}
