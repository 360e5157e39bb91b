// Showing `class watch`'s grid on the terminal (Ink loads only here, on demand).
import { createElement } from 'react';
import { colorEnabled } from '../ansi.js';
import { ColorContext } from '../theme.js';
import type { WatchedGrade } from './state.js';

/** Shows the live grid until the person quits (q, Ctrl-C), or `stop` is called. */
export async function showClassWatch(grade: () => Promise<WatchedGrade>, intervalMs: number, onStop?: (stop: () => void) => void): Promise<void> {
  const { render } = await import('ink');
  const { ClassWatch } = await import('./ClassWatch.js');
  const color = colorEnabled(process.stdout, process.env);
  const app = render(createElement(ColorContext.Provider, { value: color }, createElement(ClassWatch, { grade, intervalMs })), { exitOnCtrlC: false });
  onStop?.(() => app.unmount());
  await app.waitUntilExit();
  app.cleanup();
}
