import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { listLabs, resolveLabFile } from '../../../src/labfile/load.js';
import { FIXTURES, GOOD } from '../../helpers/labfile-fixtures.js';

const CATALOG = join(FIXTURES, 'catalog');

describe('resolveLabFile', () => {
  it('turns a lab name into <labs>/<name>/lab.yaml', () => {
    expect(resolveLabFile('alpha', CATALOG)).toBe(join(CATALOG, 'alpha', 'lab.yaml'));
  });

  it('takes a .yaml file or a folder holding lab.yaml', () => {
    const file = join(GOOD, 'multi-node', 'lab.yaml');
    expect(resolveLabFile(file, CATALOG)).toBe(file);
    expect(resolveLabFile(join(GOOD, 'multi-node'), CATALOG)).toBe(file);
    expect(resolveLabFile('test/fixtures/labs/good/minimal', CATALOG)).toBe(join(GOOD, 'minimal', 'lab.yaml'));
  });

  it('lists the available labs for an unknown name, with "did you mean"', () => {
    const err = (() => {
      try {
        resolveLabFile('alpah', CATALOG);
      } catch (e) {
        return e;
      }
    })() as NetlabError;
    expect(err).toBeInstanceOf(NetlabError);
    expect(err.message).toBe('no lab named alpah');
    expect(err.hint).toBe('did you mean "alpha"? available labs: alpha, beta, broken');
  });

  it('rejects a folder without lab.yaml and a file that is not YAML', () => {
    expect(() => resolveLabFile(join(CATALOG, 'no-lab-file'), CATALOG)).toThrow(/has no lab\.yaml/);
    expect(() => resolveLabFile(join(CATALOG, 'no-lab-file', 'README.md'), CATALOG)).toThrow(/is not a YAML file/);
  });
});

describe('listLabs', () => {
  it('lists labs by name with their titles, skipping broken ones and folders without lab.yaml', async () => {
    expect(await listLabs(CATALOG)).toEqual([
      { name: 'alpha', title: 'The first lab', file: join(CATALOG, 'alpha', 'lab.yaml') },
      { name: 'beta', file: join(CATALOG, 'beta', 'lab.yaml') },
    ]);
  });

  it('is empty for a folder that does not exist', async () => {
    expect(await listLabs(join(CATALOG, 'nope'))).toEqual([]);
  });
});
