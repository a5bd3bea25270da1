#!/bin/bash
# Installs the build tree's libqtx into a temporary prefix, builds examples/ against it as a
# separate CMake project (find_package(qtx)), and runs both programs on converted models: the
# C++ one embeds with a sentence-transformers model's defaults, the C one's argmax at a [MASK]
# must be the top prediction of `qtx run`. Also checks that only the public headers are installed.
#   tests/examples_test.sh BUILD_DIR SOURCE_DIR QTX_CLI SHARED_DIR
set -euo pipefail
build="$1" source="$2" qtx="$3" shared="$4"
work="$(mktemp -d /tmp/qtx-examples.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
headers="$(cd "$work/prefix/include" && find . -type f | sort | tr '\n' ' ')"
if [[ "$headers" != "./qtx/error.h ./qtx/qtx.h ./qtx/qtx_c.h " ]]; then
  echo "installed headers are not the public ones: $headers" >&2
  exit 1
fi
grep -q "^Libs: -L\${libdir} -lqtx" "$work"/prefix/lib*/pkgconfig/qtx.pc
cmake -S "$source/examples" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j2 >"$work/build.log" || { cat "$work/build.log"; exit 1; }

# A sentence-transformers folder: bert4L's weights with a CLS + Dense + Normalize pipeline.
folder="$work/st"
mkdir -p "$folder"
cp "$shared"/models/bert4L-vanilla/* "$folder"/
cp -r "$source"/tests/data/sentence_transformers/variants/cls_dense_normalize/* "$folder"/
"$qtx" convert "$folder" -o "$work/st.qtx" 2>/dev/null
"$work/build/qtx_embed_example" "$work/st.qtx" "A man is eating food." "A man is eating." \
  "The new movie is awesome." >"$work/embed.txt"
cat "$work/embed.txt"
grep -q "32-d embeddings, cls pooling, normalised, inputs up to 32 tokens" "$work/embed.txt"
grep -q "^1.000000  A man is eating food.$" "$work/embed.txt"

"$qtx" convert "$shared/models/bert4L-vanilla" -o "$work/bert.qtx" 2>/dev/null
text="The capital of France is [MASK]."
"$work/build/qtx_c_example" "$work/bert.qtx" "$text" >"$work/c.txt"
cat "$work/c.txt"
top="$("$qtx" run "$work/bert.qtx" --text "$text" --json | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)"
grep -q "^token 6: id 103, argmax $top$" "$work/c.txt"
echo "examples: built against the installed prefix and ran"
