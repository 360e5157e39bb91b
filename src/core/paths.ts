// Where netlab's own files live, whether run from a clone (dist/) or an installed package.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above this module (dist/core or src/core). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const labsDir = join(packageRoot, 'labs');
export const dockerDir = join(packageRoot, 'docker');
export const schemaDir = join(packageRoot, 'schema');
