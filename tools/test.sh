#!/bin/bash
# Installs what is missing, builds everything with the tests and runs them (ctest). The golden
# and end-to-end tests read the trained checkpoints in ../shared/models beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh --tests
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DQTX_BUILD_TESTS=ON
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
