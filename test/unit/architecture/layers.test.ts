// The folders are the architecture: each layer imports only the layers below it, and only
// src/engine talks to Docker. A change that breaks a rule fails here, naming the import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');

/** What each top-level folder of src may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  labfile: ['core'],
  plan: ['core', 'labfile'],
  engine: ['core'],
  images: ['core', 'engine'],
  cluster: ['core', 'labfile', 'plan', 'engine', 'images'],
  checks: ['core', 'labfile', 'plan', 'engine'],
  ui: ['core', 'labfile', 'plan'],
  cli: ['core', 'cluster', 'checks', 'ui'],
};

/** Packages only one layer may use. */
const PACKAGES: Record<string, string> = { dockerode: 'engine', 'docker-modem': 'engine', ink: 'ui' };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) found.push({ file, spec: m[3]!, typeOnly: !!m[2] });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ file, spec: m[1]!, typeOnly: false });
  return found;
}

const layerOf = (path: string) => relative(SRC, path).split('/')[0]!;

const all = files(SRC).flatMap(importsOf);

describe('architecture', () => {
  it('knows every folder of src', () => {
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('each layer imports only the layers below it', () => {
    const broken = all
      .filter((i) => i.spec.startsWith('.'))
      .filter((i) => {
        const from = layerOf(i.file);
        const to = layerOf(resolve(dirname(i.file), i.spec));
        return to !== from && !ALLOWED[from]!.includes(to);
      })
      .map((i) => `${relative(SRC, i.file)} imports ${i.spec}`);
    expect(broken).toEqual([]);
  });

  it('only src/engine talks to Docker, only src/ui draws with Ink', () => {
    const broken = all
      .filter((i) => !i.spec.startsWith('.') && PACKAGES[i.spec] !== undefined && PACKAGES[i.spec] !== layerOf(i.file))
      .map((i) => `${relative(SRC, i.file)} imports ${i.spec}`);
    expect(broken).toEqual([]);
  });

  it('finds imports (a planted back-arrow would be seen)', () => {
    const planted = importsOf(join(SRC, 'cli', 'main.ts'));
    expect(planted.some((i) => i.spec === '../core/errors.js')).toBe(true);
  });
});
