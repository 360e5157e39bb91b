// A lab's lock carries the lab's label but is no part of the lab: every listing of a lab's
// containers goes through listLabContainers (src/engine/state.ts), which leaves it out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe("a lab's containers", () => {
  it('are listed only through listLabContainers, which leaves the lock out', () => {
    const direct = files(SRC)
      .filter((f) => relative(SRC, f) !== join('engine', 'state.ts'))
      .filter((f) => /listContainers\(\s*labFilter\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(direct).toEqual([]);
  });
});
