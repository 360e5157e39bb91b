#!/usr/bin/env bash
# Turns a lab into the harness's JSON, runs upstream kube-proxy (iptables and nftables
# proxiers, fake backends) and netlab's generators on it, and prints what differs, as the
# conformance test compares them (conformance/ts/rules-diff.ts). Just prints; exits 0.
#   scripts/conformance-compare.sh [LAB.yaml] [NODE]     (default labs/pod-to-service/lab.yaml node1)
#   RAW=1 scripts/conformance-compare.sh …               upstream's fake as it is (no netlab-node settings)
# Outputs are kept in conformance/build/out/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lab="${1:-$root/labs/pod-to-service/lab.yaml}"; node="${2:-node1}"
"$root/scripts/conformance-build.sh" >/dev/null
b="$root/conformance/build"; o="$b/out"; mkdir -p "$o"
"$root/node_modules/.bin/esbuild" "$root/conformance/ts/compare.ts" --bundle --platform=node --format=esm \
  --packages=external --outfile="$b/compare.mjs" --log-level=warning
node "$b/compare.mjs" input "$lab" "$node" "$o/input.json"
for mode in iptables nftables; do
  "$root/scripts/conformance-run.sh" "$mode" "$o/input.json" > "$o/$mode.upstream"
  node "$b/compare.mjs" netlab "$mode" "$o/input.json" > "$o/$mode.netlab"
  echo "=== $mode: $(basename "$(dirname "$lab")") on $node"
  node "$b/compare.mjs" diff "$mode" "$o/$mode.upstream" "$o/$mode.netlab"
done
