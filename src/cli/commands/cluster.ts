// `get`, `sync`, `watch`: the lab as kubectl would show it, and kube-proxy's sync on demand.
import { podSources, syncServices } from '../../cluster/sync.js';
import { planServices } from '../../plan/services.js';
import { NetlabError } from '../../core/errors.js';
import { applyChange, changeLab, deleteChange, scaleChange, type LabChange } from '../../cluster/changes.js';
import { engine, renderer, runningLab, type OutputOptions } from '../../cluster/context.js';
import { table } from '../table.js';

const KINDS = ['pods', 'services', 'endpoints'] as const;
type Kind = (typeof KINDS)[number];
const ALIASES: Record<string, Kind> = { pod: 'pods', po: 'pods', pods: 'pods', service: 'services', services: 'services', svc: 'services', endpoints: 'endpoints', ep: 'endpoints' };

export async function getCommand(labArg: string, what: string, opts: OutputOptions): Promise<number> {
  const kind = ALIASES[what];
  if (!kind) throw new NetlabError(`netlab get knows ${KINDS.join(', ')}, not ${what}.`, { hint: `netlab get ${labArg} pods`, exitCode: 2 });
  const docker = await engine();
  const { lab, plan } = await runningLab(docker, labArg);
  const sources = await podSources(docker, lab, plan);
  const planned = planServices(lab.services, sources, lab.topology.serviceCIDR);
  let header: string[];
  let rows: string[][];
  switch (kind) {
    case 'pods':
      header = ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'IP', 'NODE'];
      rows = sources.map((s) => [s.pod.namespace, s.pod.name, s.ready ? `${s.pod.containers.length}/${s.pod.containers.length}` : `0/${s.pod.containers.length}`, s.ready ? 'Running' : 'NotReady', s.ip, s.node]);
      break;
    case 'services':
      header = ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'SELECTOR'];
      rows = planned.map((s) => [
        s.spec.namespace,
        s.spec.name,
        s.spec.type,
        s.clusterIP ?? 'None',
        s.ports.map((p) => `${p.spec.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.spec.protocol}`).join(','),
        Object.entries(s.spec.selector).map(([k, v]) => `${k}=${v}`).join(','),
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
    process.stdout.write(`${JSON.stringify(rows.map((r) => Object.fromEntries(header.map((h, i) => [h.toLowerCase(), r[i]]))), null, 2)}\n`);
  } else {
    process.stdout.write(table(header, rows));
  }
  return 0;
}

export async function syncCommand(labArg: string, opts: OutputOptions): Promise<number> {
  const docker = await engine();
  const { lab, plan } = await runningLab(docker, labArg);
  const r = renderer(opts, `netlab sync ${lab.name}`);
  try {
    const res = await syncServices(docker, lab, plan, r.sink);
    await r.finish(`synced ${res.services.length} service(s), ${res.endpoints} endpoint(s) in ${lab.topology.proxyMode} mode`);
    return 0;
  } catch (err) {
    await r.finish();
    throw err;
  }
}

/** Like kube-proxy's loop: when the set of ready pods changes, sync (checked every second). */
export async function watchCommand(labArg: string, opts: OutputOptions & { interval?: string }): Promise<number> {
  const docker = await engine();
  const { lab, plan } = await runningLab(docker, labArg);
  const intervalMs = Math.max(200, Number(opts.interval ?? 1000));
  let last = '';
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  const say = (text: string) => process.stdout.write(opts.json ? `${JSON.stringify({ type: 'message', level: 'info', text })}\n` : `${new Date().toISOString().slice(11, 19)}  ${text}\n`);
  say(`watching ${lab.name}: endpoints follow pods within ${intervalMs} ms (Ctrl-C to stop)`);
  while (!stop) {
    const sources = await podSources(docker, lab, plan);
    const now = sources.filter((s) => s.ready).map((s) => `${s.pod.namespace}/${s.pod.name}`).join(',');
    if (now !== last) {
      const gone = last.split(',').filter((p) => p && !now.split(',').includes(p));
      const back = now.split(',').filter((p) => p && last && !last.split(',').includes(p));
      const res = await syncServices(docker, lab, plan, () => {});
      say(`${last ? `${gone.length ? `not ready: ${gone.join(' ')}; ` : ''}${back.length ? `ready again: ${back.join(' ')}; ` : ''}` : ''}synced ${res.endpoints} endpoint(s)`);
      last = now;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return 0;
}

async function runChange(labArg: string, opts: OutputOptions, change: LabChange): Promise<number> {
  const r = renderer(opts, `netlab ${labArg}`);
  try {
    const what = await changeLab(await engine(), labArg, r.sink, change);
    await r.finish(what);
    return 0;
  } catch (err) {
    await r.finish();
    throw err;
  }
}

export async function applyCommand(labArg: string, opts: OutputOptions & { file: string }): Promise<number> {
  return runChange(labArg, opts, applyChange(opts.file));
}

export async function deleteCommand(labArg: string, object: string, opts: OutputOptions & { namespace?: string }): Promise<number> {
  return runChange(labArg, opts, deleteChange(labArg, object, opts.namespace ?? 'default'));
}

export async function scaleCommand(labArg: string, object: string, opts: OutputOptions & { replicas: string; namespace?: string }): Promise<number> {
  return runChange(labArg, opts, scaleChange(labArg, object, opts.replicas, opts.namespace ?? 'default'));
}
