#!/bin/bash
# Installs what is missing, fetches the real pre-trained model the tests check against
# (all-MiniLM-L6-v2, into a cache outside the clone), builds everything with the tests and runs
# them (ctest). The golden and end-to-end tests also read the trained checkpoints in
# ../shared/models beside the repository.
#   --configure-only  stop after the install step (packages, the model) and CMake's configure
#                     (what tools/check_bare_debian.sh runs in a bare Debian root)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh --tests
# A failed fetch is not fatal here: the tests that need the model say why they cannot run (and
# fail under CI=true).
if QTX_MINILM_DIR="$(tools/fetch_minilm.sh)"; then
  export QTX_MINILM_DIR
fi
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DQTX_BUILD_TESTS=ON
if [[ "${1:-}" == "--configure-only" ]]; then
  exit 0
fi
cmake --build build-test -j"$(nproc)"
# ctest runs test processes side by side; OpenMP workers that spin while idle (libgomp's
# default) would starve each other on a small machine, so they sleep instead.
export OMP_WAIT_POLICY=PASSIVE
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
