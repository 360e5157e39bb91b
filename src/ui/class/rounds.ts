// The grading loop of `class watch`: a round starts every `intervalMs` (or as soon as the last
// one ends, when grading takes longer), never two at once; each round's start, grade or
// failure dispatched as a WatchAction.
import type { WatchAction, WatchedGrade } from './state.js';

export interface Rounds {
  /** No round starts after this; one in flight is not waited for. */
  stop(): void;
  /** Resolves when the loop ends: stopped, or after `limit` rounds. */
  done: Promise<void>;
}

export function runRounds(
  grade: () => Promise<WatchedGrade>,
  intervalMs: number,
  dispatch: (action: WatchAction) => void,
  options: { limit?: number; now?: () => Date } = {},
): Rounds {
  const now = options.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let resolveStopped: () => void = () => {};
  const stoppedAt = new Promise<void>((r) => (resolveStopped = r));
  const loop = (async () => {
    let started = 0;
    for (let n = 0; !stopped && (options.limit === undefined || n < options.limit); n++) {
      if (n > 0) {
        const rest = started + intervalMs - Date.now();
        if (rest > 0) {
          await new Promise<void>((r) => {
            wake = r;
            timer = setTimeout(r, rest);
          });
        }
        if (stopped) break;
      }
      started = Date.now();
      dispatch({ type: 'grading' });
      try {
        const g = await grade();
        if (!stopped) dispatch({ type: 'round', grade: g });
      } catch (err) {
        if (!stopped) dispatch({ type: 'failed', error: (err as Error)?.message ?? String(err), at: now().toISOString() });
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      resolveStopped();
    },
    done: Promise.race([loop, stoppedAt]),
  };
}
