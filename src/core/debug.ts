// `NETLAB_DEBUG=1` (or `--debug`): every Docker API call and toolbox request on stderr, with its
// duration. The first thing to paste into a bug report; off, it costs one boolean test per call.

import { oneLine } from './text.js';

let enabled = /^(1|true|yes|on)$/i.test(process.env.NETLAB_DEBUG ?? '');
let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);
const started = Date.now();

export function enableDebug(on = true, to?: (line: string) => void): void {
  enabled = on;
  if (to) sink = to;
}

/** One line: `netlab +1.234s docker <what> 12ms`. */
export function debugLine(scope: string, text: string): void {
  if (!enabled) return;
  sink(`netlab +${((Date.now() - started) / 1000).toFixed(3)}s ${scope} ${text}`);
}

/** Runs `fn`, and when debugging logs what it was, how long it took and whether it failed. */
/**
 * Runs `fn`, and when debugging logs what it was, how long it took and whether it failed:
 * `<scope> <what> <ms>ms[ <summary>][ | <detail>]` (the detail, a command's text, comes last).
 */
export async function traced<T>(scope: string, what: string, fn: () => Promise<T>, summary?: (result: T) => string, detail?: () => string): Promise<T> {
  if (!enabled) return fn();
  const t0 = performance.now();
  const tail = () => (detail ? ` | ${debugText(detail())}` : '');
  try {
    const result = await fn();
    const extra = summary ? ` ${summary(result)}` : '';
    debugLine(scope, `${what} ${Math.round(performance.now() - t0)}ms${extra}${tail()}`);
    return result;
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    const why = oneLine(String((err as Error)?.message ?? err), 300);
    debugLine(scope, `${what} ${Math.round(performance.now() - t0)}ms FAILED${code ? ` ${code}` : ''}: ${why}${tail()}`);
    throw err;
  }
}

/** A request's text for the log: one line, cut short. */
export function debugText(text: string): string {
  return oneLine(text, 300);
}
