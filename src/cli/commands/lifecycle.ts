// `up`, `down`, `check`: a lab's life on the engine.
import { connectEngine, type Engine } from '../../cluster/connect.js';
import { down } from '../../cluster/down.js';
import { unlockLab } from '../../cluster/lock.js';
import { loadForUp, RunningLab } from '../../cluster/running-lab.js';
import { bringUp } from '../../cluster/up.js';
import { NetlabError } from '../../core/errors.js';
import { describeHolder } from '../../core/lock.js';
import { interruptible, rendered, type OutputOptions } from '../output.js';

const seconds = (since: number, digits = 1) => ((performance.now() - since) / 1000).toFixed(digits);

/** `up` waits this long for every pod to be ready unless --wait says otherwise. */
export const DEFAULT_WAIT_SECONDS = 60;

export async function upCommand(
  labArg: string,
  opts: OutputOptions & { name?: string; proxyMode?: string; publish?: boolean; wait?: string },
): Promise<number> {
  const wait = opts.wait === undefined ? DEFAULT_WAIT_SECONDS : Number(opts.wait);
  if (!Number.isInteger(wait) || wait < 0) {
    throw new NetlabError(`--wait takes whole seconds (0 or more), not ${JSON.stringify(opts.wait)}.`, {
      hint: `e.g. --wait 120, or --wait 0 not to wait for the pods to be ready (default ${DEFAULT_WAIT_SECONDS})`,
      exitCode: 2,
    });
  }
  // The engine is found while the lab file is read; the file's problems are still said first.
  const found = connectEngine();
  found.catch(() => undefined);
  // The lab file, read and checked before anything else; what runs is read under the lab's lock.
  const loaded = await loadForUp(connectEngine, labArg, { name: opts.name, proxyMode: opts.proxyMode });
  const engine = await found;
  const { signal, dispose } = interruptible();
  const started = performance.now();
  try {
    await rendered(
      opts,
      `netlab up ${loaded.name}`,
      (r) => bringUp(engine, loaded, r.sink, { proxyMode: opts.proxyMode, publish: opts.publish, signal, wait }),
      (result) =>
        result.changed === 0
          ? `lab ${loaded.name} is already up; nothing changed (${seconds(started)} s)`
          : `lab ${loaded.name} is up: ${result.plan.nodes.length} node(s), ${result.plan.pods.length} pod(s)${wait ? ' ready' : ' (not waited for)'} in ${seconds(started)} s. Next: netlab check ${loaded.name}${remotePublishNote(engine, result.plan)}`,
    );
    return 0;
  } finally {
    dispose();
  }
}

/** Ports published by a remote engine are on its host's 127.0.0.1, which this machine cannot reach. */
function remotePublishNote(engine: Engine, plan: { nodes: { container: { create: { HostConfig?: { PortBindings?: object } } } }[] }): string {
  const published = plan.nodes.some((n) => Object.keys(n.container.create.HostConfig?.PortBindings ?? {}).length > 0);
  if (!published || engine.endpoint.local) return '';
  return `\nnote: the engine (${engine.endpoint.source}) is not on this machine: its nodePorts are published on 127.0.0.1 of the engine's host, not here (ssh -L forwards one).`;
}

export async function downCommand(labArg: string | undefined, opts: OutputOptions & { all?: boolean }): Promise<number> {
  if (!labArg && !opts.all) {
    throw new NetlabError('Which lab?', { hint: 'netlab down <lab>, or netlab down --all for every lab on this engine', exitCode: 2 });
  }
  const engine = await connectEngine();
  const started = performance.now();
  await rendered(
    opts,
    `netlab down ${labArg ?? '--all'}`,
    (r) => down(engine, opts.all ? undefined : labArg, r.sink),
    (res) => `removed ${res.containers} container(s), ${res.networks} network(s), ${res.volumes} volume(s) in ${seconds(started)} s`,
  );
  return 0;
}

export async function checkCommand(labArg: string, opts: OutputOptions & { only?: string[]; exercise?: string; checks?: string }): Promise<number> {
  if (opts.only && opts.exercise !== undefined) {
    throw new NetlabError('Give --only or --exercise, not both.', { hint: "--exercise n runs exactly that exercise's checks", exitCode: 2 });
  }
  // Loaded here: `up` and `down` need none of the probing and diagnosis code.
  const found = connectEngine();
  found.catch(() => undefined);
  const [{ runChecks }, { findExercise }] = await Promise.all([import('../../checks/run.js'), import('../../checks/grade.js')]);
  const running = await RunningLab.open(await found, labArg, opts.checks !== undefined ? { checksFile: opts.checks } : {});
  const { checkFile } = running;
  const only = opts.exercise !== undefined ? findExercise(running.lab, opts.exercise).exercise.checks : opts.only;
  if (opts.json) {
    // One JSON document on stdout, for graders and scripts.
    const report = { ...(await runChecks(running, () => {}, only)), ...(checkFile ? { checkFile } : {}) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const started = performance.now();
  const report = await rendered(
    opts,
    `netlab check ${running.name}`,
    (r) => runChecks(running, r.sink, only),
    (rep) => {
      const failed = rep.checks.filter((c) => !c.ok).length;
      const from = checkFile ? `; checks from ${checkFile.path} (sha256 ${checkFile.sha256.slice(0, 12)})` : '';
      return `${rep.checks.length - failed} passed, ${failed} failed (${seconds(started, 2)} s)${from}`;
    },
  );
  return report.ok ? 0 : 1;
}

export async function unlockCommand(labArg: string, opts: { force?: boolean }): Promise<number> {
  const engine = await connectEngine();
  // A lab name as it is (the lab may be gone, its lock left), else a lab file's lab.
  const lab = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(labArg) ? labArg : (await loadForUp(connectEngine, labArg)).name;
  const holder = await unlockLab(engine, lab, { force: opts.force });
  process.stdout.write(holder ? `broke the lock of lab ${lab}, held by ${describeHolder(holder)}\n` : `lab ${lab} is not locked\n`);
  return 0;
}
