#!/usr/bin/env bash
# Builds the upstream-conformance harness (see conformance/README.md):
# copies upstream kube-proxy's pkg/proxy/{iptables,nftables} (k8s.io/kubernetes,
# version pinned in conformance/go.mod) into conformance/build/, adds netlab's
# harness test file to each, and compiles one test binary per proxier:
#   conformance/build/bin/iptables.test
#   conformance/build/bin/nftables.test
# Idempotent: skips everything when the binaries exist and nothing they are
# built from changed (stamp in conformance/build/.stamp). FORCE=1 rebuilds.
set -euo pipefail

self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root="$(dirname "$(dirname "$self")")"
conf="$root/conformance"
build="$conf/build"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "conformance-build: go not found" >&2; exit 1; }

cd "$conf"
stamp_now="$( { go version; cat "$self" go.mod go.sum 2>/dev/null; cat input/*.go harness/*/*.go; } | sha256sum | cut -d' ' -f1)"
if [[ "${FORCE:-}" != 1 && -x "$build/bin/iptables.test" && -x "$build/bin/nftables.test" \
      && -f "$build/.stamp" && "$(cat "$build/.stamp")" == "$stamp_now" ]]; then
  echo "conformance-build: up to date ($build/bin)"
  exit 0
fi

start=$SECONDS
kver="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
echo "conformance-build: k8s.io/kubernetes $kver"
go mod download "k8s.io/kubernetes@$kver"
kdir="$(go mod download -json "k8s.io/kubernetes@$kver" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$kdir/pkg/proxy" ]] || { echo "conformance-build: no $kdir/pkg/proxy" >&2; exit 1; }

# go test -overlay refuses files in GOMODCACHE, so copy the packages out.
rm -rf "$build/iptables" "$build/nftables"
mkdir -p "$build/bin"
for p in iptables nftables; do
  mkdir -p "$build/$p"
  cp "$kdir/pkg/proxy/$p/"*.go "$build/$p/"
  chmod u+w "$build/$p/"*.go
  cp "harness/$p/netlab_harness_test.go" "$build/$p/"
done

# Fills go.sum (test dependencies of upstream's proxier_test.go included).
go mod tidy
stamp_now="$( { go version; cat "$self" go.mod go.sum; cat input/*.go harness/*/*.go; } | sha256sum | cut -d' ' -f1)"

for p in iptables nftables; do
  echo "conformance-build: compiling $p test binary"
  go test -c -tags netlab_conformance -o "$build/bin/$p.test" "./build/$p"
done
echo "$stamp_now" > "$build/.stamp"
echo "conformance-build: built in $((SECONDS - start))s -> $build/bin"
