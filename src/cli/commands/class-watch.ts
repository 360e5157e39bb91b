// `netlab class watch`: the class regraded every interval. On a terminal, the live grid
// (src/ui/class); otherwise, or with --json, one line (or one JSON document) per round from
// the same state. q or Ctrl-C ends it with exit code 0. The `class` commands give `grade`.
import type { ClassGrade } from '../../checks/class-grade.js';
import { NetlabError } from '../../core/errors.js';
import { failureLine, roundJson, roundLine } from '../../ui/class/lines.js';
import { runRounds } from '../../ui/class/rounds.js';
import { initialWatch, watchReducer } from '../../ui/class/state.js';
import { chooseMode } from '../../ui/renderer.js';
import { onInterrupt } from '../signals.js';

export interface ClassWatchOptions {
  intervalS: number;
  json?: boolean;
  /** Stop after this many rounds (plain and JSON output; the grid runs until quit). */
  rounds?: number;
  /** Where plain and JSON lines go; default stdout. */
  out?: NodeJS.WritableStream;
}

export async function classWatch(grade: () => Promise<ClassGrade>, opts: ClassWatchOptions): Promise<number> {
  if (!Number.isFinite(opts.intervalS) || opts.intervalS < 1) {
    throw new NetlabError(`The interval must be at least 1 second (got ${opts.intervalS}).`, {
      hint: 'For example: netlab class watch --interval 10',
      exitCode: 2,
    });
  }
  const intervalMs = Math.round(opts.intervalS * 1000);
  const out = opts.out ?? process.stdout;
  if (chooseMode({ json: opts.json, stream: out as NodeJS.WriteStream }) === 'ink' && process.stdin.isTTY && opts.rounds === undefined) {
    const { showClassWatch } = await import('../../ui/class/show.js');
    let stop: () => void = () => {};
    // A SIGINT that is not a keypress (kill -INT) ends the grid as q does.
    const dispose = onInterrupt(() => stop());
    try {
      await showClassWatch(grade, intervalMs, (s) => (stop = s));
    } finally {
      dispose();
    }
    return 0;
  }
  let state = initialWatch;
  const rounds = runRounds(
    grade,
    intervalMs,
    (action) => {
      state = watchReducer(state, action);
      if (action.type === 'round') out.write(`${opts.json ? roundJson(state) : roundLine(state)}\n`);
      else if (action.type === 'failed') out.write(`${failureLine(state, opts.json === true)}\n`);
    },
    opts.rounds !== undefined ? { limit: opts.rounds } : {},
  );
  const dispose = onInterrupt(() => rounds.stop());
  try {
    await rounds.done;
  } finally {
    dispose();
  }
  return 0;
}
