// `get`, `sync`, `watch`: the lab as kubectl would show it, and kube-proxy's sync on demand.
import { applyChange, changeLab, deleteChange, scaleChange, type LabChange } from '../../cluster/changes.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { watchLab } from '../../cluster/watch.js';
import { syncLab } from '../../cluster/sync.js';
import { NetlabError } from '../../core/errors.js';
import { rendered, type OutputOptions } from '../output.js';
import { exitReleasingLocks, onInterrupt } from '../signals.js';
import { table } from '../table.js';

const KINDS = ['pods', 'services', 'endpoints'] as const;
type Kind = (typeof KINDS)[number];
const ALIASES: Record<string, Kind> = {
  pod: 'pods',
  po: 'pods',
  pods: 'pods',
  service: 'services',
  services: 'services',
  svc: 'services',
  endpoints: 'endpoints',
  ep: 'endpoints',
};

export async function getCommand(labArg: string, what: string, opts: OutputOptions): Promise<number> {
  const kind = ALIASES[what];
  if (!kind) throw new NetlabError(`netlab get knows ${KINDS.join(', ')}, not ${what}.`, { hint: `netlab get ${labArg} pods`, exitCode: 2 });
  const running = await RunningLab.open(await connectEngine(), labArg);
  const sources = await running.podSources();
  const planned = await running.services(sources);
  let header: string[];
  let rows: string[][];
  switch (kind) {
    case 'pods':
      header = ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'IP', 'NODE'];
      rows = sources.map((s) => [
        s.pod.namespace,
        s.pod.name,
        `${s.containers ? s.containers.filter((c) => c.ready).length : s.ready ? s.pod.containers.length : 0}/${s.pod.containers.length}`,
        s.ready ? 'Running' : 'NotReady',
        s.ip,
        s.node,
      ]);
      break;
    case 'services':
      header = ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'SELECTOR'];
      rows = planned.map((s) => [
        s.spec.namespace,
        s.spec.name,
        s.spec.type,
        s.clusterIP ?? 'None',
        s.ports.map((p) => `${p.spec.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.spec.protocol}`).join(','),
        Object.entries(s.spec.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ]);
      break;
    case 'endpoints':
      header = ['NAMESPACE', 'NAME', 'ENDPOINTS'];
      rows = planned.map((s) => {
        const eps = [...new Set(s.ports.flatMap((p) => p.endpoints.map((e) => `${e.ip}:${e.port}`)))];
        return [s.spec.namespace, s.spec.name, eps.length ? eps.join(',') : '<none>'];
      });
      break;
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => Object.fromEntries(header.map((h, i) => [h.toLowerCase(), r[i]]))),
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(table(header, rows));
  }
  return 0;
}

export async function syncCommand(labArg: string, opts: OutputOptions): Promise<number> {
  await rendered(
    opts,
    `netlab sync ${labArg}`,
    async (r) => syncLab(await connectEngine(), labArg, r.sink),
    ({ result, running }) => `synced ${result.services.length} service(s), ${result.endpoints} endpoint(s) in ${running.lab.topology.proxyMode} mode`,
  );
  return 0;
}

/**
 * The lab's control loop (src/cluster/watch.ts): readiness and liveness probes on their periods,
 * liveness failures restart containers, endpoints follow the ready pods.
 */
export async function watchCommand(labArg: string, opts: OutputOptions & { interval?: string }): Promise<number> {
  const running = await RunningLab.open(await connectEngine(), labArg);
  const intervalMs = Math.max(200, Number(opts.interval ?? 1000));
  let stop = false;
  // Ctrl-C stops after the sync in flight (and its lock); a second one at once.
  const dispose = onInterrupt(() => {
    if (stop) exitReleasingLocks(130);
    stop = true;
  });
  const say = (text: string) =>
    process.stdout.write(opts.json ? `${JSON.stringify({ type: 'message', level: 'info', text })}\n` : `${new Date().toISOString().slice(11, 19)}  ${text}\n`);
  try {
    await watchLab(running, { intervalMs, say, stopped: () => stop });
  } finally {
    dispose();
  }
  return 0;
}

async function runChange(labArg: string, opts: OutputOptions, change: LabChange, command: 'apply' | 'delete' | 'scale'): Promise<number> {
  const engine = await connectEngine();
  await rendered(
    opts,
    `netlab ${command} ${labArg}`,
    (r) => changeLab(engine, labArg, r.sink, change, command),
    (what) => what,
  );
  return 0;
}

export async function applyCommand(labArg: string, opts: OutputOptions & { file: string }): Promise<number> {
  return runChange(labArg, opts, applyChange(opts.file), 'apply');
}

export async function deleteCommand(labArg: string, object: string, opts: OutputOptions & { namespace?: string }): Promise<number> {
  return runChange(labArg, opts, deleteChange(labArg, object, opts.namespace ?? 'default'), 'delete');
}

export async function scaleCommand(labArg: string, object: string, opts: OutputOptions & { replicas: string; namespace?: string }): Promise<number> {
  return runChange(labArg, opts, scaleChange(labArg, object, opts.replicas, opts.namespace ?? 'default'), 'scale');
}
