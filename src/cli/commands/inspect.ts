// `list`, `status`, `exec`: looking at labs and getting inside them.
import { listLabsOnEngine } from '../../engine/state.js';
import { labFilter, LABEL_LAB } from '../../core/labels.js';
import { podContainerName } from '../../plan/plan.js';
import { NetlabError } from '../../core/errors.js';
import { listLabs } from '../../labfile/load.js';
import { containerFor, engine, runningLab, type OutputOptions } from '../../cluster/context.js';
import { table } from '../table.js';

export async function listCommand(opts: OutputOptions): Promise<number> {
  const labs = await listLabs();
  let running = new Map<string, number>();
  try {
    const docker = await engine();
    running = new Map((await listLabsOnEngine(docker)).map((l) => [l.name, l.running]));
  } catch {
    // No engine: still list the catalogue.
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(labs.map((l) => ({ ...l, up: (running.get(l.name) ?? 0) > 0 })), null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      ['LAB', 'STATE', 'TITLE'],
      labs.map((l) => [l.name, (running.get(l.name) ?? 0) > 0 ? 'up' : '-', l.title ?? '']),
    ),
  );
  return 0;
}

export async function statusCommand(labArg: string | undefined, opts: OutputOptions): Promise<number> {
  const docker = await engine();
  if (!labArg) {
    const labs = await listLabsOnEngine(docker);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
      return 0;
    }
    if (labs.length === 0) {
      process.stdout.write('No lab is up. Start one: netlab up <lab> (netlab list shows them)\n');
      return 0;
    }
    process.stdout.write(table(['LAB', 'CONTAINERS', 'RUNNING', 'FILE'], labs.map((l) => [l.name, String(l.containers), String(l.running), l.file ?? ''])));
    return 0;
  }
  const { plan } = await runningLab(docker, labArg);
  const containers = await docker.listContainers({ all: true, filters: labFilter(plan.lab) });
  const state = new Map(containers.map((c) => [c.Names[0]!.replace(/^\//, ''), c.State]));
  const rows: string[][] = [];
  for (const n of plan.nodes) rows.push(['node', n.name, n.ip, `pods ${n.podCIDR}, cbr0 ${n.bridgeIP}`, state.get(n.container.name) ?? 'missing']);
  if (plan.router) rows.push(['router', 'router', plan.router.ip, plan.router.routes.map((r) => `${r.dst} via ${r.via}`).join(', '), state.get(plan.router.name) ?? 'missing']);
  if (plan.external) rows.push(['external', 'external', plan.external.ip, '', state.get(plan.external.name) ?? 'missing']);
  for (const p of plan.pods) {
    const states = [p.pause, ...p.containers].map((c) => state.get(c.name) ?? 'missing');
    const summary = states.every((s) => s === 'running') ? 'running' : states.join('/');
    rows.push(['pod', p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`, p.ip, `on ${p.node}: ${p.containers.map((c) => c.name.slice(podContainerName(plan.lab, p).length + 1)).join(', ')}`, summary]);
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ lab: plan.lab, network: plan.network, rows: rows.map(([kind, name, ip, detail, st]) => ({ kind, name, ip, detail, state: st })) }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`lab ${plan.lab}  underlay ${plan.network.subnet} (${plan.network.name})\n`);
  process.stdout.write(table(['KIND', 'NAME', 'IP', 'DETAIL', 'STATE'], rows));
  return 0;
}

export async function execCommand(labArg: string, target: string, cmd: string[]): Promise<number> {
  const docker = await engine();
  const { name, lab } = await containerFor(docker, labArg, target);
  const container = docker.getContainer(name);
  const info = await container.inspect().catch(() => undefined);
  if (!info || info.Config.Labels?.[LABEL_LAB] !== lab || !info.State.Running) {
    throw new NetlabError(`${name} is not running.`, { hint: `netlab up ${labArg} brings it back.` });
  }
  const interactive = cmd.length === 0;
  const command = interactive ? ['sh', '-c', 'if command -v bash >/dev/null; then exec bash; else exec sh; fi'] : cmd;
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (interactive && !tty) throw new NetlabError('An interactive shell needs a terminal.', { hint: `Give a command: netlab exec ${labArg} ${target} -- ip addr` });
  const exec = await container.exec({
    Cmd: command,
    AttachStdin: tty,
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    Env: [`TERM=${process.env.TERM ?? 'xterm'}`],
  });
  const stream = await exec.start({ hijack: true, stdin: tty, Tty: tty });
  const resize = () => exec.resize({ h: process.stdout.rows, w: process.stdout.columns }).catch(() => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
      if (tty) {
        process.stdin.setRawMode(true);
        process.stdin.resume();
        process.stdin.pipe(stream);
        stream.pipe(process.stdout);
        process.stdout.on('resize', resize);
        void resize();
      } else {
        docker.modem.demuxStream(stream, process.stdout, process.stderr);
      }
    });
  } finally {
    // Give the terminal back whichever way the stream ended (a dashboard resumes after this).
    if (tty) {
      process.stdin.unpipe(stream);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      process.stdout.off('resize', resize);
      stream.unpipe?.(process.stdout);
    }
  }
  return (await exec.inspect()).ExitCode ?? 0;
}
