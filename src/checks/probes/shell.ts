// Shell that more than one probe kind uses: the deadlines, entering the source's namespace
// (or the pod's own resolver too), and repeated requests.
import { shArg } from '../../plan/scripts.js';
import type { ResolvedProbe } from './driver.js';

/** Connect / answer deadlines: short, because expected drops are checks too. */
export const CONNECT_TIMEOUT_S = 1;
export const MAX_TIME_S = 2;

/**
 * The pod's own resolver: a private mount namespace where /etc/resolv.conf is the pod's file
 * (kubelet's search list and ndots:5), then the pod's network namespace. Binaries stay netlab's.
 * (A copy: the kernel will not bind a file from another container's mount namespace.)
 */
export const IN_POD = `in_pod() { pid=$1; shift; rc=$(mktemp); cat "/proc/$pid/root/etc/resolv.conf" > "$rc"; unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift 2 && exec nsenter --net="/proc/$0/ns/net" "$@"' "$pid" "$rc" x "$@"; s=$?; rm -f "$rc"; return $s; }`;

/** N requests, each a new connection (so a new choice of endpoint); fails only if none answered. */
export const REPEAT = `repeat() { n=$1; shift; ok=1; i=0; while [ $i -lt $n ]; do i=$((i+1)); if "$@"; then ok=0; fi; echo; echo '%%'; done; return $ok; }`;

/** The source's network namespace, as a path. */
export function sourceNetns(p: ResolvedProbe): string {
  return `/proc/${p.sourcePid}/ns/net`;
}

/** Runs the rest in the source's namespace: `nsenter`, or `in_pod` when a name is to be resolved as the pod would. */
export function enterSource(p: ResolvedProbe): string {
  return p.targetName ? `in_pod ${p.sourcePid}` : `nsenter --net=${sourceNetns(p)}`;
}

/** What the probe reaches: the name for the pod's resolver, else the address (as one shell word). */
export function targetHost(p: ResolvedProbe): string {
  return shArg(p.targetName ?? p.targetIp ?? '');
}

/** The command once, or `count` times through `repeat`. */
export function repeated(p: ResolvedProbe, command: string): string {
  return (p.count ?? 1) > 1 ? `repeat ${p.count} ${command}` : command;
}
