// Shell scripts the toolbox runs: plumbing a pod with the real CNI plugins, and routes.
// Pure text generation, so they are unit-tested without Docker.
import type { Route } from './types.js';

/** Single-quotes a value for sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One shell word for `value`, whatever it holds: as it is when it has only plain characters, else quoted. */
export function shArg(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : shq(value);
}

export interface PlumbInput {
  /** Pause container ID: the CNI container ID, as kubelet passed the sandbox ID. */
  containerId: string;
  podPid: number;
  nodePid: number;
  ip: string;
  cniConfig: Record<string, unknown>;
}

/**
 * Plumbs one pod the way kubelet drove CNI: the bridge plugin runs in the node's network
 * namespace with CNI_NETNS pointing at the pause container's. host-local keeps its state in
 * the node's own file system (reached through /proc/<node pid>/root), so every node has its
 * own allocations. The pod IP is the one the plan chose, requested with CNI_ARGS IP=.
 * Prints `unchanged` when eth0 already holds the IP, else the plugin's result JSON.
 */
export function plumbPodScript(p: PlumbInput): string {
  const dataDir = `/proc/${p.nodePid}/root/var/lib/cni/networks`;
  const config = JSON.stringify({ ...p.cniConfig, ipam: { ...(p.cniConfig.ipam as object), dataDir } });
  return [
    'set -e',
    `pod=/proc/${p.podPid}/ns/net`,
    `node=/proc/${p.nodePid}/ns/net`,
    `conf=${shq(config)}`,
    `if nsenter --net="$pod" ip -4 -o addr show dev eth0 2>/dev/null | grep -q ' inet ${p.ip}/'; then echo unchanged; exit 0; fi`,
    'export CNI_PATH=/usr/lib/cni CNI_IFNAME=eth0',
    'cni() { printf %s "$conf" | env "$@" nsenter --net="$node" /usr/lib/cni/bridge; }',
    // Release what an earlier sandbox of this pod (or a stale one holding this IP) had: a real CNI DEL.
    // host-local's file is `<container id>\r\n<ifname>`.
    `owner=$(head -n1 ${shq(`${dataDir}/netlab/${p.ip}`)} 2>/dev/null | tr -d '\r' || true)`,
    `if [ -n "$owner" ] && [ "$owner" != ${shq(p.containerId)} ]; then cni CNI_COMMAND=DEL CNI_CONTAINERID="$owner" CNI_NETNS=; fi`,
    `cni CNI_COMMAND=DEL CNI_CONTAINERID=${shq(p.containerId)} CNI_NETNS="$pod" >/dev/null 2>&1 || true`,
    `cni CNI_COMMAND=ADD CNI_CONTAINERID=${shq(p.containerId)} CNI_NETNS="$pod" ${shq(`CNI_ARGS=IgnoreUnknown=1;IP=${p.ip}`)}`,
    // A re-plumbed pod keeps its IP but gets a new MAC: a gratuitous ARP updates the neighbours'
    // caches at once instead of after their entries go stale.
    `(nsenter --net="$pod" arping -q -U -c 1 -w 1 -I eth0 ${p.ip} >/dev/null 2>&1 &)`,
  ].join('\n');
}

/** A CNI DEL for a pod about to be removed, so host-local frees its address. */
export function unplumbPodScript(p: Omit<PlumbInput, 'podPid' | 'ip'> & { podPid?: number }): string {
  const dataDir = `/proc/${p.nodePid}/root/var/lib/cni/networks`;
  const config = JSON.stringify({ ...p.cniConfig, ipam: { ...(p.cniConfig.ipam as object), dataDir } });
  return [
    `printf %s ${shq(config)} | env CNI_PATH=/usr/lib/cni CNI_IFNAME=eth0 CNI_COMMAND=DEL CNI_CONTAINERID=${shq(p.containerId)} ` +
      `CNI_NETNS=${p.podPid ? `/proc/${p.podPid}/ns/net` : ''} nsenter --net=/proc/${p.nodePid}/ns/net /usr/lib/cni/bridge`,
  ].join('\n');
}

export interface RouteTarget {
  pid: number;
  routes: Route[];
  /** Remove Docker's default route (the router drops what it has no route for). */
  dropDefault?: boolean;
}

/** `ip route replace` for every target: idempotent, one exec for the whole lab. */
export function routesScript(targets: RouteTarget[]): string {
  const lines = ['set -e'];
  for (const t of targets) {
    const ns = `nsenter --net=/proc/${t.pid}/ns/net`;
    if (t.dropDefault) lines.push(`${ns} ip route del default 2>/dev/null || true`);
    for (const r of t.routes) lines.push(`${ns} ip route replace ${r.dst} via ${r.via}`);
  }
  return lines.join('\n');
}

export interface ParallelJob {
  index: number;
  command: string;
}

export interface JobResult {
  index: number;
  exitCode: number;
  ms: number;
  output: string;
}

/**
 * Runs every job at once in one shell (one `docker exec` instead of one each), then prints
 * `<index> <exit code> <ms> <base64 output>` per job. `helpers` are shell functions jobs may call.
 */
export function parallelScript(jobs: ParallelJob[], helpers = ''): string {
  return [
    helpers,
    'd=$(mktemp -d)',
    `run() { i=$1; shift; s=$(date +%s%N); out=$(eval "$1" 2>&1); rc=$?; e=$(date +%s%N); ` +
      `printf '%s %s %s\\n' "$rc" "$(( (e - s) / 1000000 ))" "$(printf %s "$out" | head -c 4000 | base64 -w0)" > "$d/$i"; }`,
    ...jobs.map((j) => `run ${j.index} ${shq(j.command)} &`),
    'wait',
    `for f in "$d"/*; do printf '%s %s\\n' "\${f##*/}" "$(cat "$f")"; done`,
    'rm -rf "$d"',
  ].join('\n');
}

export function parseParallelOutput(stdout: string): JobResult[] {
  const results: JobResult[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (\d+) (\d+) ?(\S*)$/.exec(line.trim());
    if (!m) continue;
    results.push({ index: Number(m[1]), exitCode: Number(m[2]), ms: Number(m[3]), output: Buffer.from(m[4] ?? '', 'base64').toString('utf8') });
  }
  return results;
}
