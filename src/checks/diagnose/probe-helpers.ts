// @deprecated: the shell function `in_pod` that the diagnosis's gathering script still calls
// (its dig of the pod's resolver, path.ts). The probes no longer use shell; this goes when the
// diagnosis is agent steps too.
//
// The pod's own resolver: a private mount namespace where /etc/resolv.conf is the pod's file
// (kubelet's search list and ndots:5), then the pod's network namespace. Binaries stay netlab's.
// (A copy: the kernel will not bind a file from another container's mount namespace.)

/** @deprecated the shell helpers the diagnosis's script defines (was probes/index.ts PROBE_HELPERS). */
export const PROBE_HELPERS = `in_pod() { pid=$1; shift; rc=$(mktemp); cat "/proc/$pid/root/etc/resolv.conf" > "$rc"; unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift 2 && exec nsenter --net="/proc/$0/ns/net" "$@"' "$pid" "$rc" x "$@"; s=$?; rm -f "$rc"; return $s; }`;
