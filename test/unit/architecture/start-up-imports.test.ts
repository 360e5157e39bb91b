// What a command loads before its first engine call is start-up time on every run. The lab
// file's schemas (zod) and readers are needed only when a lab is read from its files, which the
// kept load (src/labfile/cache) spares most commands: so no command module reaches them through
// static imports, only through load.ts's import() on a miss. A change that adds such a path
// fails here, naming it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');
const COMMANDS = join(SRC, 'cli', 'commands');

/** The modules a file imports for their values (type-only imports are erased; import() is not followed). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]/gm)) {
    if (m[1]) continue;
    const names = /^\{([^}]*)\}$/.exec(m[2]!.trim())?.[1];
    if (names?.trim() && names.split(',').every((n) => !n.trim() || /^type\s/.test(n.trim()))) continue;
    out.push(m[3]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

function resolveSpec(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec).replace(/\.js$/, '');
  return ['.ts', '.tsx'].map((ext) => base + ext).find(existsSync);
}

/** For each module reachable from `entry` that imports `pkg`: the chain of imports that reaches it. */
function chainsTo(entry: string, pkg: string): string[] {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  const chains: string[] = [];
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      if (spec === pkg) {
        const chain: string[] = [];
        for (let f: string | null | undefined = file; f; f = parent.get(f)) chain.unshift(relative(SRC, f));
        chains.push(chain.join(' -> '));
      }
      const next = resolveSpec(file, spec);
      if (next && !parent.has(next)) {
        parent.set(next, file);
        queue.push(next);
      }
    }
  }
  return chains;
}

describe('start-up imports', () => {
  const commands = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts'));

  it.each(commands)('cli/commands/%s reaches no zod schema without a lab read from its files', (file) => {
    expect(chainsTo(join(COMMANDS, file), 'zod')).toEqual([]);
  });

  it('the lab readers are still reached, through load.ts on a miss (the check above can fail)', () => {
    expect(chainsTo(join(SRC, 'labfile', 'load-files.ts'), 'zod').length).toBeGreaterThan(0);
    expect(readFileSync(join(SRC, 'labfile', 'load.ts'), 'utf8')).toContain("import('./load-files.js')");
  });
});
