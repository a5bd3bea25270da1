#!/bin/bash
# Proves the README's two commands on a bare Debian 12 (no compiler, no cmake, no oneDNN): makes
# a root with `debootstrap --variant=minbase bookworm` (cached as a tarball outside the clone, so
# later runs skip debootstrap), copies this checkout into it and, in a chroot with /proc, /sys
# and /dev mounted, runs tools/quickstart.sh (checking that it printed the predictions of both
# models) and the install step and CMake configure of tools/test.sh. A green CI on a machine
# that happens to have a package cannot hide a missing one here. Run as root.
#   --full  run all of tools/test.sh there (build and ctest, ../shared copied beside the
#           checkout, CI=true): the whole second command, for a release check (~10 minutes)
#
#   QTX_CACHE_DIR     where the bare root's tarball is kept (default ~/.cache/qtx)
#   QTX_DEBIAN_MIRROR the Debian mirror debootstrap uses (default http://deb.debian.org/debian)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${QTX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qtx}"
mirror="${QTX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tarball="$cache/debian12-minbase.tar.gz"
full=false
if [[ "${1:-}" == "--full" ]]; then
  full=true
elif [[ $# -gt 0 ]]; then
  echo "usage: tools/check_bare_debian.sh [--full]" >&2
  exit 2
fi

if [[ $EUID -ne 0 ]]; then
  echo "check_bare_debian: needs root (debootstrap, mount, chroot)" >&2
  exit 2
fi

# Unmounts everything below $1 (deepest first), then removes it, but only once nothing is mounted
# there any more: rm -rf through a live bind mount of /dev would delete the host's devices.
remove_tree() {
  local tree="$1"
  [[ -d "$tree" ]] || return 0
  local mounts
  mounts="$(findmnt -rn -o TARGET | grep -F "$tree/" | sort -r || true)"
  for target in $mounts; do
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done
  if findmnt -rn -o TARGET | grep -qF "$tree/"; then
    echo "check_bare_debian: $tree still has mounts; left in place" >&2
    return 1
  fi
  rm -rf --one-file-system "$tree"
}

make_tarball() {
  if ! command -v debootstrap >/dev/null; then
    echo "installing: debootstrap" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
  fi
  mkdir -p "$cache"
  local scratch
  scratch="$(mktemp -d /var/tmp/qtx-debootstrap.XXXXXX)"
  echo "== debootstrap --variant=minbase bookworm (cached as $tarball)" >&2
  if ! debootstrap --variant=minbase bookworm "$scratch/root" "$mirror" >"$scratch/log" 2>&1; then
    tail -n 30 "$scratch/log" >&2
    remove_tree "$scratch"
    echo "check_bare_debian: debootstrap failed" >&2
    exit 1
  fi
  tar -C "$scratch/root" -czf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  remove_tree "$scratch"
}

[[ -f "$tarball" ]] || make_tarball

root="$(mktemp -d /var/tmp/qtx-bare.XXXXXX)"
trap 'remove_tree "$root"' EXIT
tar -C "$root" -xzf "$tarball"
# The host's network settings, not packages: its resolver, and the site's own CA certificates
# (a TLS-intercepting proxy's, say) for the ca-certificates package to add to the bundle pip
# verifies PyPI against once tools/install_deps.sh installs it.
cp /etc/resolv.conf "$root/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
# The checkout as a user has it: tracked files and untracked ones git does not ignore (no build
# trees of this machine).
mkdir -p "$root/root/qtx"
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  tar -C "$repo" --null -T - -cf - | tar -C "$root/root/qtx" -xf -
if $full; then
  cp -a "$repo/../shared" "$root/root/shared"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/qtx && $1"
}

echo "== bare Debian 12: tools/quickstart.sh" >&2
log="$root/quickstart.log"
if ! in_root "tools/quickstart.sh" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "check_bare_debian: tools/quickstart.sh failed in the bare root" >&2
  exit 1
fi
# Each of the two models prints a block: '== MODEL', the text, 'mask at token N:' and five
# '    0.1234  token' lines.
predictions="$(grep -cE '^    [0-9]\.[0-9]{4}  ' "$log" || true)"
models="$(grep -c '^== build/' "$log" || true)"
if [[ "$models" -ne 2 || "$predictions" -ne 10 ]]; then
  tail -n 40 "$log" >&2
  echo "check_bare_debian: expected 5 predictions from each of 2 models, got $predictions" \
    "lines from $models models" >&2
  exit 1
fi
sed -n '/^== build\//,$p' "$log" >&2

test_command="tools/test.sh --configure-only"
if $full; then
  test_command="CI=true tools/test.sh"
fi
echo "== bare Debian 12: $test_command" >&2
if ! in_root "$test_command" >"$root/test.log" 2>&1; then
  tail -n 40 "$root/test.log" >&2
  echo "check_bare_debian: $test_command failed in the bare root" >&2
  exit 1
fi
tail -n 3 "$root/test.log" >&2
echo "check_bare_debian: both README commands work in a bare Debian 12 root" >&2
