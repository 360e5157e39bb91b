// What every command shares: how it prints (terminal UI, plain lines or JSON), and Ctrl-C.
import { exitReleasingLocks, onInterrupt } from './signals.js';
import { chooseMode, createRenderer, type Renderer } from '../ui/renderer.js';

export interface OutputOptions {
  json?: boolean;
}

export function renderer(opts: OutputOptions, title: string): Renderer {
  return createRenderer(chooseMode({ json: opts.json }), { title });
}

/** Ctrl-C: first press asks the running work to stop at a safe point, a second one exits at once. */
export function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = onInterrupt(() => {
    if (controller.signal.aborted) return exitReleasingLocks(130);
    process.stderr.write('\nstopping after the steps in flight (Ctrl-C again to quit now)...\n');
    controller.abort();
  });
  return { signal: controller.signal, dispose };
}

/** Runs work that emits events under a renderer, closing it with `summary(result)` or on failure. */
export async function rendered<T>(
  opts: OutputOptions,
  title: string,
  work: (r: Renderer) => Promise<T>,
  summary: (result: T) => string | undefined,
): Promise<T> {
  const r = renderer(opts, title);
  try {
    const result = await work(r);
    await r.finish(summary(result));
    return result;
  } catch (err) {
    await r.finish();
    throw err;
  }
}
