// How `class watch`'s grid fits the terminal: the name and score columns, one narrow column
// per check headed by its number (the legend names them), and what is left for "stuck".
import type { Outcome } from '../../core/class-grid.js';

export const MARK: Record<Outcome | 'missing', string> = { pass: '✔', fail: '✖', blocked: '⊘', warning: '!', missing: '·' };

/** The narrowest "stuck" column before checks are left out of the grid. */
const STUCK_MIN = 24;

export interface GridLayout {
  nameWidth: number;
  scoreWidth: number;
  /** 3 (` ✔ `) when every check fits so, else 2 (`✔ `). */
  cellWidth: number;
  /** How many checks (from the first) the grid shows. */
  shown: number;
  stuckWidth: number;
  /** The lines heading the check columns: the numbers, or their tens over their units when they do not fit one line. */
  header: string[];
}

export function gridLayout(width: number, names: readonly string[], scores: readonly string[], checks: number): GridLayout {
  const nameWidth = Math.min(20, Math.max('student'.length, ...names.map((n) => [...n].length)));
  const scoreWidth = Math.max('score'.length, ...scores.map((s) => s.length));
  const fixed = nameWidth + 1 + scoreWidth + 2;
  const cellWidth = fixed + checks * 3 + 1 + STUCK_MIN <= width ? 3 : 2;
  const room = Math.max(1, Math.floor((width - fixed - 1 - STUCK_MIN) / cellWidth));
  const shown = Math.min(checks, room);
  const stuckWidth = Math.max(10, width - fixed - shown * cellWidth - 1);
  const digits = String(shown).length;
  const numbers = Array.from({ length: shown }, (_, i) => String(i + 1));
  const header =
    digits <= cellWidth - 1
      ? [numbers.map((n) => n.padStart(cellWidth - 1).padEnd(cellWidth)).join('')]
      : Array.from({ length: digits }, (_, d) => numbers.map((n) => (n.padStart(digits)[d] ?? ' ').padStart(cellWidth - 1).padEnd(cellWidth)).join(''));
  return { nameWidth, scoreWidth, cellWidth, shown, stuckWidth, header };
}

/** A cell: its mark where the header's units digit is. */
export function cellText(mark: string, cellWidth: number): string {
  return mark.padStart(cellWidth - 1).padEnd(cellWidth);
}

/** `1 name  2 name …` wrapped to `width`; a last line says how many checks the grid leaves out. */
export function legendLines(columns: readonly string[], shown: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [i, name] of columns.slice(0, shown).entries()) {
    const item = `${i + 1} ${name}`;
    if (line !== '' && line.length + 2 + item.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? item : `${line}  ${item}`;
  }
  if (line !== '') lines.push(line);
  const hidden = columns.length - shown;
  if (hidden > 0) lines.push(`+${hidden} more check${hidden === 1 ? '' : 's'} not shown: a wider terminal shows them`);
  return lines;
}

/** `name` cut to `width` characters with "…". */
export function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
