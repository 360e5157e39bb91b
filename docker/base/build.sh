#!/usr/bin/env bash
# Builds netlab's Debian base image without any image registry:
# debootstrap a minimal root file system from Debian's package mirror, then
# `docker import` it.
# Usage: build.sh <image:tag>     import it with the docker CLI
#        build.sh --tar <file>    write the root file system as a tar, and beside it
#                                 <file>.changes: the image settings, one a line
#                                 (netlab imports both through the engine API)
# Environment: NETLAB_DEBIAN_MIRROR (default: the host's apt mirror, else deb.debian.org),
#              NETLAB_DEBIAN_SUITE (default bookworm).
set -euo pipefail
usage='usage: build.sh <image:tag> | build.sh --tar <file>'
image='' out=''
if [ "${1:-}" = --tar ]; then
  out=${2:?$usage}
else
  image=${1:?$usage}
fi
suite=${NETLAB_DEBIAN_SUITE:-bookworm}
mirror=${NETLAB_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hsoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | head -n1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
if [ "$(id -u)" != 0 ]; then
  echo "building the base image needs root (debootstrap): run 'sudo netlab images build'" >&2
  exit 3
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed: apt-get install debootstrap" >&2; exit 3; }

packages=iproute2,iptables,nftables,conntrack,tcpdump,containernetworking-plugins,curl,dnsutils,netcat-openbsd,traceroute,iputils-ping,iputils-arping,procps,socat,less,jq
# Image settings, as `docker import --change` takes them.
changes=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'CMD ["/bin/bash"]'
  'LABEL netlab.image=base'
)
root=$(mktemp -d "${TMPDIR:-/tmp}/netlab-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror"
# Slim the root: package caches, docs and locales are of no use in a lab.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
echo 'netlab' > "$root"/etc/hostname
# iptables: the legacy (x_tables) backend. kube-proxy uses whichever backend its host uses; on
# these kernels iptables-nft takes ~5 s to restore 30,000 kube-proxy rules, legacy ~0.2 s.
# nftables mode (`nft`) is there for the nf_tables story.
chroot "$root" update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
chroot "$root" update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy
if [ -n "$out" ]; then
  echo "write $out"
  tar -C "$root" --numeric-owner -cf "$out" .
  printf '%s\n' "${changes[@]}" > "$out.changes"
  exit 0
fi
echo "import $image"
change_args=()
for change in "${changes[@]}"; do change_args+=(--change "$change"); done
tar -C "$root" --numeric-owner -c . | docker import "${change_args[@]}" - "$image"
