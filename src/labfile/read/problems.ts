// Collects the problems found in a lab file: errors make it unusable, warnings do not.
import type { LabFileProblem } from '../../core/errors.js';
import type { SourceLocation } from '../model.js';

export class Problems {
  readonly errors: LabFileProblem[] = [];
  readonly warnings: LabFileProblem[] = [];

  error(at: SourceLocation, message: string, hint?: string): void {
    this.errors.push(hint === undefined ? { at, message } : { at, message, hint });
  }

  warn(at: SourceLocation, message: string, hint?: string): void {
    this.warnings.push(hint === undefined ? { at, message } : { at, message, hint });
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }
}

/**
 * Problems in reading order: the lab file first (it is named by `first`), then
 * other files in the order they first appear, each by line and column.
 */
export function sortProblems(list: LabFileProblem[], first: string): LabFileProblem[] {
  const order = new Map<string, number>([[first, 0]]);
  for (const p of list) if (!order.has(p.at.file)) order.set(p.at.file, order.size);
  const seen = new Set<string>();
  return list
    .filter((p) => {
      const key = `${p.at.file}:${p.at.line}:${p.at.column}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((p, i) => ({ p, i }))
    .sort((a, b) => order.get(a.p.at.file)! - order.get(b.p.at.file)! || a.p.at.line - b.p.at.line || a.p.at.column - b.p.at.column || a.i - b.i)
    .map(({ p }) => p);
}
