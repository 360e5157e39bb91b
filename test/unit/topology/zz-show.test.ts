import { it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../../src/topology/load.js';
import { LabFileError } from '../../../src/topology/errors.js';
import { FIXTURES } from './fixtures.js';
it('show', async () => {
  for (const f of (process.env.SHOW ?? '').split(',')) {
    try {
      const { lab, warnings } = await loadLab(join(FIXTURES, f));
      console.log(f, 'OK', JSON.stringify(warnings.map((w) => [`${w.at.line}:${w.at.column}`, w.message, w.hint]), null, 1));
      if (process.env.LAB) console.log(JSON.stringify({ topology: lab.topology, services: lab.services, checks: lab.checks }, null, 1));
    } catch (e) {
      if (e instanceof LabFileError) console.log(f, JSON.stringify(e.problems.map((p) => [`${p.at.file.split('/').pop()}:${p.at.line}:${p.at.column}`, p.message, p.hint]), null, 1));
      else throw e;
    }
  }
});
