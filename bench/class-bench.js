#!/usr/bin/env node
// Benchmark (not a test): a class of N students brought up, graded and taken down, on one engine
// and spread over several, with the CLI as an instructor runs it, beside the Docker floor: the
// same containers of N labs (each lab's planned create options, on its own network) created and
// started with plain dockerode, 8 at a time per engine, then removed. Also what one student's lab
// costs while it runs: memory (the engine's own accounting of its containers), containers and
// processes.
//   node bench/class-bench.js [students=40] [lab=pod-to-pod] [--contexts default,netlab-d2] [--json]
// The first configuration is the first context alone, the second all the contexts given.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { ENGINE_PARALLEL, limiter, mapLimit } from '../dist/core/concurrency.js';
import { connectEngineAt } from '../dist/engine/connect.js';
import { ensureImages } from '../dist/images/index.js';
import { withAddons } from '../dist/plan/addons.js';
import { planLab } from '../dist/plan/plan.js';
import { allContainers } from '../dist/plan/types.js';
import { loadLab, resolveLabFile } from '../dist/labfile/load.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean' }, contexts: { type: 'string', default: 'default,netlab-d2' } },
});
const students = Number(positionals[0] ?? 40);
const lab = positionals[1] ?? 'pod-to-pod';
const contexts = flags.contexts.split(',').filter(Boolean);
const cli = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'netlab.js');
const work = mkdtempSync(join(tmpdir(), 'netlab-class-bench-'));
const say = (s) => {
  if (!flags.json) process.stdout.write(`${s}\n`);
};

const netlab = (args) => {
  const t = performance.now();
  const out = execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return { s: (performance.now() - t) / 1000, out };
};
const docker = (context, args) => execFileSync('docker', ['--context', context, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

/** Memory (MiB), containers and processes of one class's labs on one engine. */
function cost(context, klass) {
  const ids = docker(context, ['ps', '-q', '--filter', `label=netlab.class=${klass}`])
    .split('\n')
    .filter(Boolean);
  if (!ids.length) return { memMiB: 0, containers: 0, processes: 0 };
  const stats = docker(context, ['stats', '--no-stream', '--format', '{{.MemUsage}}\t{{.PIDs}}', ...ids]).split('\n');
  let mem = 0;
  let pids = 0;
  const unit = { B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1024, MB: 1, GB: 1024 };
  for (const line of stats) {
    const [usage, p] = line.split('\t');
    const m = /^([\d.]+)\s*([A-Za-z]+)/.exec(usage ?? '');
    if (m) mem += Number(m[1]) * (unit[m[2]] ?? 1);
    pids += Number(p) || 0;
  }
  return { memMiB: mem, containers: ids.length, processes: pids };
}

/**
 * This machine's available memory (MiB): the engines here are local, so what their labs take
 * (containers, their containerd shims, the kernel's share) shows as its fall.
 */
function availableMiB() {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const labModel = withAddons((await loadLab(resolveLabFile(lab))).lab);
const seconds = (t) => (performance.now() - t) / 1000;

/** The floor on these contexts: the N labs' containers, round-robin over the engines as class up spreads them. */
async function floor(use) {
  const engines = await Promise.all(
    use.map(async (c) => {
      const engine = await connectEngineAt(c);
      const images = await ensureImages(engine, () => {});
      return { docker: new Docker(engine.endpoint.options), images, limit: limiter(ENGINE_PARALLEL) };
    }),
  );
  const labs = Array.from({ length: students }, (_, i) => {
    const e = engines[i % engines.length];
    return { e, plan: planLab({ ...labModel, name: `cbfloor${process.pid % 1000}-${i}` }, { images: e.images, underlay: `10.248.${i}.0/24` }) };
  });
  const made = labs.map(() => []);
  const start = (e, c, ids) =>
    e.limit(async () => {
      const created = await e.docker.createContainer({ ...c.create, name: c.name });
      await created.start();
      ids.push(created.id);
    });
  const t = performance.now();
  await Promise.all(
    labs.map(async ({ e, plan }, i) => {
      await e.docker.createNetwork({
        Name: plan.network.name,
        IPAM: { Config: [{ Subnet: plan.network.subnet, Gateway: plan.network.gateway }] },
        Labels: plan.network.labels,
      });
      const infra = allContainers(plan).filter((c) => c.role !== 'pause' && c.role !== 'container');
      await Promise.all([
        ...infra.map((c) => start(e, c, made[i])),
        ...plan.pods.map(async (p) => {
          await start(e, p.pause, made[i]);
          await Promise.all(p.containers.map((c) => start(e, c, made[i])));
        }),
      ]);
    }),
  );
  const upS = seconds(t);
  const d = performance.now();
  await Promise.all(
    labs.map(async ({ e, plan }, i) => {
      await mapLimit(made[i], ENGINE_PARALLEL, (id) => e.docker.getContainer(id).remove({ force: true }));
      await e.docker.getNetwork(plan.network.name).remove();
    }),
  );
  return { upS, downS: seconds(d) };
}

async function configuration(name, use) {
  const klass = `cb${process.pid % 1000}${name}`;
  const roster = join(work, `${name}.txt`);
  writeFileSync(roster, `${Array.from({ length: students }, (_, i) => `s${String(i + 1).padStart(2, '0')}`).join('\n')}\n`);
  const ctx = use.flatMap((c) => ['--context', c]);
  say(`${name}: ${students} students of ${lab} over ${use.join(', ')}`);
  try {
    const availableBefore = availableMiB();
    const up = netlab(['class', 'up', lab, '--roster', roster, '--name', klass, ...ctx]);
    say(`  class up     ${up.s.toFixed(1)} s`);
    const grade = netlab(['class', 'grade', klass, ...ctx, '--json']);
    const graded = JSON.parse(grade.out);
    const full = graded.students.filter((s) => s.ok && s.score === s.maxScore).length;
    say(`  class grade  ${grade.s.toFixed(1)} s (${full}/${graded.students.length} full marks)`);
    const costs = use.map((c) => cost(c, klass));
    const total = costs.reduce((a, c) => ({ memMiB: a.memMiB + c.memMiB, containers: a.containers + c.containers, processes: a.processes + c.processes }), {
      memMiB: 0,
      containers: 0,
      processes: 0,
    });
    const hostMiB = (availableBefore - availableMiB()) / students;
    const perLab = { memMiB: total.memMiB / students, hostMemMiB: hostMiB, containers: total.containers / students, processes: total.processes / students };
    say(
      `  per lab      ${perLab.memMiB.toFixed(1)} MiB in its containers (docker stats), ${hostMiB.toFixed(1)} MiB of this machine's available memory; ${perLab.containers} containers, ${perLab.processes.toFixed(1)} processes`,
    );
    const down = netlab(['class', 'down', klass, ...ctx]);
    say(`  class down   ${down.s.toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 3000)); // the engines finish tearing down namespaces
    const f = await floor(use);
    say(
      `  floor        up ${f.upS.toFixed(1)} s (class up ${(up.s / f.upS).toFixed(2)}x), down ${f.downS.toFixed(1)} s (class down ${(down.s / f.downS).toFixed(2)}x)`,
    );
    return { contexts: use, upS: up.s, gradeS: grade.s, downS: down.s, floor: f, fullMarks: full, perLab };
  } catch (err) {
    netlab(['class', 'down', klass, ...ctx]);
    throw err;
  }
}

try {
  const one = await configuration('one', contexts.slice(0, 1));
  const spread = contexts.length > 1 ? await configuration('spread', contexts) : undefined;
  const result = { lab, students, one, ...(spread ? { spread } : {}) };
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (spread) say(`up+grade: ${(one.upS + one.gradeS).toFixed(1)} s on one engine, ${(spread.upS + spread.gradeS).toFixed(1)} s over ${contexts.length}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
