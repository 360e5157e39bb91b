import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextsToSearch, currentContext, knownContexts } from '../../../src/cluster/class/engines.js';

/** A docker config folder holding these contexts, as `docker context create` stores them. */
function dockerConfig(names: string[], current?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-ctx-'));
  for (const name of names) {
    const meta = join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: 'unix:///x.sock' } } }));
  }
  if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: current }));
  return dir;
}

describe('contexts a class is looked for on', () => {
  it('every context the docker CLI knows, default first, when none is given', () => {
    const env = { DOCKER_CONFIG: dockerConfig(['zeta', 'alpha']) };
    expect(knownContexts(env)).toEqual(['default', 'alpha', 'zeta']);
    expect(contextsToSearch(undefined, env)).toEqual(['default', 'alpha', 'zeta']);
    expect(contextsToSearch([], env)).toEqual(['default', 'alpha', 'zeta']);
  });
  it('the given ones plus default otherwise', () => {
    const env = { DOCKER_CONFIG: dockerConfig(['zeta', 'alpha']) };
    expect(contextsToSearch(['zeta', 'default', 'zeta'], env)).toEqual(['default', 'zeta']);
  });
  it('a folder that is not a context (its name is not the hash of the name inside) is left out', () => {
    const dir = dockerConfig(['ok']);
    mkdirSync(join(dir, 'contexts', 'meta', 'junk'));
    writeFileSync(join(dir, 'contexts', 'meta', 'junk', 'meta.json'), JSON.stringify({ Name: 'forged' }));
    expect(knownContexts({ DOCKER_CONFIG: dir })).toEqual(['default', 'ok']);
  });
  it('the current context: DOCKER_CONTEXT, else the config, else default', () => {
    const dir = dockerConfig(['a'], 'a');
    expect(currentContext({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'b' })).toBe('b');
    expect(currentContext({ DOCKER_CONFIG: dir })).toBe('a');
    expect(currentContext({ DOCKER_CONFIG: dockerConfig([]) })).toBe('default');
  });
});
