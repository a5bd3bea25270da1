"""How close each qtx recipe keeps a sentence-transformers model to sentence-transformers itself.

For a sentence-transformers folder (tools/fetch_minilm.sh prints all-MiniLM-L6-v2's), converts it
with each recipe, embeds the sentences with `qtx run --file --json` (no pooling options: the
file's defaults) and prints, per recipe, the mean and worst cosine to
SentenceTransformer(dir).encode() of the same sentences, with the file size and, with --bench,
the speed against float32 measured in the same process (`qtx bench --baseline`).

  VENV/bin/python tools/embedding_table.py --model DIR [--qtx build/bin/qtx]
      [--sentences FILE ...] [--calibration ../shared/data/wikitext2_valid.txt] [--bench]

The sentences default to the golden ones (tests/data/sentence_transformers/minilm.json) plus the
first 300 non-heading lines of ../shared/data/wikitext2_test.txt (one input per line). Needs
torch and sentence-transformers in the virtual environment; qtx itself needs neither.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

RECIPES = [
    ("float32", []),
    ("float16", ["--dtype", "float16"]),
    ("w8 (weight-only)", ["--quantize", "w8"]),
    ("w8a8-dynamic", ["--quantize", "w8a8-dynamic"]),
    ("w8a8-dynamic, outlier columns off", ["--quantize", "w8a8-dynamic", "--outlier-ratio", "0"]),
    ("w8a8 static", ["--quantize", "w8a8", "--calibration-data", "{calibration}"]),
    ("w8a8 static, per-tensor weights",
     ["--quantize", "w8a8", "--weights", "per-tensor", "--calibration-data", "{calibration}"]),
]


def default_sentences():
    with open(os.path.join(ROOT, "tests", "data", "sentence_transformers", "minilm.json")) as f:
        golden = [c["text"] for c in json.load(f)["cases"]]
    wiki = []
    with open(os.path.join(ROOT, "..", "shared", "data", "wikitext2_test.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("="):
                wiki.append(line)
            if len(wiki) == 300:
                break
    # One input per line: the empty golden sentences cannot be lines.
    return [s for s in golden if s.strip()] + wiki


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return out.stdout


def embed(qtx, model, sentences_file):
    out = run([qtx, "run", model, "--file", sentences_file, "--json", "--batch-size", "16"])
    return np.array([json.loads(line)["embedding"] for line in out.splitlines()])


def speed_up(qtx, model, baseline):
    out = run([qtx, "bench", model, "--baseline", baseline, "--batch", "8", "--seq", "128",
               "--json"])
    return json.loads(out.splitlines()[-1])["speedup"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--qtx", default=os.path.join(ROOT, "build", "bin", "qtx"))
    parser.add_argument("--sentences", nargs="*")
    parser.add_argument("--calibration",
                        default=os.path.join(ROOT, "..", "shared", "data", "wikitext2_valid.txt"))
    parser.add_argument("--bench", action="store_true")
    args = parser.parse_args()

    sentences = []
    for path in args.sentences or []:
        with open(path, encoding="utf-8") as f:
            sentences += [line.rstrip("\n") for line in f if line.strip()]
    sentences = sentences or default_sentences()
    reference = SentenceTransformer(args.model, device="cpu",
                                    model_kwargs={"dtype": torch.float32}).encode(
        sentences, batch_size=16, convert_to_numpy=True)

    with tempfile.TemporaryDirectory() as tmp:
        sentences_file = os.path.join(tmp, "sentences.txt")
        with open(sentences_file, "w", encoding="utf-8") as f:
            f.write("\n".join(sentences) + "\n")
        rows = []
        for name, options in RECIPES:
            model = os.path.join(tmp, f"recipe{len(rows)}.qtx")
            options = [o.format(calibration=args.calibration) for o in options]
            run([args.qtx, "convert", args.model, "-o", model] + options)
            got = embed(args.qtx, model, sentences_file)
            cos = (got * reference).sum(1) / (np.linalg.norm(got, axis=1) *
                                              np.linalg.norm(reference, axis=1))
            baseline = os.path.join(tmp, "recipe0.qtx")  # RECIPES[0], float32
            speed = speed_up(args.qtx, model, baseline) if args.bench else None
            rows.append((name, cos.mean(), cos.min(), os.path.getsize(model), speed))
            print(f"{name}: mean {cos.mean():.5f} min {cos.min():.5f}", file=sys.stderr)

    print(f"{len(sentences)} sentences; cosine to sentence-transformers {reference.shape[1]}-d "
          "embeddings")
    print()
    print("| recipe | mean cosine | worst cosine | file size |" + (" speed vs float32 |" if args.bench else ""))
    print("| --- | ---: | ---: | ---: |" + (" ---: |" if args.bench else ""))
    for name, mean, worst, size, speed in rows:
        line = f"| {name} | {mean:.5f} | {worst:.5f} | {size / 2**20:.1f} MiB |"
        if args.bench:
            line += f" {speed:.2f}x |" if speed else " - |"
        print(line)


if __name__ == "__main__":
    main()
