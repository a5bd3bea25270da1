"""Writes a Hugging Face-layout checkpoint with random weights at a real model's size, for
benchmarks (tools/bench_table.py): the speed of a forward pass does not depend on the values.

  --arch bert-base: BertForMaskedLM, 12 layers x 768, 12 heads, ffn 3072, vocab 30522,
                    512 positions, MLM head tied to the word embeddings (not stored).
  --arch opt-125m:  OPTForCausalLM, 12 layers x 768, 12 heads, ffn 3072, vocab 50272,
                    2048 positions (+2, OPT's offset), LM head tied (not stored).

Weights are normal(0, 0.02), biases 0, LayerNorm weight 1 and bias 0; one model.safetensors in
float16 or float32 (--dtype), config.json, and the tokenizer files copied from a checkpoint
directory (--tokenizer-from; default the shared model of the same family). opt-125m's
embedding table has 50272 rows, 15 more than GPT-2's 50257 tokens, as the real model has.

Needs only the standard library, so it runs on a benchmark machine without packages: with
numpy every weight is drawn independently; without it, one block of 65536 normal values is
drawn with `random` and repeated (pure Python would take minutes for 125M values, and a
latency benchmark does not depend on the values). The safetensors file is written here.

Usage: python3 tools/make_random_checkpoint.py --arch bert-base -o DIR
"""
import argparse
import json
import math
import pathlib
import random
import shutil
import struct

try:
    import numpy as np
except ImportError:
    np = None

SHARED_MODELS = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "models"

ARCHS = {
    "bert-base": {
        "config": {
            "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 30522,
            "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
            "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
            "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "position_embedding_type": "absolute",
        },
        "tokenizer_from": SHARED_MODELS / "bert4L-vanilla",
        "tokenizer_files": ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"],
    },
    "opt-125m": {
        "config": {
            "architectures": ["OPTForCausalLM"], "model_type": "opt", "vocab_size": 50272,
            "hidden_size": 768, "num_hidden_layers": 12, "ffn_dim": 3072,
            "num_attention_heads": 12, "max_position_embeddings": 2048,
            "do_layer_norm_before": True, "word_embed_proj_dim": 768,
            "activation_function": "relu", "enable_bias": True,
            "layer_norm_elementwise_affine": True, "dropout": 0.1, "attention_dropout": 0.0,
            "bos_token_id": 50256, "eos_token_id": 50256, "pad_token_id": 50256,
            "tie_word_embeddings": True,
        },
        "tokenizer_from": SHARED_MODELS / "opt4L-vanilla",
        "tokenizer_files": ["vocab.json", "merges.txt", "tokenizer_config.json",
                            "special_tokens_map.json"],
    },
}


# safetensors dtype name and struct format character of each --dtype.
DTYPES = {"float16": ("F16", "e"), "float32": ("F32", "f")}
STDLIB_BLOCK = 65536  # normal values drawn once and repeated when numpy is missing


class Weights:
    """Collects named tensors as (shape, little-endian bytes): normal(0, 0.02) matrices, zero
    biases, unit LayerNorms."""

    def __init__(self, seed, dtype):
        self.dtype, self.tensors = dtype, {}
        self.safetensors_dtype, self.format = DTYPES[dtype]
        self.itemsize = struct.calcsize(self.format)
        if np is not None:
            self.rng = np.random.default_rng(seed)
        else:
            rng = random.Random(seed)
            values = [rng.gauss(0.0, 0.02) for _ in range(STDLIB_BLOCK)]
            self.block = struct.pack(f"<{STDLIB_BLOCK}{self.format}", *values)

    def normal(self, name, *shape):
        count = math.prod(shape)
        if np is not None:
            values = self.rng.standard_normal(shape, dtype=np.float32) * 0.02
            data = values.astype(np.dtype(self.dtype).newbyteorder("<")).tobytes()
        else:
            data = (self.block * -(-count // STDLIB_BLOCK))[:count * self.itemsize]
        self.tensors[name] = (shape, data)

    def constant(self, name, value, *shape):
        self.tensors[name] = (shape, struct.pack(f"<{self.format}", value) * math.prod(shape))

    def linear(self, prefix, out_features, in_features):
        self.normal(f"{prefix}.weight", out_features, in_features)
        self.zeros(f"{prefix}.bias", out_features)

    def zeros(self, name, *shape):
        self.constant(name, 0.0, *shape)

    def layer_norm(self, prefix, width):
        self.constant(f"{prefix}.weight", 1.0, width)
        self.zeros(f"{prefix}.bias", width)

    def parameters(self):
        return sum(math.prod(shape) for shape, _ in self.tensors.values())

    def save(self, path):
        """The safetensors layout: an 8-byte header length, a JSON header padded to 8 bytes
        with spaces, then the tensors' bytes in header order."""
        header, offset = {"__metadata__": {"format": "pt"}}, 0
        for name, (shape, data) in self.tensors.items():
            header[name] = {"dtype": self.safetensors_dtype, "shape": list(shape),
                            "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for _, data in self.tensors.values():
                f.write(data)


def bert_weights(w, c):
    h, f = c["hidden_size"], c["intermediate_size"]
    w.normal("bert.embeddings.word_embeddings.weight", c["vocab_size"], h)
    w.normal("bert.embeddings.position_embeddings.weight", c["max_position_embeddings"], h)
    w.normal("bert.embeddings.token_type_embeddings.weight", c["type_vocab_size"], h)
    w.layer_norm("bert.embeddings.LayerNorm", h)
    for i in range(c["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}"
        for name in ("query", "key", "value"):
            w.linear(f"{p}.attention.self.{name}", h, h)
        w.linear(f"{p}.attention.output.dense", h, h)
        w.layer_norm(f"{p}.attention.output.LayerNorm", h)
        w.linear(f"{p}.intermediate.dense", f, h)
        w.linear(f"{p}.output.dense", h, f)
        w.layer_norm(f"{p}.output.LayerNorm", h)
    w.linear("cls.predictions.transform.dense", h, h)
    w.layer_norm("cls.predictions.transform.LayerNorm", h)
    w.zeros("cls.predictions.bias", c["vocab_size"])


def opt_weights(w, c):
    h, f = c["hidden_size"], c["ffn_dim"]
    w.normal("model.decoder.embed_tokens.weight", c["vocab_size"], h)
    w.normal("model.decoder.embed_positions.weight", c["max_position_embeddings"] + 2, h)
    for i in range(c["num_hidden_layers"]):
        p = f"model.decoder.layers.{i}"
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            w.linear(f"{p}.self_attn.{name}", h, h)
        w.layer_norm(f"{p}.self_attn_layer_norm", h)
        w.linear(f"{p}.fc1", f, h)
        w.linear(f"{p}.fc2", h, f)
        w.layer_norm(f"{p}.final_layer_norm", h)
    w.layer_norm("model.decoder.final_layer_norm", h)


def copy_tokenizer(source, files, out):
    copied = 0
    for name in files:
        if (source / name).exists():
            shutil.copyfile(source / name, out / name)
            copied += 1
    if copied == 0:
        raise SystemExit(f"{source}: no tokenizer files ({', '.join(files)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True, choices=sorted(ARCHS))
    parser.add_argument("-o", "--output", required=True, type=pathlib.Path)
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    parser.add_argument("--tokenizer-from", type=pathlib.Path,
                        help="checkpoint directory to copy the tokenizer files from")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    arch = ARCHS[args.arch]
    config = dict(arch["config"], torch_dtype=args.dtype)
    weights = Weights(args.seed, args.dtype)
    (bert_weights if args.arch == "bert-base" else opt_weights)(weights, config)

    args.output.mkdir(parents=True, exist_ok=True)
    weights.save(args.output / "model.safetensors")
    (args.output / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    copy_tokenizer(args.tokenizer_from or arch["tokenizer_from"], arch["tokenizer_files"],
                   args.output)
    print(f"{args.output}: {args.arch}, {weights.parameters() / 1e6:.1f} M parameters, "
          f"{args.dtype}, {'numpy' if np is not None else 'stdlib (repeated block)'} values")


if __name__ == "__main__":
    main()
