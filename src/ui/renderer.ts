// Picks and builds the renderer for a command's event stream: the Ink app on a
// terminal, plain lines when piped or in CI, NDJSON when asked.

import type { EventSink, LabEvent } from '../core/events.js';
import { colorEnabled, paint } from './ansi.js';
import { createPlainPrinter } from './plain.js';

export type RenderMode = 'ink' | 'plain' | 'json';

export interface Renderer {
  /** Feed events here. */
  sink: EventSink;
  /** Ends the output (tally, summary line); resolves once it is all written. Idempotent. */
  finish(summary?: string): Promise<void>;
}

export interface RendererOptions {
  /** Heading for the Ink view. */
  title?: string;
  /** Where to write; default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Force color on or off; default: only on a TTY, and never under NO_COLOR or TERM=dumb. */
  color?: boolean;
  /** Environment to read NO_COLOR / TERM from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Clock (ms); default Date.now. Plain mode throttles progress lines with it. */
  now?: () => number;
}

/**
 * json when asked; ink only on a TTY outside CI with a capable TERM (and a terminal that
 * reports a width: a 0-column pty cannot lay out a frame); plain otherwise.
 */
export function chooseMode(opts: { json?: boolean; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): RenderMode {
  if (opts.json) return 'json';
  const stream = opts.stream ?? process.stdout;
  const env = opts.env ?? process.env;
  const sized = stream.columns === undefined || stream.columns > 0;
  if (stream.isTTY === true && sized && env.CI === undefined && env.TERM !== 'dumb') return 'ink';
  return 'plain';
}

export function createRenderer(mode: RenderMode, options: RendererOptions = {}): Renderer {
  const out = options.out ?? process.stdout;
  const env = options.env ?? process.env;
  const color = options.color ?? colorEnabled(out, env);
  const now = options.now ?? Date.now;
  switch (mode) {
    case 'json':
      return jsonRenderer(out);
    case 'plain':
      return plainRenderer(out, color, now);
    case 'ink':
      return lazyInkRenderer(out, color, now, options.title);
  }
}

interface LineOut {
  write(text: string): void;
  /** Resolves once everything written so far has been handed to the stream. */
  flush(): Promise<void>;
}

/**
 * Writes to `out`, and stops quietly when the reader goes away (`netlab up | head`):
 * EPIPE must not crash a command that is still bringing a lab up.
 */
function lineOut(out: NodeJS.WritableStream): LineOut {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      closed = true;
      return;
    }
    // Not ours to swallow: behave as if we had not listened.
    if (out.listenerCount('error') === 1) throw err;
  };
  // Kept for the stream's life: an EPIPE can surface after the last write's callback.
  out.on('error', onError);
  const ended = () => closed || (out as { writableEnded?: boolean }).writableEnded === true;
  return {
    write(text) {
      if (!ended()) out.write(text);
    },
    flush() {
      return new Promise<void>((resolve) => {
        if (ended()) resolve();
        // An empty write's callback runs after everything queued before it.
        else out.write('', () => resolve());
      });
    },
  };
}

function jsonRenderer(out: NodeJS.WritableStream): Renderer {
  const o = lineOut(out);
  let finished = false;
  return {
    sink: (event) => o.write(`${JSON.stringify(event)}\n`),
    async finish(summary) {
      if (finished) return;
      finished = true;
      if (summary) o.write(`${JSON.stringify({ type: 'message', level: 'info', text: summary })}\n`);
      await o.flush();
    },
  };
}

function plainRenderer(out: NodeJS.WritableStream, color: boolean, now: () => number): Renderer {
  const o = lineOut(out);
  const write = (line: string) => o.write(`${line}\n`);
  const printer = createPlainPrinter(write, { paint: paint(color), now });
  let finished = false;
  return {
    sink: printer.sink,
    async finish(summary) {
      if (finished) return;
      finished = true;
      for (const line of printer.summaryLines(summary)) write(line);
      await o.flush();
    },
  };
}

/** Ink (and React) take half a second to load: only a terminal run pays for them. */
function lazyInkRenderer(out: NodeJS.WritableStream, color: boolean, now: () => number, title?: string): Renderer {
  const queued: LabEvent[] = [];
  let real: Renderer | undefined;
  const loading = import('./ink-renderer.js').then((m) => {
    real = m.inkRenderer(out, color, now, title);
    for (const e of queued.splice(0)) real.sink(e);
  });
  return {
    sink: (event) => {
      if (real) real.sink(event);
      else queued.push(event);
    },
    async finish(summary) {
      await loading;
      await real!.finish(summary);
    },
  };
}
