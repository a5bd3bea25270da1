"""Benchmarks qtx int8 against float32 on BERT-base and OPT-125m sized models; prints Markdown.

Makes random-weight checkpoints at real sizes (tools/make_random_checkpoint.py) in a scratch
directory, or reuses those already there; converts each to float32 and to int8 (--recipe,
calibrated on wikitext2_valid.txt); then, per case, ONE process times both files, iterations
alternating so machine noise hits both alike, and measures oneDNN's GEMM floor for the model's
shapes: `qtx bench INT8 --baseline F32 --gemm-floor --json`. Cases: BERT-base forward 1x128
and 8x128, OPT-125m forward over a 128-token prompt and the decode step after it.

Columns: float32 and int8 medians, speed-up (float32 / int8 median), and each forward over the
oneDNN matmul floor of its own precision (f32 or int8), measured in the same run. A decode step
has no floor here (the floor is the forward's shapes).

Standard library only (the checkpoint maker falls back to it as well), so it runs on a bare
benchmark machine:

  python3 tools/bench_table.py --qtx build/bin/qtx --threads 2 --isa AVX512_CORE_VNNI \\
      --taskset 0-1 [--repeats 3] [--profile]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CALIBRATION_CANDIDATES = [ROOT / "shared" / "data" / "wikitext2_valid.txt",
                          ROOT.parent / "shared" / "data" / "wikitext2_valid.txt"]

# (checkpoint, bench arguments, rows: (case label, JSON key of the float32/int8 median,
#  whether the forward's floor ratio applies))
CASES = [
    ("bert-base", ["--batch", "1", "--seq", "128"],
     [("BERT-base 1x128", "median_ms", True)]),
    ("bert-base", ["--batch", "8", "--seq", "128"],
     [("BERT-base 8x128", "median_ms", True)]),
    ("opt-125m", ["--batch", "1", "--seq", "128"],
     [("OPT-125m 1x128 prompt", "median_ms", True),
      ("OPT-125m decode step (after 128)", "decode_step_median_ms", False)]),
]


def run(args, env=None):
    print("+ " + " ".join(str(a) for a in args), file=sys.stderr)
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True,
                          env=env).stdout


def calibration_file(args):
    if args.calibration:
        return args.calibration
    for candidate in CALIBRATION_CANDIDATES:
        if candidate.exists():
            return candidate
    raise SystemExit("no wikitext2_valid.txt beside the repository: pass --calibration FILE")


def model_files(args):
    """{arch: (float32 file, int8 file)}, converting only what the scratch directory lacks."""
    recipes = {"float32": [],
               args.recipe: ["--quantize", args.recipe, "--calibration-data",
                             calibration_file(args), "--calibration-samples",
                             args.calibration_samples]}
    files = {}
    for arch in sorted({case[0] for case in CASES}):
        checkpoint = args.scratch / arch
        if not (checkpoint / "model.safetensors").exists():
            run([args.python, ROOT / "tools" / "make_random_checkpoint.py", "--arch", arch,
                 "-o", checkpoint])
        paths = []
        for recipe, options in recipes.items():
            out = args.scratch / f"{arch}.{recipe}.qtx"
            if not out.exists():
                run([args.qtx, "convert", checkpoint, "-o", out, *options])
            paths.append(out)
        files[arch] = tuple(paths)
    return files


def cpu_count(cpus):
    """The number of CPUs in a taskset list such as "0-1" or "0,2,4-7"."""
    count = 0
    for part in cpus.split(","):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count


def bench_command(args, int8, float32, bench_args):
    command = [args.qtx, "bench", int8, "--baseline", float32, *bench_args, "--gemm-floor",
               "--json", "--threads", args.threads, "--iterations", args.iterations,
               "--warmup", args.warmup]
    if args.profile:
        command.append("--profile")
    if args.taskset:
        command = ["taskset", "-c", args.taskset, *command]
    return command


def machine_label(args, result):
    label = f"{result['machine']}, {result['threads']} threads"
    if args.taskset:
        label += f" (taskset {args.taskset})"
    if args.isa:
        label += f", oneDNN ISA <= {args.isa}"
    return label


def speedup(result, key):
    return result["baseline"][key] / result[key]


def table_rows(args, results, rows):
    """One row per case label from the run whose speed-up is the median of the repeats (all
    its columns from that one run), and the lowest and highest speed-up of the repeats."""
    machine = machine_label(args, results[0])
    for label, key, has_floor in rows:
        ranked = sorted(results, key=lambda r: speedup(r, key))
        result = ranked[len(ranked) // 2]
        f32, int8 = result["baseline"][key], result[key]
        f32_floor = f"{result['baseline']['floor_ratio']:.2f}x" if has_floor else "-"
        int8_floor = f"{result['floor_ratio']:.2f}x" if has_floor else "-"
        spread = f"{speedup(ranked[0], key):.2f}-{speedup(ranked[-1], key):.2f}x"
        yield (f"| {machine} | {label} | {f32:.2f} | {int8:.2f} | {f32 / int8:.2f}x | {spread} | "
               f"{f32_floor} | {int8_floor} |")


def profile_tables(label, result):
    for name, entry in (("float32", result["baseline"]), ("int8", result)):
        yield (f"\n{label}, {name} ({entry['model']}): {entry['profile_total_ms']:.2f} ms in "
               f"nodes per forward (median forward {entry['median_ms']:.2f} ms)\n")
        yield "| kind | nodes | ms per forward | % |"
        yield "| --- | ---: | ---: | ---: |"
        for kind in entry["profile"]:
            yield f"| {kind['kind']} | {kind['nodes']} | {kind['ms']:.2f} | {kind['percent']:.1f}% |"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qtx", type=pathlib.Path, default=ROOT / "build" / "bin" / "qtx")
    parser.add_argument("--scratch", type=pathlib.Path, default=pathlib.Path("/tmp/qtx-bench"),
                        help="checkpoints and .qtx files; existing ones are reused")
    parser.add_argument("--python", default=sys.executable,
                        help="the python that runs tools/make_random_checkpoint.py")
    parser.add_argument("--recipe", default="w8a8", choices=["w8a8", "w8a8-dynamic"])
    parser.add_argument("--calibration", type=pathlib.Path,
                        help="calibration text (default: shared/data/wikitext2_valid.txt)")
    parser.add_argument("--calibration-samples", default="32")
    parser.add_argument("--threads", default="0",
                        help="qtx bench --threads; 0: all cores, or the taskset's CPU count")
    parser.add_argument("--iterations", default="20")
    parser.add_argument("--warmup", default="3")
    parser.add_argument("--repeats", type=int, default=1,
                        help="qtx bench runs per case (a noisy machine: take 3 or more)")
    parser.add_argument("--isa", help="ONEDNN_MAX_CPU_ISA for qtx, e.g. AVX512_CORE_VNNI, AVX2")
    parser.add_argument("--taskset", help="run qtx under `taskset -c CPUS`, e.g. 0-1")
    parser.add_argument("--profile", action="store_true",
                        help="qtx bench --profile; prints the time per node kind per case")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.taskset and args.threads == "0":
        args.threads = str(cpu_count(args.taskset))
    return args


def main():
    args = parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ONEDNN_MAX_CPU_ISA=args.isa) if args.isa else None

    files = model_files(args)
    lines, profiles = [], []
    for arch, bench_args, rows in CASES:
        float32, int8 = files[arch]
        results = [json.loads(run(bench_command(args, int8, float32, bench_args), env))
                   for _ in range(args.repeats)]
        lines.extend(table_rows(args, results, rows))
        if args.profile:
            profiles.extend(profile_tables(f"{arch} {' '.join(bench_args)}", results[0]))

    print(f"qtx bench, int8 = {args.recipe}; float32 and int8 timed in one process per case\n")
    print(f"Each case run {args.repeats} time(s); the row is the run with the median speed-up, "
          "the range spans all runs.\n")
    print("| machine | case | float32 ms | int8 ms | int8 speed-up | range | f32 / f32 floor "
          "| int8 / int8 floor |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(lines))
    if profiles:
        print("\n".join(profiles))


if __name__ == "__main__":
    main()
