// Helpers for tests that load the lab files under test/fixtures/labs.
import { join, relative, resolve } from 'node:path';
import { LabFileError, type LabFileProblem } from '../../src/core/errors.js';
import { loadLab } from '../../src/labfile/load.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/labs');
export const GOOD = join(FIXTURES, 'good');
export const BAD = join(FIXTURES, 'bad');

/** How messages name a file: relative to the working directory. */
export const shown = (file: string): string => relative(process.cwd(), file);

/** The problems loading bad/<name> reports; fails the test if it loads. */
export async function problemsOf(name: string): Promise<LabFileProblem[]> {
  try {
    await loadLab(join(BAD, name));
  } catch (err) {
    if (err instanceof LabFileError) return err.problems;
    throw err;
  }
  throw new Error(`${name} loaded without errors`);
}

/** [line:column, message, hint] per problem, for compact exact assertions. */
export function summary(problems: LabFileProblem[]): [string, string, string | undefined][] {
  return problems.map((p) => [`${p.at.line}:${p.at.column}`, p.message, p.hint]);
}
