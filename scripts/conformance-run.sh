#!/usr/bin/env bash
# Prints upstream kube-proxy's rules for a harness input file (see conformance/README.md):
#   scripts/conformance-run.sh iptables|nftables INPUT.json
# iptables: the iptables-restore text syncProxyRules wrote; nftables: the fake's ruleset dump.
# Needs scripts/conformance-build.sh first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"; in="${2:-}"
[[ ( "$mode" == iptables || "$mode" == nftables ) && -f "$in" ]] || { echo "usage: $0 iptables|nftables INPUT.json" >&2; exit 2; }
bin="$root/conformance/build/bin/$mode.test"
[[ -x "$bin" ]] || { echo "conformance-run: $bin missing; run scripts/conformance-build.sh" >&2; exit 1; }
out="$(mktemp)"; log="$(mktemp)"
trap 'rm -f "$out" "$log"' EXIT
# The test binary reads the input and writes the rules to a file, so its own
# PASS/klog chatter stays out of stdout.
if ! NETLAB_CONFORMANCE_INPUT="$(realpath "$in")" NETLAB_CONFORMANCE_OUTPUT="$out" \
    "$bin" -test.run '^TestNetlabConformanceDump$' -test.count=1 >"$log" 2>&1; then
  cat "$log" >&2; exit 1
fi
cat "$out"
