// Fuzzing the lab-file language (issue 8): the shipped labs and check files made from them,
// mutated in every leaf and as whole documents (test/helpers/fuzz.ts), go through the loader.
// Each case is a clear refusal (a NetlabError naming file:line:column) or a lab that loads;
// never a crash, never a hang (a watchdog ends the run if one case takes too long). Every
// accepted lab is then planned and its checks run against a fake engine, and each toolbox
// request they build (probe batches, kube-proxy syncs) is run as netlab-agent runs it (its
// programs by argv, stubbed): each program is one of the agent's list, the payloads' canary
// file is never created, and every probe is still judged.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { probeBatchRequest, runChecks } from '../../../src/checks/run.js';
import type { ProbeRunner } from '../../../src/checks/schedule.js';
import type { StepResult, ToolboxRequest } from '../../../src/core/toolbox-request.js';
import type { Engine } from '../../../src/engine/engine.js';
import { NetlabError } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import type { Lab } from '../../../src/labfile/model.js';
import { displayPath } from '../../../src/labfile/read/positions.js';
import { withAddons } from '../../../src/plan/addons.js';
import { planLab } from '../../../src/plan/plan.js';
import { proxyModeDriver } from '../../../src/plan/proxy/registry.js';
import { podSourcesFrom } from '../../../src/plan/readiness.js';
import { proxySyncRequest } from '../../../src/plan/requests.js';
import { planServices, proxyInput } from '../../../src/plan/services.js';
import { allContainers } from '../../../src/plan/types.js';
import { AGENT_PROGRAMS } from '../../helpers/agent-programs.js';
import { images } from '../../helpers/plan-fixtures.js';
import {
  canariesIn,
  canaryPath,
  checkFileSeeds,
  checksArb,
  textArb,
  mutationArb,
  mutateText,
  shellPayloads,
  shippedLabs,
  unclearError,
} from '../../helpers/fuzz.js';

const LAB_RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 700);
const CHECK_RUNS = Math.ceil(LAB_RUNS / 2);
const WRITTEN_RUNS = Math.ceil(LAB_RUNS / 4);
const SEED = Number(process.env.NETLAB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Past this, one case is a hang: the watchdog names it and ends the run (synchronous code cannot be interrupted). */
const HANG_MS = Number(process.env.NETLAB_FUZZ_HANG_MS ?? 60_000);
/** A case slower than this fails its property (a loader that takes seconds on a small file is a bug too). */
const SLOW_MS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'netlab-fuzz-'));
const canary = canaryPath();
const stats = { cases: 0, refused: 0, accepted: 0, crashes: 0, canaries: 0, scripts: 0, planRefused: 0 };
/** Accepted cases of each property (lab files, check files, written checks, payload list). */
const acceptedBy = [0, 0, 0, 0, 0];

// ---------------------------------------------------------------- a watchdog for hangs

// The case being run and when it started, shared with a thread that is not blocked by it.
const shared = new Int32Array(new SharedArrayBuffer(12));
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   const s = new Int32Array(workerData.buffer);
   setInterval(() => {
     const started = Atomics.load(s, 0);
     if (started && Math.floor(Date.now() / 1000) - started > workerData.limit / 1000) {
       // Straight to fd 2: a worker's process.stderr goes through the main thread, which is the one stuck.
       require('node:fs').writeSync(2, 'fuzz: case ' + Atomics.load(s, 1) + ' of property ' + Atomics.load(s, 2) + ' hangs (seed ' + workerData.seed + '): rerun with NETLAB_FUZZ_SEED=' + workerData.seed + '\\n');
       process.kill(process.pid, 'SIGKILL');
     }
   }, 200);`,
  { eval: true, workerData: { buffer: shared.buffer, limit: HANG_MS, seed: SEED } },
);
watchdog.unref();

async function bounded<T>(property: number, index: number, fn: () => Promise<T>): Promise<T> {
  Atomics.store(shared, 1, index);
  Atomics.store(shared, 2, property);
  Atomics.store(shared, 0, Math.floor(Date.now() / 1000));
  try {
    return await fn();
  } finally {
    Atomics.store(shared, 0, 0);
  }
}

afterAll(async () => {
  await watchdog.terminate();
  rmSync(dir, { recursive: true, force: true });
  for (const f of canariesIn(canary)) rmSync(f, { force: true });
});

// ---------------------------------------------------------------- the agent's programs, stubbed

// Every step is run as netlab-agent runs it: its program (one of the agent's fixed list, read from
// docker/probe/main.go) by argv, its stdin given, no shell. Each program is a stub that only
// reads its stdin and exits, so a payload could only act if some step handed it to a shell or another interpreter.
const stubs = join(dir, 'bin');
mkdirSync(stubs);
for (const program of AGENT_PROGRAMS) writeFileSync(join(stubs, program), '#!/bin/sh\ncat >/dev/null\nexit 0\n', { mode: 0o755 });
const FAKE_PID = 4_200_000;

// Steps already run once need no second run (most accepted cases mutated a field no step holds).
const ran = new Set<string>();

/** Runs each step of one toolbox request as the agent would; results as the agent gives them. */
function runSteps(req: ToolboxRequest<unknown>): StepResult[] {
  return req.steps.map((step) => {
    expect(AGENT_PROGRAMS.has(step.argv[0]), `${step.argv[0]} is not one of the agent's programs`).toBe(true);
    const key = JSON.stringify(step);
    if (!ran.has(key)) {
      ran.add(key);
      stats.scripts++;
      execFileSync(join(stubs, step.argv[0]), step.argv.slice(1), {
        input: step.stdin ?? '',
        env: { PATH: '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...step.env },
        cwd: dir,
        timeout: 20_000,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    }
    return { exitCode: 0, stdout: '', stderr: '', ms: 1 };
  });
}

/**
 * Plans an accepted lab, runs its checks against a fake engine (every container running) and
 * runs each toolbox request they build, and the kube-proxy sync's, as the agent would.
 */
async function probeAccepted(loaded: Lab): Promise<void> {
  // As `netlab check` runs a lab: with its add-ons (CoreDNS), then planned.
  const lab = withAddons(loaded);
  let plan: ReturnType<typeof planLab>;
  try {
    plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
  } catch (err) {
    if (!(err instanceof NetlabError)) throw err;
    stats.planRefused++;
    return;
  }
  const containers = allContainers(plan);
  const pids = new Map(containers.map((c, i) => [c.name, FAKE_PID + i]));
  const engine = {
    listContainers: async () => containers.map((c) => ({ Id: c.name, Names: [`/${c.name}`], State: 'running' })),
    pidOf: async (name: string) => pids.get(name) ?? 0,
  } as unknown as Engine;
  const batches: { req: ToolboxRequest<Map<number, unknown>>; indices: number[] }[] = [];
  const runner: ProbeRunner = {
    runBatch: async (jobs) => {
      batches.push({ req: probeBatchRequest(jobs), indices: jobs.map((j) => j.index) });
      return new Map(jobs.map((j) => [j.index, { ok: true, ms: 1, detail: '' }]));
    },
  };
  await runChecks({ engine, toolbox: undefined as never, lab, plan }, () => {}, undefined, { runner, sleep: async () => {} });
  for (const { req, indices } of batches) {
    const reported = [...req.parse(runSteps(req)).keys()];
    // Every probe is judged (no payload changed the shape of the request), and none ran a payload.
    expect(reported.sort((a, b) => a - b)).toEqual([...indices].sort((a, b) => a - b));
    expectNoCanary(JSON.stringify(req.steps));
  }
  if (lab.services.length) {
    const running = new Set(containers.map((c) => c.name));
    const planned = planServices(lab.services, podSourcesFrom(lab, plan, running), lab.topology.serviceCIDR);
    const driver = proxyModeDriver(lab.topology.proxyMode);
    const jobs = plan.nodes.map((n) => ({
      node: n.name,
      sync: driver.sync(proxyInput(planned, n.name, n.ip, lab.topology.clusterCIDR, lab.topology.serviceCIDR), { pid: pids.get(n.container.name)! }),
    }));
    const req = proxySyncRequest(jobs);
    runSteps(req);
    expectNoCanary(JSON.stringify(req.steps));
  }
}

function expectNoCanary(script: string): void {
  const made = canariesIn(canary);
  if (made.length) {
    stats.canaries++;
    for (const f of made) rmSync(f, { force: true });
    expect.fail(`a payload ran: ${made.join(', ')} was created by\n${script.slice(0, 4000)}`);
  }
}

// ---------------------------------------------------------------- one case

type Outcome = 'refused' | 'accepted';

async function runCase(files: Map<string, string>, load: () => ReturnType<typeof loadLab>, property: number, index: number): Promise<Outcome> {
  stats.cases++;
  const started = Date.now();
  const outcome = await bounded(property, index, async (): Promise<Outcome> => {
    let loaded: Awaited<ReturnType<typeof loadLab>>;
    try {
      loaded = await load();
    } catch (err) {
      const why = unclearError(err, files, displayPath);
      if (why) {
        stats.crashes++;
        expect.fail(`${why}\n--- case files ---\n${[...files].map(([p, t]) => `# ${p}\n${t.slice(0, 3000)}`).join('\n')}`);
      }
      stats.refused++;
      return 'refused';
    }
    stats.accepted++;
    acceptedBy[property]!++;
    await probeAccepted(loaded.lab);
    return 'accepted';
  });
  const ms = Date.now() - started;
  expect(ms, `one case took ${ms} ms`).toBeLessThan(SLOW_MS);
  return outcome;
}

// ---------------------------------------------------------------- the properties

const seeds = shippedLabs();
const params = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

describe('fuzzing lab files and check files', () => {
  it(`${LAB_RUNS} mutated lab files: refused with file:line:column, or loaded; payloads stay data`, { timeout: 600_000 }, async () => {
    let index = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutationArb(canary), async (s, mutation) => {
        const seed = seeds[s % seeds.length]!;
        const paths = [...seed.files.keys()];
        const target = paths[mutation.file % paths.length]!;
        const files = new Map(seed.files);
        files.set(target, mutateText(seed.files.get(target)!, mutation));
        await runCase(files, () => loadLab(seed.labFile, { files }), 1, index++);
      }),
      params(LAB_RUNS),
    );
  });

  it(`${CHECK_RUNS} mutated check files (--checks FILE): the same`, { timeout: 600_000 }, async () => {
    let index = 0;
    const checkSeeds = seeds.flatMap((seed) => checkFileSeeds(seed).map((text) => ({ seed, text })));
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutationArb(canary), async (s, mutation) => {
        const { seed, text } = checkSeeds[s % checkSeeds.length]!;
        const checksFile = join(dir, `checks-${index}.yaml`);
        const mutated = mutateText(text, mutation);
        writeFileSync(checksFile, mutated);
        const files = new Map(seed.files).set(checksFile, mutated);
        await runCase(files, () => loadLab(seed.labFile, { files: seed.files, checksFile }), 2, index++);
        rmSync(checksFile, { force: true });
      }),
      params(CHECK_RUNS),
    );
  });

  it(`${WRITTEN_RUNS} check files written field by field, payloads in the fields that reach probes: the same`, { timeout: 600_000 }, async () => {
    let index = 0;
    const seed = seeds.find((s) => s.name === 'service-dns')!;
    await fc.assert(
      fc.asyncProperty(checksArb(canary), async (checks) => {
        const checksFile = join(dir, `written-${index}.yaml`);
        const text = stringify({ checks });
        writeFileSync(checksFile, text);
        await runCase(new Map(seed.files).set(checksFile, text), () => loadLab(seed.labFile, { files: seed.files, checksFile }), 3, index++);
        rmSync(checksFile, { force: true });
      }),
      params(WRITTEN_RUNS),
    );
  });

  it('every shell payload, in every check field that reaches a probe, is accepted and stays data', { timeout: 120_000 }, async () => {
    const seed = seeds.find((s) => s.name === 'service-dns')!;
    let accepted = 0;
    for (const [i, payload] of shellPayloads(canary).entries()) {
      const checks = [
        { name: 'ptr', from: 'client', probe: 'dns', record: 'PTR', to: `${payload}.in-addr.arpa` },
        { name: 'contains', from: 'client', to: 'service/web:http', by: 'dns', contains: payload },
        { name: 'texts', from: 'client', to: 'web:80', pass: payload, fail: payload, hint: payload },
      ];
      const checksFile = join(dir, `payload-${i}.yaml`);
      const text = `checks:\n${checks.map((c) => `  - ${JSON.stringify(c)}`).join('\n')}\n`;
      writeFileSync(checksFile, text);
      const outcome = await runCase(new Map(seed.files).set(checksFile, text), () => loadLab(seed.labFile, { files: seed.files, checksFile }), 4, i);
      if (outcome === 'accepted') accepted++;
    }
    // Only those with a NUL or a name the resolver could never ask for are refused.
    expect(accepted).toBeGreaterThan(shellPayloads(canary).length / 2);
  });

  it("a copy's name (--name) is a DNS label, or refused before anything is read", async () => {
    const seed = seeds.find((s) => s.name === 'pod-to-pod')!;
    await fc.assert(
      fc.asyncProperty(fc.oneof(textArb(canary), fc.stringMatching(/^[a-z0-9-]{0,40}$/)), async (name) => {
        try {
          const { lab } = await loadLab(seed.labFile, { files: seed.files, name });
          expect(lab.name).toBe(name);
          expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$/);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(NetlabError);
          expect((err as NetlabError).exitCode).toBe(2);
          expect((err as Error).message).toMatch(/lab name/);
        }
      }),
      params(200),
    );
  });

  it('reports its counts', () => {
    const line = `fuzz: ${stats.cases} cases, ${stats.refused} refused, ${stats.accepted} accepted, ${stats.crashes} crashes, ${stats.canaries} canaries (seed ${SEED}; accepted: ${acceptedBy[1]} lab files, ${acceptedBy[2]} + ${acceptedBy[3]} check files, ${acceptedBy[4]} payload check files; ${stats.scripts} distinct agent steps run by argv, ${stats.planRefused} refused by the planner)`;
    console.log(line);
    expect(stats.crashes).toBe(0);
    expect(stats.canaries).toBe(0);
    expect(stats.cases).toBeGreaterThanOrEqual(LAB_RUNS + CHECK_RUNS + WRITTEN_RUNS);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.accepted).toBeGreaterThan(0);
  });
});
