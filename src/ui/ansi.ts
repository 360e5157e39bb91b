// Minimal ANSI styling for the plain printer (Ink does its own).

export interface Paint {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001B[${open}m${s}\u001B[${close}m`;

const on: Paint = {
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};

const id = (s: string) => s;
const off: Paint = { green: id, red: id, yellow: id, cyan: id, dim: id, bold: id };

export function paint(enabled: boolean): Paint {
  return enabled ? on : off;
}

/**
 * Whether to color output to `stream`: only a TTY, never when NO_COLOR is set
 * (https://no-color.org) or TERM is dumb.
 */
export function colorEnabled(stream: NodeJS.WritableStream | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return (stream as NodeJS.WriteStream | undefined)?.isTTY === true;
}

/** Removes ANSI escape sequences (for tests and width sums). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001B\[[0-?]*[ -/]*[@-~]/g, '');
}
