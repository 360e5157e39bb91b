// Typed errors: every error netlab shows a user carries what went wrong and what to do.

/** Where something was written: a lab file, a manifests file, a check file. */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export class NetlabError extends Error {
  /** What the user can do about it. */
  readonly hint?: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** One problem in a lab file, at a place in it. */
export interface LabFileProblem {
  at: SourceLocation;
  message: string;
  /** What to write instead. */
  hint?: string;
}

/** A lab file that cannot be used: every problem found, each with its line. */
export class LabFileError extends NetlabError {
  readonly problems: LabFileProblem[];

  constructor(problems: LabFileProblem[]) {
    super(
      problems.map((p) => `${visible(p.at.file)}:${p.at.line}:${p.at.column}: ${visible(p.message)}${p.hint ? `\n  hint: ${visible(p.hint)}` : ''}`).join('\n'),
      { exitCode: 2 },
    );
    this.problems = problems;
  }
}

export function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.column}`;
}

/** Control characters, and the marks that reorder text on screen (bidi overrides and isolates). */
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text that quotes a file (which may come from a student) as a terminal shows it: a carriage
 * return, a line break, an escape sequence or a bidi override is written as its \u escape,
 * so what a file holds cannot rewrite or forge the lines around it.
 */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
