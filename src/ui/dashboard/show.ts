// Showing the dashboard and the lab picker on the terminal (Ink loads only here, on demand).
import { createElement } from 'react';
import { colorEnabled } from '../ansi.js';
import { ColorContext } from '../theme.js';
import type { DashboardExit, DashboardProps } from './Dashboard.js';

/** Asks which of the labs that are up to show; undefined when the person quits. */
export async function pickLab(labs: string[]): Promise<string | undefined> {
  const { render } = await import('ink');
  const { LabPicker } = await import('./LabPicker.js');
  let picked: string | undefined;
  const app = render(createElement(LabPicker, { labs, onPick: (l: string | undefined) => (picked = l) }));
  await app.waitUntilExit();
  return picked;
}

/** Shows the dashboard until the person quits or asks for a shell; says which. */
export async function showDashboard(props: Omit<DashboardProps, 'onExit'>): Promise<DashboardExit | undefined> {
  const { render } = await import('ink');
  const { Dashboard } = await import('./Dashboard.js');
  const color = colorEnabled(process.stdout, process.env);
  let closed: DashboardExit | undefined;
  const app = render(
    createElement(ColorContext.Provider, { value: color }, createElement(Dashboard, { ...props, onExit: (e: DashboardExit) => (closed = e) })),
    {
      exitOnCtrlC: true,
    },
  );
  await app.waitUntilExit();
  app.cleanup();
  return closed;
}
