#!/usr/bin/env node
// Benchmark (not a test): wall time of `netlab up`, `check` and `down` for a lab, beside the
// Docker floor on this machine: the same number of containers created and started (and then
// removed) in parallel with plain dockerode, 8 at a time, as netlab does.
//   node bench/lab-bench.js [lab=multi-node] [runs=3]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectEngine, mapLimit } from '../dist/lab/docker/engine.js';
import { ensureImages } from '../dist/lab/images/index.js';
import { allContainers } from '../dist/lab/plan/types.js';
import { planLab } from '../dist/lab/plan/plan.js';
import { PARALLEL } from '../dist/lab/up.js';
import { loadLab, resolveLabFile } from '../dist/topology/load.js';

const labName = process.argv[2] ?? 'multi-node';
const runs = Number(process.argv[3] ?? 3);
const bin = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'netlab.js');
const { docker } = await connectEngine();
const images = await ensureImages(docker, () => {});
const { lab } = await loadLab(resolveLabFile(labName));
const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
const count = allContainers(plan).length;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => async () => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
const cli = (...args) => time(async () => execFileSync('node', [bin, ...args], { stdio: 'pipe', env: { ...process.env, CI: '1' } }));

async function floorRun(i) {
  const labels = { 'netlab.lab': `bench-floor-${process.pid}-${i}` };
  const ids = [];
  const upS = await time(() =>
    mapLimit(Array.from({ length: count }), PARALLEL, async () => {
      const c = await docker.createContainer({ Image: images.probe, Cmd: ['/usr/local/bin/pause'], Labels: labels, HostConfig: { NetworkMode: 'none' } });
      await c.start();
      ids.push(c.id);
    }),
  )();
  const downS = await time(() => mapLimit(ids, PARALLEL, (id) => docker.getContainer(id).remove({ force: true })))();
  return { upS, downS };
}

const rows = { floorUp: [], floorDown: [], up: [], upAgain: [], check: [], down: [] };
for (let i = 0; i < runs; i++) {
  const f = await floorRun(i);
  rows.floorUp.push(f.upS);
  rows.floorDown.push(f.downS);
  const name = `bench-${process.pid}-${i}`;
  rows.up.push(await cli('up', labName, '--name', name)());
  rows.upAgain.push(await cli('up', labName, '--name', name)());
  rows.check.push(await cli('check', name)());
  rows.down.push(await cli('down', name)());
}
const fmt = (s) => `${s.toFixed(2)} s`;
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
console.log(`lab ${labName}: ${count} containers, median of ${runs} run(s), CLI wall time (node start-up included)`);
console.log(`  floor up    ${fmt(m.floorUp)}   (${count} containers created+started with dockerode, ${PARALLEL} at a time)`);
console.log(`  netlab up   ${fmt(m.up)}   ratio ${(m.up / m.floorUp).toFixed(2)}x (target <= 1.25x)`);
console.log(`  up again    ${fmt(m.upAgain)}   (nothing to change)`);
console.log(`  check       ${fmt(m.check)}   (target < 2 s; ${lab.checks.length} checks)`);
console.log(`  floor down  ${fmt(m.floorDown)}`);
console.log(`  netlab down ${fmt(m.down)}   ratio ${(m.down / m.floorDown).toFixed(2)}x (target < 3 s)`);
