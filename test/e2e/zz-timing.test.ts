import { it } from 'vitest';
import { connectEngine } from '../../src/lab/docker/engine.js';
import { ensureImages } from '../../src/lab/images/index.js';
it('timing', async () => {
  const { docker } = await connectEngine();
  const t0 = performance.now();
  await ensureImages(docker, (e) => {
    if (e.type !== 'task-progress' || process.env.ALL) console.log(`${Math.round(performance.now() - t0)}ms`, JSON.stringify(e));
  }, process.env.REBUILD ? { rebuild: true, only: process.env.REBUILD.split(',') as never } : {});
  console.log('TOTAL', Math.round(performance.now() - t0));
  for (let i = 0; i < 3; i++) { const t = performance.now(); await ensureImages(docker, () => {}); console.log('CACHED', (performance.now() - t).toFixed(1)); }
});
