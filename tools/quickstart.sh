#!/bin/bash
# Quick start: installs what is missing, builds the qtx CLI, converts the BERT checkpoint this
# repository ships to float32 and to int8 (W8A8 with per-token activation scales, which needs no
# calibration text) and fills a [MASK] with each.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DQTX_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)" --target qtx_cli
build/bin/qtx convert models/checkpoints/bert4L-vanilla -o build/bert4L-vanilla.qtx
build/bin/qtx convert models/checkpoints/bert4L-vanilla -o build/bert4L-vanilla.w8a8.qtx \
  --quantize w8a8-dynamic
for model in build/bert4L-vanilla.qtx build/bert4L-vanilla.w8a8.qtx; do
  echo "== $model"
  build/bin/qtx run "$model" --text "The capital of France is [MASK]."
done
