// `get`, `sync`, `watch`: the lab as kubectl would show it, and kube-proxy's sync on demand.
import { applyChange, changeLab, deleteChange, scaleChange, type LabChange } from '../../cluster/changes.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { type SyncResult, syncLab, syncServices } from '../../cluster/sync.js';
import { NetlabError } from '../../core/errors.js';
import { LabBusyError } from '../../core/lock.js';
import { nsName } from '../../core/names.js';
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
        s.ready ? `${s.pod.containers.length}/${s.pod.containers.length}` : `0/${s.pod.containers.length}`,
        s.ready ? 'Running' : 'NotReady',
        s.ip,
        s.node,
      ]);
      break;
    case 'services':
      header = ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'SELECTOR'];
      rows = planned.map((s) => [
        s.spec.namespace,
        s.spec.name,
        s.spec.type,
        s.clusterIP ?? 'None',
        // As kubectl prints status.loadBalancer.ingress: <pending> until an address is given.
        s.spec.type === 'LoadBalancer' ? (s.loadBalancerIP ?? '<pending>') : '<none>',
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

/** Like kube-proxy's loop: when the set of ready pods changes, sync (checked every second). */
export async function watchCommand(labArg: string, opts: OutputOptions & { interval?: string }): Promise<number> {
  const running = await RunningLab.open(await connectEngine(), labArg);
  const { lab } = running;
  const intervalMs = Math.max(200, Number(opts.interval ?? 1000));
  let last = '';
  let stop = false;
  // Ctrl-C stops after the sync in flight (and its lock); a second one at once.
  const dispose = onInterrupt(() => {
    if (stop) exitReleasingLocks(130);
    stop = true;
  });
  const say = (text: string) =>
    process.stdout.write(opts.json ? `${JSON.stringify({ type: 'message', level: 'info', text })}\n` : `${new Date().toISOString().slice(11, 19)}  ${text}\n`);
  say(`watching ${lab.name}: endpoints follow pods within ${intervalMs} ms (Ctrl-C to stop)`);
  try {
    while (!stop) {
      const sources = await running.podSources();
      const now = sources
        .filter((s) => s.ready)
        .map((s) => nsName(s.pod))
        .join(',');
      if (now !== last) {
        const gone = last.split(',').filter((p) => p && !now.split(',').includes(p));
        const back = now.split(',').filter((p) => p && last && !last.split(',').includes(p));
        let res: SyncResult;
        try {
          // Each sync under the lab's lock: a command changing the lab goes first, and the sync is tried again.
          res = await syncServices(running, () => {});
        } catch (err) {
          if (!(err instanceof LabBusyError)) throw err;
          say(`${err.message}; trying again`);
          await new Promise((r) => setTimeout(r, intervalMs));
          continue;
        }
        say(
          `${last ? `${gone.length ? `not ready: ${gone.join(' ')}; ` : ''}${back.length ? `ready again: ${back.join(' ')}; ` : ''}` : ''}synced ${res.endpoints} endpoint(s)`,
        );
        last = now;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
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
