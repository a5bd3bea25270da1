#!/bin/bash
# Quick start: installs what is missing, builds the qtx CLI, converts the BERT checkpoint this
# repository ships and fills a [MASK] with it.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DQTX_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)" --target qtx_cli
build/bin/qtx convert models/checkpoints/bert4L-vanilla -o build/bert4L-vanilla.qtx
build/bin/qtx run build/bert4L-vanilla.qtx --text "The capital of France is [MASK]."
