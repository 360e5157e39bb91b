// `list`, `status`, `exec`: looking at labs and getting inside them.
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { attachTo, catalogue, labsOnEngine, labStatus, podContainerFor } from '../../cluster/status.js';
import { NetlabError } from '../../core/errors.js';
import type { OutputOptions } from '../output.js';
import { onInterrupt } from '../signals.js';
import { table } from '../table.js';

export async function listCommand(opts: OutputOptions): Promise<number> {
  // No engine: still list the catalogue.
  const labs = await catalogue(await connectEngine().catch(() => undefined));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      ['LAB', 'STATE', 'TITLE'],
      labs.map((l) => [l.name, l.up ? 'up' : '-', l.title ?? '']),
    ),
  );
  return 0;
}

export async function statusCommand(labArg: string | undefined, opts: OutputOptions): Promise<number> {
  const engine = await connectEngine();
  if (!labArg) {
    const labs = await labsOnEngine(engine);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
      return 0;
    }
    if (labs.length === 0) {
      process.stdout.write('No lab is up. Start one: netlab up <lab> (netlab list shows them)\n');
      return 0;
    }
    process.stdout.write(
      table(
        ['LAB', 'CONTAINERS', 'RUNNING', 'FILE'],
        labs.map((l) => [l.name, String(l.containers), String(l.running), l.file ?? '']),
      ),
    );
    return 0;
  }
  const running = await RunningLab.open(engine, labArg);
  const { plan } = running;
  const rows = await labStatus(running);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ lab: plan.lab, network: plan.network, rows }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`lab ${plan.lab}  underlay ${plan.network.subnet} (${plan.network.name})\n`);
  process.stdout.write(
    table(
      ['KIND', 'NAME', 'IP', 'DETAIL', 'STATE'],
      rows.map((r) => [r.kind, r.name, r.ip, r.detail, r.state]),
    ),
  );
  const impaired = rows.filter((r) => r.impair?.length);
  if (impaired.length) {
    process.stdout.write('\nimpaired (netlab impair LAB TARGET --clear takes one back):\n');
    for (const r of impaired) for (const line of r.impair!) process.stdout.write(`  ${r.name} ${line}\n`);
  }
  return 0;
}

export async function execCommand(
  labArg: string,
  target: string,
  cmd: string[],
  options: { namespace?: string; container?: string; stdin?: boolean } = {},
): Promise<number> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (cmd.length === 0 && !tty)
    throw new NetlabError('An interactive shell needs a terminal.', { hint: `Give a command: netlab exec ${labArg} ${target} -- ip addr` });
  const exec = await attachTo(await connectEngine(), labArg, target, cmd, tty, options);
  const { stream } = exec;
  const resize = () => void exec.resize(process.stdout.rows, process.stdout.columns);
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
        resize();
      } else {
        exec.demux(process.stdout, process.stderr);
        // kubectl exec -i: what is piped in goes to the command, and its end is the command's EOF
        // (the connection half-closed, as the docker CLI does).
        if (options.stdin) process.stdin.pipe(stream);
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
    } else if (options.stdin) {
      // The command may end before its input does (`yes | netlab exec -i ... head -1`).
      process.stdin.unpipe(stream);
      process.stdin.destroy();
    }
  }
  return exec.exitCode();
}

/** `netlab logs <lab> <pod> [-c container]`: the engine's log of a pod's container, like kubectl logs. */
export async function logsCommand(labArg: string, pod: string, opts: { container?: string; follow?: boolean; tail?: string }): Promise<number> {
  const tail = opts.tail === undefined ? undefined : Number(opts.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
    throw new NetlabError(`--tail takes a number of lines, not ${JSON.stringify(opts.tail)}.`, { hint: 'e.g. --tail 20', exitCode: 2 });
  if (opts.container !== undefined && pod.includes('/'))
    throw new NetlabError(`Name the container once: ${pod} already names one.`, {
      hint: `netlab logs ${labArg} ${pod.split('/')[0]} -c ${opts.container}`,
      exitCode: 2,
    });
  const engine = await connectEngine();
  const name = await podContainerFor(engine, labArg, opts.container === undefined ? pod : `${pod}/${opts.container}`);
  const abort = new AbortController();
  const dispose = onInterrupt(() => abort.abort());
  try {
    await engine.streamLogs(name, process.stdout, { follow: opts.follow, ...(tail === undefined ? {} : { tail }), signal: abort.signal });
  } finally {
    dispose();
  }
  return 0;
}
