// The plain printer: one stable, grep-able line per event, as it happens.

import type { CheckResult, EventSink, LabEvent, TaskId } from '../core/events.js';
import type { Paint } from './ansi.js';
import { failedTasksText, formatMs, oneLine, repeatsTally, tallyText } from './format.js';

export interface PlainOptions {
  paint: Paint;
  /** Clock for progress throttling. */
  now: () => number;
  /** Minimum time between two progress lines of one task. */
  progressEveryMs?: number;
}

export interface PlainPrinter {
  sink: EventSink;
  /** The closing lines: check tally, failed tasks, the caller's summary. */
  summaryLines(summary?: string): string[];
}

/** Formats events into lines; `write` receives each line without its newline. */
export function createPlainPrinter(write: (line: string) => void, options: PlainOptions): PlainPrinter {
  const { paint: p, now } = options;
  const every = options.progressEveryMs ?? 1000;
  const titles = new Map<TaskId, string>();
  const lastProgress = new Map<TaskId, number>();
  let passed = 0;
  let failed = 0;
  let failedTasks = 0;

  const title = (id: TaskId) => titles.get(id) ?? id;

  const sink: EventSink = (event: LabEvent) => {
    switch (event.type) {
      case 'task-start':
        titles.set(event.id, event.title);
        lastProgress.delete(event.id);
        write(`${p.dim('start')}  ${event.title}${event.group !== undefined ? `  [${event.group}]` : ''}`);
        return;
      case 'task-progress': {
        const t = now();
        const last = lastProgress.get(event.id);
        if (last !== undefined && t - last < every) return;
        lastProgress.set(event.id, t);
        write(`${p.dim('prog')}   ${title(event.id)}  ${p.dim(oneLine(event.text))}`);
        return;
      }
      case 'task-done':
        lastProgress.delete(event.id);
        write(`${p.green('done')}   ${title(event.id)}${event.detail ? `  ${event.detail}` : ''}  ${formatMs(event.ms)}`);
        return;
      case 'task-fail': {
        lastProgress.delete(event.id);
        failedTasks++;
        const [first = '', ...rest] = event.error.split(/\r?\n/);
        write(`${p.red('FAIL')}   ${title(event.id)}  ${first}  ${formatMs(event.ms)}`);
        for (const line of rest) if (line.trim()) write(`       ${line}`);
        if (event.hint) {
          const [h = '', ...more] = event.hint.split(/\r?\n/);
          write(p.dim(`  hint: ${h}`));
          for (const line of more) if (line.trim()) write(p.dim(`        ${line}`));
        }
        return;
      }
      case 'check':
        if (event.result.ok) passed++;
        else failed++;
        write(checkLine(event.result, p));
        return;
      case 'message': {
        const label = event.level === 'error' ? p.red('error') : event.level === 'warn' ? p.yellow('warn') : p.dim('info');
        const pad = ' '.repeat(7 - event.level.length);
        const [first = '', ...rest] = event.text.split(/\r?\n/);
        write(`${label}${pad}${first}`);
        for (const line of rest) write(`       ${line}`);
        return;
      }
    }
  };

  return {
    sink,
    summaryLines(summary) {
      const lines: string[] = [];
      const tint = failed > 0 ? p.red : p.green;
      const repeats = passed + failed > 0 && repeatsTally(passed, failed, summary);
      if (passed + failed > 0 && !repeats) lines.push(tint(tallyText(passed, failed)));
      if (failedTasks > 0) lines.push(p.red(failedTasksText(failedTasks)));
      if (summary) lines.push(repeats ? tint(summary) : summary);
      return lines;
    },
  };
}

/** `PASS  client -> server:8080 (reachable) [name]  12ms  HTTP 200 "..."`. */
export function checkLine(r: CheckResult, p: Paint): string {
  const label = r.ok ? p.green('PASS') : p.red('FAIL');
  const path = `${r.from} -> ${r.to}`;
  const name = r.name && r.name !== path ? ` [${r.name}]` : '';
  const detail = r.detail ? `  ${r.ok ? oneLine(r.detail) : p.red(oneLine(r.detail))}` : '';
  const extra = [
    r.message ? `\n  ${oneLine(r.message)}` : '',
    !r.ok && r.diagnosis ? `\n  why: ${oneLine(r.diagnosis)}` : '',
    !r.ok && r.hint ? `\n  hint: ${oneLine(r.hint)}` : '',
  ].join('');
  return `${label}  ${path} (${r.expected ?? r.expect})${name}  ${formatMs(r.ms)}${detail}${extra}`;
}
