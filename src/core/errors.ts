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
    super(problems.map((p) => `${p.at.file}:${p.at.line}:${p.at.column}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`).join('\n'), { exitCode: 2 });
    this.problems = problems;
  }
}

export function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.column}`;
}
