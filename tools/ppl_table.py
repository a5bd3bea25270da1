"""Float32 vs int8 perplexity of trained checkpoints, as a Markdown table (issue 3).

For each checkpoint directory: converts it to float32 and to each int8 recipe (static W8A8 with
per-channel weights, dynamic per-token W8A8, the paper preset), calibrating on the calibration
text (never the evaluation text), then runs `qtx eval INT8 --compare FLOAT32 --json` on the
evaluation text, so that both models are scored on identical windows and masks. Prints one row
per checkpoint: float32 perplexity, each recipe's perplexity and its change relative to float32.
Opt-in column, measured only when named in --recipes: "w8a8 + probs" (static W8A8 that also
quantizes the softmax output, `--quantize w8a8 --quantize-softmax-output`: the issue's exact
setting, which the default keeps float because it costs causal models perplexity).

Usage: python3 tools/ppl_table.py CHECKPOINT_DIR [...] [--qtx build/bin/qtx]
       [--calibration ../shared/data/wikitext2_valid.txt] [--text ../shared/data/wikitext2_test.txt]
       [--scratch /tmp/qtx-ppl] [--threads 0] [--max-windows 0] [--isa AVX2]
       [--recipes "w8a8 static,w8a8 dynamic,paper preset,w8a8 + probs"]
Standard library only.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

# (column label, `qtx convert` options after the calibration options are added where needed)
RECIPES = [
    ("w8a8 static", ["--quantize", "w8a8"], True),
    ("w8a8 dynamic", ["--quantize", "w8a8-dynamic"], False),
    ("paper preset", ["--preset", "paper"], True),
    ("w8a8 + probs", ["--quantize", "w8a8", "--quantize-softmax-output"], True),
]
# Columns left out of the default --recipes: the README's table holds the default columns only.
OPT_IN_RECIPES = {"w8a8 + probs"}
DEFAULT_RECIPES = ",".join(label for label, _, _ in RECIPES if label not in OPT_IN_RECIPES)


def run(args, env=None):
    print("+ " + " ".join(str(a) for a in args), file=sys.stderr, flush=True)
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True,
                          env=env).stdout


def convert(args, checkpoint, name, options, calibrated):
    out = args.scratch / f"{checkpoint.name}.{name}.qtx"
    if not out.exists():
        extra = ["--calibration-data", args.calibration] if calibrated else []
        run([args.qtx, "convert", checkpoint, "-o", out, *options, *extra])
    return out


def evaluate(args, model, baseline, env):
    command = [args.qtx, "eval", model, "--text-file", args.text, "--compare", baseline,
               "--json", "--threads", args.threads]
    if args.max_windows:
        command += ["--max-windows", args.max_windows]
    result = json.loads(run(command, env))
    # eval reports MODEL's perplexity and, under "compare", the baseline's.
    return result["compare"]["perplexity"], result["perplexity"], result["windows"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", type=pathlib.Path)
    parser.add_argument("--qtx", type=pathlib.Path, default=ROOT / "build" / "bin" / "qtx")
    parser.add_argument("--calibration", type=pathlib.Path, default=DATA / "wikitext2_valid.txt")
    parser.add_argument("--text", type=pathlib.Path, default=DATA / "wikitext2_test.txt")
    parser.add_argument("--scratch", type=pathlib.Path, default=pathlib.Path("/tmp/qtx-ppl"),
                        help="converted .qtx files; existing ones are reused")
    parser.add_argument("--threads", default="0", help="qtx eval --threads; 0: all cores")
    parser.add_argument("--max-windows", default="0", help="0: the whole text")
    parser.add_argument("--isa", help="ONEDNN_MAX_CPU_ISA for qtx eval, e.g. AVX2")
    parser.add_argument("--recipes", default=DEFAULT_RECIPES,
                        help="comma-separated columns to measure, of: " +
                        ", ".join(label for label, _, _ in RECIPES) +
                        f" (default: {DEFAULT_RECIPES})")
    return parser.parse_args()


def main():
    args = parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ONEDNN_MAX_CPU_ISA=args.isa) if args.isa else None
    recipes = [r for r in RECIPES if r[0] in args.recipes.split(",")]
    header = ["model", "float32"] + [label for label, _, _ in recipes]
    print(f"Perplexity on {args.text.name}, calibrated on {args.calibration.name}; oneDNN ISA: "
          f"{args.isa or 'native'}; change relative to float32 on the same windows.\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |", flush=True)
    for checkpoint in args.checkpoints:
        float32 = convert(args, checkpoint, "float32", [], False)
        cells, reference = [], None
        for label, options, calibrated in recipes:
            model = convert(args, checkpoint, label.replace(" ", "-"), options, calibrated)
            reference, ppl, windows = evaluate(args, model, float32, env)
            cells.append(f"{ppl:.3f} ({100.0 * (ppl / reference - 1.0):+.2f}%)")
        row = [f"{checkpoint.name} ({windows} windows)", f"{reference:.3f}", *cells]
        print("| " + " | ".join(row) + " |", flush=True)

if __name__ == "__main__":
    main()
