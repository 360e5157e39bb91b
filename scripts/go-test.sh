#!/usr/bin/env bash
# Runs `go vet` and the Go unit tests of netlab's own Go programs: docker/node
# (netlab-proxy, the userspace kube-proxy), docker/app (netlab-app) and docker/probe
# (netlab-agent, the toolbox's typed requests), and docker/coredns/waitserial (netlab-dns-wait). The tests
# listen on 127.0.0.1 only and need no Docker and no root.
#
#   scripts/go-test.sh [extra `go test` flags, e.g. -v or -race]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Go installed from go.dev lives in /usr/local/go/bin, often not on PATH.
export PATH="${PATH}:/usr/local/go/bin"
# Build with the Go that is installed, as netlab's image builds do; never download another.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

if ! command -v go >/dev/null 2>&1; then
  echo "go-test: Go is not installed (nor in /usr/local/go/bin)" >&2
  exit 1
fi

modules=(docker/node docker/app docker/probe)
for module in "${modules[@]}"; do
  echo "==> ${module} ($(cd "${root}/${module}" && go list -m)): go vet"
  (cd "${root}/${module}" && go vet ./...)
  echo "==> ${module}: go test -count=1${*:+ $*} ./..."
  (cd "${root}/${module}" && go test -count=1 "$@" ./...)
done
# docker/coredns is upstream CoreDNS linked with netlab's plugin list: only netlab's own package
# is vetted and tested, not the whole server.
echo "==> docker/coredns/waitserial (netlab-dns-wait): go vet, go test -count=1${*:+ $*}"
(cd "${root}/docker/coredns" && go vet ./waitserial/ && go test -count=1 "$@" ./waitserial/)
echo "==> Go tests passed: ${modules[*]} docker/coredns/waitserial ($(go version))"
