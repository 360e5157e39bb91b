#!/usr/bin/env bash
# Builds the upstream-conformance harness (see conformance/README.md):
# copies upstream kube-proxy's pkg/proxy/{iptables,nftables} (k8s.io/kubernetes,
# version pinned in conformance/go.mod) into conformance/build/, adds netlab's
# harness test file to each, and compiles one test binary per proxier.
#
# The binaries are kept outside the clone, keyed by a hash of everything they are
# built from (this script, go.mod, go.sum, input/, harness/, the Go version):
#   ${NETLAB_CONFORMANCE_CACHE:-~/.cache/netlab-conformance}/<hash>/{iptables,nftables}.test
# so a fresh clone (CI) with the same inputs reuses them in a second, and
# conformance/build/bin is a symlink to that folder. FORCE=1 rebuilds.
# Prints the binaries' folder as its last line.
set -euo pipefail

self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root="$(dirname "$(dirname "$self")")"
conf="$root/conformance"
build="$conf/build"
cache_root="${NETLAB_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab-conformance}"
export PATH="$PATH:/usr/local/go/bin"
# Build with the Go that is installed; never download another toolchain.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
say() { echo "conformance-build: $*" >&2; }
command -v go >/dev/null || { say "Go is not installed (nor in /usr/local/go/bin); the conformance test builds upstream kube-proxy with it"; exit 1; }

# A download from the Go module proxy failed: say so plainly (the usual cause on a
# machine without the module cache), with go's own words after it.
proxy_failed() {
  say "could not get $1 from the Go module proxy (GOPROXY=$(go env GOPROXY), module cache $(go env GOMODCACHE))."
  say "The conformance test needs the proxy once per machine to fetch k8s.io/kubernetes and its modules (a cold build takes about 5 min); after that the module cache serves it offline."
  say "go said:"
  sed 's/^/  /' "$2" >&2
  exit 1
}

cd "$conf"
hash="$( { go version; cat "$self" go.mod go.sum; cat input/*.go harness/*/*.go; } | sha256sum | cut -c1-16)"
bin="$cache_root/$hash"
link_bin() { mkdir -p "$build"; rm -rf "$build/bin"; ln -s "$bin" "$build/bin"; }
if [[ "${FORCE:-}" != 1 && -x "$bin/iptables.test" && -x "$bin/nftables.test" ]]; then
  touch "$bin"   # most recently used: the pruning below keeps it
  link_bin
  say "up to date ($bin)"
  echo "$bin"
  exit 0
fi

start=$SECONDS
log="$(mktemp)"
tmp=""
trap 'rm -f "$log"; [[ -z "$tmp" ]] || rm -rf "$tmp"' EXIT
kver="$(sed -n 's/^\s*k8s\.io\/kubernetes \(v[^ ]*\).*/\1/p' go.mod)"
[[ -n "$kver" ]] || { say "conformance/go.mod requires no k8s.io/kubernetes"; exit 1; }
say "k8s.io/kubernetes $kver (cold: about 5 min on 2 cores)"
go mod download -json "k8s.io/kubernetes@$kver" >"$log" 2>&1 || proxy_failed "k8s.io/kubernetes@$kver" "$log"
kdir="$(sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p' "$log")"
[[ -d "$kdir/pkg/proxy" ]] || proxy_failed "k8s.io/kubernetes@$kver" "$log"

# go test -overlay refuses files in GOMODCACHE, so copy the packages out.
rm -rf "$build/iptables" "$build/nftables"
for p in iptables nftables; do
  mkdir -p "$build/$p"
  cp "$kdir/pkg/proxy/$p/"*.go "$build/$p/"
  chmod u+w "$build/$p/"*.go
  cp "harness/$p/netlab_harness_test.go" "$build/$p/"
done

# Fetches the test dependencies of upstream's proxier_test.go (go.sum already lists them).
go mod download >"$log" 2>&1 || proxy_failed "the modules conformance/go.mod needs" "$log"

mkdir -p "$cache_root"
tmp="$(mktemp -d "$cache_root/.build-XXXXXX")"
for p in iptables nftables; do
  say "compiling $p test binary"
  go test -c -tags netlab_conformance -o "$tmp/$p.test" "./build/$p" >"$log" 2>&1 || {
    if grep -q 'missing go.sum entry\|dial tcp\|proxy\|no required module' "$log"; then proxy_failed "the packages build/$p imports" "$log"; fi
    cat "$log" >&2
    exit 1
  }
done
# Another build of the same inputs may have finished first: either result is the same.
[[ "${FORCE:-}" != 1 ]] || rm -rf "$bin"
mv -T "$tmp" "$bin" 2>/dev/null && tmp=""
link_bin
# About 110 MB a build: keep the four most recently used (other branches have other hashes).
ls -1dt "$cache_root"/*/ 2>/dev/null | tail -n +5 | xargs -r rm -rf
say "built in $((SECONDS - start))s -> $bin"
echo "$bin"
