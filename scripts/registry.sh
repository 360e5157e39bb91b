#!/usr/bin/env bash
# A local image registry on 127.0.0.1:5000 for the pull tests (test/e2e/pull.test.ts), and for
# trying pulls by hand: Debian's `docker-registry` (the Distribution registry, v2 API) with its
# data in a folder under /tmp. Does nothing when something already answers there; the engine
# takes 127.0.0.0/8 as an insecure registry by default, so no TLS is needed.
#   scripts/registry.sh            start it (if needed) and wait until it answers
#   NETLAB_REGISTRY_DIR=/x scripts/registry.sh    keep its config, data and log in /x
set -euo pipefail

addr=127.0.0.1:5000
dir=${NETLAB_REGISTRY_DIR:-/tmp/netlab-registry}

# The HTTP status of the registry's API root: 200 for a registry that takes anyone, 000 for nothing there.
status() { curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$addr/v2/" 2>/dev/null || true; }
answers() { [ "$(status)" = 200 ]; }

case "$(status)" in
  200) echo "registry: http://$addr answers already"; exit 0 ;;
  000 | '') ;;
  *)
    # Debian's packaged service (systemd) listens there with htpasswd: the tests push anonymously.
    echo "registry: something else answers on $addr (HTTP $(status) on /v2/): stop it (systemctl stop docker-registry) and run this again" >&2
    exit 1
    ;;
esac
if ! command -v docker-registry >/dev/null 2>&1; then
  echo "registry: docker-registry is not installed: apt-get install -y docker-registry (Debian, Ubuntu)" >&2
  exit 1
fi

mkdir -p "$dir/data"
# The packaged /etc/docker/registry/config.yml listens on every address and wants htpasswd.
cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
CONFIG

nohup setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
echo $! >"$dir/registry.pid"
for _ in $(seq 1 50); do
  if answers; then
    echo "registry: http://$addr (data in $dir/data, log $dir/registry.log, pid $(cat "$dir/registry.pid"))"
    exit 0
  fi
  sleep 0.2
done
echo "registry: docker-registry did not answer on $addr within 10 s:" >&2
tail -n 20 "$dir/registry.log" >&2
exit 1
