#!/usr/bin/env node
// Benchmark (not a test): wall time of `netlab up`, `check` and `down` for a lab, beside the
// Docker floor on this machine: the same containers created and started (and then removed)
// in parallel with plain dockerode (not netlab's engine layer), 8 at a time.
//   node bench/lab-bench.js [lab=multi-node] [runs=3]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { ENGINE_PARALLEL as PARALLEL, limiter, mapLimit } from '../dist/core/concurrency.js';
import { connectEngine } from '../dist/engine/connect.js';
import { ensureImages } from '../dist/images/index.js';
import { allContainers } from '../dist/plan/types.js';
import { planLab } from '../dist/plan/plan.js';
import { withAddons } from '../dist/plan/addons.js';
import { up } from '../dist/cluster/up.js';
import { down } from '../dist/cluster/down.js';
import { loadLab, resolveLabFile } from '../dist/labfile/load.js';

const labName = process.argv[2] ?? 'multi-node';
const runs = Number(process.argv[3] ?? 3);
const bin = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'netlab.js');
const engine = await connectEngine();
// The floor talks to the same engine through plain dockerode.
const docker = new Docker(engine.endpoint.options);
const images = await ensureImages(engine, () => {}); // every image, CoreDNS included
// With its add-ons (CoreDNS when the lab has services), as `netlab up` runs it.
const lab = withAddons((await loadLab(resolveLabFile(labName))).lab);
const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
const count = allContainers(plan).length;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => async () => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
const cli = (...args) => time(async () => execFileSync('node', [bin, ...args], { stdio: 'pipe', env: { ...process.env, CI: '1' } }));

/**
 * The floor: the SAME containers (the plan's own create options, on the same kind of network),
 * created and started with plain dockerode, 8 at a time, app containers after their sandbox:
 * no CNI, no routes, no checks of existing state, no CLI start-up.
 */
async function floorRun(i) {
  const name = `bench-floor-${process.pid}-${i}`;
  const floorPlan = planLab({ ...lab, name }, { images, underlay: '10.249.0.0/24' });
  const ids = [];
  const upS = await time(async () => {
    await docker.createNetwork({
      Name: floorPlan.network.name,
      IPAM: { Config: [{ Subnet: floorPlan.network.subnet, Gateway: floorPlan.network.gateway }] },
      Labels: floorPlan.network.labels,
    });
    const limit = limiter(PARALLEL);
    const start = (c) =>
      limit(async () => {
        const created = await docker.createContainer({ ...c.create, name: c.name });
        await created.start();
        ids.push(created.id);
      });
    const infra = allContainers(floorPlan).filter((c) => c.role !== 'pause' && c.role !== 'container');
    await Promise.all([
      ...infra.map(start),
      ...floorPlan.pods.map(async (p) => {
        await start(p.pause);
        await Promise.all(p.containers.map(start));
      }),
    ]);
  })();
  const downS = await time(async () => {
    await mapLimit(ids, PARALLEL, (id) => docker.getContainer(id).remove({ force: true }));
    await docker.getNetwork(floorPlan.network.name).remove();
  })();
  return { upS, downS };
}

// The engine finishes tearing down namespaces after `remove` returns: let it settle between
// phases so that no phase pays for the one before.
const settle = () => new Promise((r) => setTimeout(r, 1500));
const rows = { floorUp: [], floorDown: [], up: [], upAgain: [], check: [], down: [], libUp: [], libDown: [] };
for (let i = 0; i < runs; i++) {
  await settle();
  const f = await floorRun(i);
  rows.floorUp.push(f.upS);
  rows.floorDown.push(f.downS);
  const name = `bench-${process.pid}-${i}`;
  await settle();
  rows.up.push(await cli('up', labName, '--name', name)());
  rows.upAgain.push(await cli('up', labName, '--name', name)());
  rows.check.push(await cli('check', name)());
  rows.down.push(await cli('down', name)());
  // The same work in-process: what the engine costs netlab, without Node's start-up.
  await settle();
  const libName = `bench-lib-${process.pid}-${i}`;
  rows.libUp.push(await time(() => up(engine, { ...lab, name: libName }, () => {}, { images }))());
  rows.libDown.push(await time(() => down(engine, libName, () => {}))());
}
const fmt = (s) => `${s.toFixed(2)} s`;
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
console.log(`lab ${labName}: ${count} containers, median of ${runs} run(s), CLI wall time (node start-up included)`);
console.log(`  floor up    ${fmt(m.floorUp)}   (the same ${count} containers and network, plain dockerode, ${PARALLEL} at a time)`);
console.log(`  netlab up   ${fmt(m.up)}   ratio ${(m.up / m.floorUp).toFixed(2)}x (target <= 1.25x)`);
console.log(`  up (in-process) ${fmt(m.libUp)}   ratio ${(m.libUp / m.floorUp).toFixed(2)}x   (library call, no CLI start-up)`);
console.log(`  up again    ${fmt(m.upAgain)}   (nothing to change)`);
console.log(`  check       ${fmt(m.check)}   (target < 2 s; ${lab.checks.length} checks)`);
console.log(`  floor down  ${fmt(m.floorDown)}`);
console.log(`  netlab down ${fmt(m.down)}   ratio ${(m.down / m.floorDown).toFixed(2)}x (target < 3 s)`);
console.log(`  down (in-process) ${fmt(m.libDown)}`);
