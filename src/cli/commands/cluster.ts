// `get`, `sync`, `watch`: the lab as kubectl would show it, and kube-proxy's sync on demand.
import { applyChange, changeLab, deleteChange, scaleChange, type LabChange } from '../../cluster/changes.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { watchLab } from '../../cluster/watch.js';
import { syncLab } from '../../cluster/sync.js';
import { NetlabError } from '../../core/errors.js';
import { humanDuration, restartsText } from '../../cluster/pod-facts.js';
import { rendered, type OutputOptions } from '../output.js';
import { exitReleasingLocks, onInterrupt } from '../signals.js';
import { table } from '../table.js';
import { ingressRows } from '../../cluster/ingress.js';
import { networkPolicyRows } from '../../cluster/network-policies.js';

const KINDS = ['pods', 'services', 'endpoints', 'namespaces', 'ingresses', 'networkpolicies'] as const;
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
  namespace: 'namespaces',
  namespaces: 'namespaces',
  ns: 'namespaces',
  ingress: 'ingresses',
  ingresses: 'ingresses',
  ing: 'ingresses',
  networkpolicy: 'networkpolicies',
  networkpolicies: 'networkpolicies',
  netpol: 'networkpolicies',
};

export interface GetOptions extends OutputOptions {
  namespace?: string;
  allNamespaces?: boolean;
}

/** One row of `get`: its namespace (for -A and --json; none for namespaces) and its cells. */
interface Row {
  namespace?: string;
  cells: string[];
}

export async function getCommand(labArg: string, what: string, opts: GetOptions): Promise<number> {
  const kind = ALIASES[what];
  if (!kind) throw new NetlabError(`netlab get knows ${KINDS.join(', ')}, not ${what}.`, { hint: `netlab get ${labArg} pods`, exitCode: 2 });
  if (opts.allNamespaces && opts.namespace !== undefined)
    throw new NetlabError('-n and -A ask for different things.', {
      hint: `netlab get ${labArg} ${what} -A (every namespace), or -n ${opts.namespace}`,
      exitCode: 2,
    });
  const running = await RunningLab.open(await connectEngine(), labArg);
  const now = new Date();
  let header: string[];
  let rows: Row[];
  switch (kind) {
    case 'pods':
      header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'];
      rows = (await running.podReports()).map(({ pod, status, created }) => ({
        namespace: pod.namespace,
        cells: [
          pod.name,
          `${status.ready}/${status.total}`,
          status.status,
          restartsText(status, now),
          created ? humanDuration(now.getTime() - created.getTime()) : '<unknown>',
          pod.ip,
          pod.node,
        ],
      }));
      break;
    case 'services':
      header = ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'SELECTOR'];
      rows = (await running.services()).map((s) => ({
        namespace: s.spec.namespace,
        cells: [
          s.spec.name,
          s.spec.type,
          s.clusterIP ?? 'None',
          // As kubectl prints status.loadBalancer.ingress: <pending> until an address is given.
          s.spec.type === 'LoadBalancer' ? (s.loadBalancerIP ?? '<pending>') : '<none>',
          s.ports.map((p) => `${p.spec.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.spec.protocol}`).join(','),
          Object.entries(s.spec.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        ],
      }));
      break;
    case 'endpoints':
      header = ['NAME', 'ENDPOINTS'];
      rows = (await running.services()).map((s) => {
        const eps = [...new Set(s.ports.flatMap((p) => p.endpoints.map((e) => `${e.ip}:${e.port}`)))];
        return { namespace: s.spec.namespace, cells: [s.spec.name, eps.length ? eps.join(',') : '<none>'] };
      });
      break;
    case 'ingresses': {
      header = ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'];
      const age = await running.age();
      rows = ingressRows(running.lab.ingresses, await running.services()).map((r) => ({
        namespace: r.namespace,
        cells: [r.name, r.className, r.hosts, r.address, r.ports, age === undefined ? '<unknown>' : humanDuration(age)],
      }));
      break;
    }
    case 'networkpolicies': {
      header = ['NAME', 'POD-SELECTOR', 'AGE'];
      const age = await running.age();
      rows = networkPolicyRows(running.lab).map((p) => ({
        namespace: p.namespace,
        cells: [p.name, p.podSelector, age === undefined ? '<unknown>' : humanDuration(age)],
      }));
      break;
    }
    case 'namespaces': {
      header = ['NAME', 'STATUS', 'AGE'];
      const age = await running.age();
      rows = running.namespaces().map((n) => ({ cells: [n, 'Active', age === undefined ? '<unknown>' : humanDuration(age)] }));
      break;
    }
  }
  // As kubectl: the default namespace unless -n names another or -A asks for all of them.
  const namespace = opts.namespace ?? 'default';
  const namespaced = kind !== 'namespaces';
  if (namespaced && !opts.allNamespaces) rows = rows.filter((r) => r.namespace === namespace);
  const withNamespace = namespaced && opts.allNamespaces;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => ({ ...(namespaced ? { namespace: r.namespace } : {}), ...Object.fromEntries(header.map((h, i) => [h.toLowerCase(), r.cells[i]])) })),
        null,
        2,
      )}\n`,
    );
  } else if (rows.length === 0) {
    process.stderr.write(namespaced && !opts.allNamespaces ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
  } else {
    process.stdout.write(
      table(
        withNamespace ? ['NAMESPACE', ...header] : header,
        rows.map((r) => (withNamespace ? [r.namespace ?? '', ...r.cells] : r.cells)),
      ),
    );
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
