"""Checks `qtx eval` against Hugging Face transformers and writes the expected perplexities
that tests/unit/eval_test.cpp compares with (tests/data/eval/expected.json).

For each vanilla shared model, qtx converts the checkpoint (float32), `qtx eval --dump-windows`
writes the exact windows it scores (inputs with masks applied, scored positions, targets), and
this script
  1. checks the windows independently: the targets and every unmasked input equal Hugging
     Face's tokenization of the text file (tokenized whole), and the windows tile that stream;
  2. runs the Hugging Face float32 model on those inputs and computes the perplexity;
  3. compares it with `qtx eval --json` on the same options.

With --full, the whole of wikitext2_test.txt is scored that way (slow on a small CPU); it
reproduces the shared models' metrics.json: opt4L-vanilla, HF on windows of BOS + 255 tokens of
the whole-file stream: 108.4259 vs 108.4252 in metrics.json (windows of 128: 115.4, 512: 137.8);
bert4L-vanilla on framed windows of 128 tokens lands within the spread of random masks (142-147
over seeds) around metrics.json's 143.06 (windows of 256: 216-226, 512: 271-276).

Usage: /work/venv/bin/python tests/tools/check_perplexity.py --qtx build/bin/qtx [--full]
"""
import argparse
import json
import math
import pathlib
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
TEXT = SHARED / "data" / "wikitext2_test.txt"
EXPECTED = ROOT / "tests" / "data" / "eval" / "expected.json"

# The small cases the unit test runs: about 2000 tokens each.
CASES = {
    "bert4L-vanilla": {"window": 128, "max_windows": 16, "seed": 0},
    "opt4L-vanilla": {"window": 256, "max_windows": 8, "seed": 0},
}


def qtx_eval(qtx, model_file, case, dump):
    args = [qtx, "eval", str(model_file), "--text-file", str(TEXT), "--json",
            "--window", str(case["window"]), "--seed", str(case["seed"]),
            "--dump-windows", str(dump)]
    if case["max_windows"]:
        args += ["--max-windows", str(case["max_windows"])]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def check_windows(windows, stream, masked):
    """The windows tile the stream; only the scored positions of masked windows differ."""
    offset = 0
    for w in windows:
        ids = w["input_ids"]
        content = ids[1:-1] if masked else ids[1:]
        original = list(content)
        for p, t in zip(w["positions"], w["targets"]):
            index = p - 1 if masked else p
            if masked:
                original[index] = t
            elif content[index] != t:
                sys.exit(f"causal target at {p} is not the next input")
        if original != stream[offset:offset + len(content)]:
            sys.exit(f"window at stream offset {offset} does not match HF's tokens")
        offset += len(content)
    return offset


def hf_perplexity(model, windows, causal):
    nll, count = 0.0, 0
    for w in windows:
        x = torch.tensor([w["input_ids"]])
        with torch.no_grad():
            logits = model(x).logits[0].double()
        logp = torch.log_softmax(logits, -1)
        for p, t in zip(w["positions"], w["targets"]):
            nll -= logp[p, t].item()
            count += 1
    return math.exp(nll / count), count


def check_model(qtx, name, case, scratch):
    directory = SHARED / "models" / name
    model_file = scratch / f"{name}.qtx"
    subprocess.run([qtx, "convert", str(directory), "-o", str(model_file)], check=True,
                   capture_output=True)
    dump = scratch / f"{name}.windows.json"
    ours = qtx_eval(qtx, model_file, case, dump)
    windows = json.loads(dump.read_text())["windows"]

    causal = name.startswith("opt")
    tokenizer = AutoTokenizer.from_pretrained(directory)
    stream = tokenizer(TEXT.read_text(), add_special_tokens=False)["input_ids"]
    covered = check_windows(windows, stream, masked=not causal)
    if not case["max_windows"] and covered != len(stream):
        sys.exit(f"{name}: windows cover {covered} of {len(stream)} tokens")

    cls = AutoModelForCausalLM if causal else AutoModelForMaskedLM
    model = cls.from_pretrained(directory, dtype=torch.float32).eval()
    ppl, count = hf_perplexity(model, windows, causal)
    rel = abs(ours["perplexity"] / ppl - 1.0)
    print(f"{name}: window {case['window']}, {len(windows)} windows, {count} scored tokens: "
          f"HF {ppl:.6f}, qtx {ours['perplexity']:.6f}, relative difference {rel:.2e}")
    if ours["tokens"] != count:
        sys.exit(f"{name}: qtx scored {ours['tokens']} tokens, HF {count}")
    return {**case, "tokens": count, "perplexity": ppl}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qtx", required=True, help="the qtx binary")
    parser.add_argument("--full", action="store_true", help="score the whole text file")
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, case in CASES.items():
            if args.full:
                case = {**case, "max_windows": 0}
            results[name] = check_model(args.qtx, name, case, pathlib.Path(scratch))
    if not args.full:
        EXPECTED.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {EXPECTED}")


if __name__ == "__main__":
    main()
