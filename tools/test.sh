#!/bin/bash
# Installs what is missing, builds everything with the tests and runs them (ctest). The golden
# and end-to-end tests read the trained checkpoints in ../shared/models beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh --tests
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DQTX_BUILD_TESTS=ON
cmake --build build-test -j"$(nproc)"
# ctest runs test processes side by side; OpenMP workers that spin while idle (libgomp's
# default) would starve each other on a small machine, so they sleep instead.
export OMP_WAIT_POLICY=PASSIVE
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
