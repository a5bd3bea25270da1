"""Layer-by-layer golden of one shared model: Hugging Face's hidden state after the embeddings
and after every encoder layer of bert4L-vanilla (float32, CPU) for one text, which
`qtx run --dump-intermediates` must reproduce node by node (tests/unit/intermediates_test.cpp).

Run: VENV/bin/python tests/tools/gen_layer_golden.py [--shared ../shared]
Writes tests/data/golden/bert4L-vanilla/layers.json:
  {"text", "input_ids", "layers": {qtx node name: [S][H] floats}}
"""
import argparse
import json
import os

import torch
from transformers import AutoTokenizer, BertForMaskedLM

TEXT = "the capital of france is [MASK]."


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "..", "shared"))
    args = parser.parse_args()
    folder = os.path.join(args.shared, "models", "bert4L-vanilla")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = BertForMaskedLM.from_pretrained(folder, dtype=torch.float32).eval()
    inputs = tokenizer([TEXT], return_tensors="pt")
    with torch.no_grad():
        hidden = model(**inputs, output_hidden_states=True).hidden_states
    names = ["embeddings"] + [f"layer.{i}.output.norm" for i in range(len(hidden) - 1)]
    layers = {name: [[float(f"{v:.9g}") for v in row] for row in h[0].tolist()]
              for name, h in zip(names, hidden)}
    out = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "bert4L-vanilla",
                       "layers.json")
    with open(out, "w") as f:
        json.dump({"text": TEXT, "input_ids": inputs["input_ids"][0].tolist(), "layers": layers}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
