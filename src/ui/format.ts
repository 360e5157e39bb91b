// Small text helpers shared by the plain printer and the Ink components.

/** A finished duration: `412ms`, `3.4s`, `2m05s`. */
export function formatMs(ms: number): string {
  const n = Math.max(0, Math.round(ms));
  if (n < 1000) return `${n}ms`;
  return formatElapsed(n);
}

/** A running duration at 0.1 s resolution: `0.4s`, `12.3s`, `2m05s`. */
export function formatElapsed(ms: number): string {
  const n = Math.max(0, ms);
  if (n < 60_000) return `${(Math.floor(n / 100) / 10).toFixed(1)}s`;
  const total = Math.floor(n / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** Collapses line breaks (and the blanks around them) so free text fits one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** `3 passed, 1 failed`. */
export function tallyText(passed: number, failed: number): string {
  return `${passed} passed, ${failed} failed`;
}

/**
 * Whether the caller's summary already starts with the check tally (`netlab check` passes
 * `3 passed, 1 failed (1.2 s)`), so the renderer need not print it twice.
 */
export function repeatsTally(passed: number, failed: number, summary: string | undefined): boolean {
  return summary?.trimStart().startsWith(tallyText(passed, failed)) ?? false;
}

/** `1 task failed` / `2 tasks failed`. */
export function failedTasksText(n: number): string {
  return `${n} ${n === 1 ? 'task' : 'tasks'} failed`;
}
