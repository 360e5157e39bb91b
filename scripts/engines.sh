#!/usr/bin/env bash
# The engines a class is spread over in tests (test/e2e/class.test.ts, engines.test.ts), on this
# one machine beside the main engine:
#   - a second dockerd on unix:///run/d2/docker.sock (its own data root, exec root and docker0
#     subnet), reached as the docker context `netlab-d2`;
#   - sshd on 127.0.0.1:2222 taking /root/.ssh/netlab_ed25519, and the docker context
#     `netlab-ssh` (host=ssh://root@127.0.0.1:2222), which the docker CLI (and netlab) reach by
#     running `ssh ... docker system dial-stdio` there: the main engine, over ssh.
# Idempotent: what already answers is left as it is.
#   scripts/engines.sh          start them (if needed) and wait until each answers
set -euo pipefail

D2_SOCK=/run/d2/docker.sock
SSH_PORT=2222
KEY=/root/.ssh/netlab_ed25519

log() { printf 'engines: %s\n' "$*"; }

# ---- second engine
if ! DOCKER_HOST=unix://$D2_SOCK docker info >/dev/null 2>&1; then
  log "starting the second dockerd ($D2_SOCK)"
  mkdir -p /run/d2 /var/lib/d2
  rm -f /run/d2/docker.pid
  nohup dockerd -H unix://$D2_SOCK --data-root /var/lib/d2 --exec-root /run/d2/exec \
    --pidfile /run/d2/docker.pid --bip 172.29.0.1/24 >/tmp/netlab-d2-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do DOCKER_HOST=unix://$D2_SOCK docker info >/dev/null 2>&1 && break; sleep 1; done
  DOCKER_HOST=unix://$D2_SOCK docker info >/dev/null 2>&1 || {
    echo "engines: the second dockerd did not answer within 60 s:" >&2
    tail -n 30 /tmp/netlab-d2-dockerd.log >&2
    exit 1
  }
fi
log "second engine: $(DOCKER_HOST=unix://$D2_SOCK docker version --format '{{.Server.Version}}')"

# ---- sshd on 127.0.0.1 with a key of its own
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ]; then
  echo "engines: sshd is not installed: apt-get install -y openssh-server" >&2
  exit 1
fi
mkdir -p /root/.ssh /run/sshd
chmod 700 /root/.ssh
[ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -f "$KEY"
touch /root/.ssh/authorized_keys
grep -qF "$(cut -d' ' -f2 "$KEY.pub")" /root/.ssh/authorized_keys || cat "$KEY.pub" >>/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -A
# The client side, as a user would have it: the key for this host, in the user's own ssh config.
touch /root/.ssh/config
if ! grep -q '^Host netlab-ssh-engine$' /root/.ssh/config; then
  cat >>/root/.ssh/config <<CONF

Host netlab-ssh-engine 127.0.0.1
  IdentityFile $KEY
CONF
fi
chmod 600 /root/.ssh/config
ssh_answers() {
  ssh -o BatchMode=yes -o ConnectTimeout=5 -p $SSH_PORT root@127.0.0.1 true >/dev/null 2>&1
}
if ! ssh-keyscan -p $SSH_PORT -T 2 127.0.0.1 >/dev/null 2>&1; then
  log "starting sshd on 127.0.0.1:$SSH_PORT"
  /usr/sbin/sshd -p $SSH_PORT -o ListenAddress=127.0.0.1 -o PermitRootLogin=prohibit-password \
    -o PasswordAuthentication=no -o UsePAM=no -E /tmp/netlab-sshd.log
  for _ in $(seq 1 20); do ssh-keyscan -p $SSH_PORT -T 2 127.0.0.1 >/dev/null 2>&1 && break; sleep 0.5; done
fi
touch /root/.ssh/known_hosts
ssh-keygen -R "[127.0.0.1]:$SSH_PORT" >/dev/null 2>&1 || true
ssh-keyscan -p $SSH_PORT -T 5 127.0.0.1 2>/dev/null >>/root/.ssh/known_hosts
ssh_answers || {
  echo "engines: ssh root@127.0.0.1:$SSH_PORT with $KEY does not log in:" >&2
  tail -n 20 /tmp/netlab-sshd.log >&2 || true
  exit 1
}
log "sshd: 127.0.0.1:$SSH_PORT"

# ---- docker contexts
context() {
  local name=$1 host=$2
  if docker context inspect "$name" >/dev/null 2>&1; then
    docker context update "$name" --docker "host=$host" >/dev/null
  else
    docker context create "$name" --docker "host=$host" >/dev/null
  fi
}
context netlab-d2 "unix://$D2_SOCK"
context netlab-ssh "ssh://root@127.0.0.1:$SSH_PORT"
DOCKER_CONTEXT=netlab-ssh timeout 30 docker info --format '{{.ID}}' >/dev/null || {
  echo "engines: docker info through the context netlab-ssh failed" >&2
  exit 1
}
log "contexts: netlab-d2, netlab-ssh"
