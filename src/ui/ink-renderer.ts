// The Ink view of an event stream: loaded only when output is a terminal.
import { render } from 'ink';
import { createElement } from 'react';
import { App } from './App.js';
import type { Renderer } from './renderer.js';
import { createStore } from './store.js';

export function inkRenderer(out: NodeJS.WritableStream, color: boolean, now: () => number, title?: string): Renderer {
  const store = createStore(undefined, now);
  const instance = render(createElement(App, { store, title, color }), {
    stdout: out as NodeJS.WriteStream,
    // Route stray console output above the live frame, but only when the frame is on
    // stdout: Ink would otherwise print console.log lines into a stream that is not stdout.
    patchConsole: out === process.stdout,
  });
  let finishing: Promise<void> | undefined;
  return {
    sink: (event) => {
      if (!finishing) store.dispatch(event);
    },
    finish(summary) {
      finishing ??= (async () => {
        store.dispatch({ type: 'finish', ...(summary !== undefined ? { summary } : {}) });
        // Let React commit the last state; unmount then flushes the final frame and leaves it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const exited = instance.waitUntilExit();
        instance.unmount();
        await exited;
      })();
      return finishing;
    },
  };
}
