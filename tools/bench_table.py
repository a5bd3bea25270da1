"""Benchmarks qtx on BERT-base and OPT-125m sized models and prints a Markdown table.

Makes random-weight checkpoints at real sizes (tools/make_random_checkpoint.py) in a scratch
directory, or reuses them; converts each to float32 and, when `qtx convert --help` offers
--quantize, to int8 (w8a8, calibrated on wikitext2_valid.txt); then runs `qtx bench --json` for
BERT-base 1x128 and 8x128 and the OPT-125m decode step after a 128-token prompt, for each model
file. Speed ratios are against the float32 row of the same case, measured in the same run.

Usage: python3 tools/bench_table.py [--qtx build/bin/qtx] [--scratch /tmp/qtx-bench]
       [--threads 0] [--iterations 20] [--python /work/venv/bin/python]
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CALIBRATION = ROOT.parent / "shared" / "data" / "wikitext2_valid.txt"

# (checkpoint, case label, bench arguments, the JSON keys of the row's latency)
CASES = [
    ("bert-base", "BERT-base forward 1x128", ["--batch", "1", "--seq", "128"], "median_ms", "p90_ms"),
    ("bert-base", "BERT-base forward 8x128", ["--batch", "8", "--seq", "128"], "median_ms", "p90_ms"),
    ("opt-125m", "OPT-125m decode step (prompt 128)", ["--batch", "1", "--seq", "128"],
     "decode_step_median_ms", "decode_step_p90_ms"),
]


def run(args):
    print("+ " + " ".join(str(a) for a in args), file=sys.stderr)
    return subprocess.run([str(a) for a in args], check=True, capture_output=True,
                          text=True).stdout


def recipes(qtx):
    """float32 always; int8 when this build's converter can quantize."""
    found = [("float32", [])]
    if "--quantize" in run([qtx, "convert", "--help"]):
        found.append(("w8a8", ["--quantize", "w8a8", "--calibration-data", CALIBRATION,
                               "--calibration-samples", "32"]))
    return found


def model_files(args):
    files = {}
    for arch in ("bert-base", "opt-125m"):
        checkpoint = args.scratch / arch
        if not (checkpoint / "model.safetensors").exists():
            run([args.python, ROOT / "tools" / "make_random_checkpoint.py", "--arch", arch,
                 "-o", checkpoint])
        for recipe, options in recipes(args.qtx):
            out = args.scratch / f"{arch}.{recipe}.qtx"
            if not out.exists():
                run([args.qtx, "convert", checkpoint, "-o", out, *options])
            files.setdefault(arch, []).append((recipe, out))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qtx", type=pathlib.Path, default=ROOT / "build" / "bin" / "qtx")
    parser.add_argument("--scratch", type=pathlib.Path, default=pathlib.Path("/tmp/qtx-bench"))
    parser.add_argument("--python", default=sys.executable,
                        help="a python with numpy and safetensors, for the checkpoints")
    parser.add_argument("--threads", default="0")
    parser.add_argument("--iterations", default="20")
    parser.add_argument("--warmup", default="3")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)

    files = model_files(args)
    rows, machine = [], None
    for arch, label, bench_args, median_key, p90_key in CASES:
        baseline = None
        for recipe, path in files[arch]:
            result = json.loads(run([args.qtx, "bench", path, *bench_args, "--json",
                                     "--threads", args.threads, "--iterations", args.iterations,
                                     "--warmup", args.warmup]))
            machine = f"{result['machine']}, {result['threads']} threads"
            median = result[median_key]
            baseline = baseline or median
            rows.append((label, recipe, median, result[p90_key], result["tokens_per_s"],
                         baseline / median, result["peak_rss_mb"]))

    print(f"qtx bench on {machine}\n")
    print("| case | model file | median ms | p90 ms | forward tokens/s | speed vs float32 | peak RSS MiB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for label, recipe, median, p90, tps, ratio, rss in rows:
        print(f"| {label} | {recipe} | {median:.2f} | {p90:.2f} | {tps:.0f} | {ratio:.2f}x | {rss:.0f} |")


if __name__ == "__main__":
    main()
