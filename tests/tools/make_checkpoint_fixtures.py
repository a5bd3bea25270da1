#!/usr/bin/env python3
"""Writes the small checkpoint fixtures in tests/data/checkpoints/ that the C++ readers are
tested against, and expected.json with the values torch itself wrote.

Run from the repository root:  /work/venv/bin/python tests/tools/make_checkpoint_fixtures.py
"""
import json
import os
import struct
import zipfile
from collections import OrderedDict

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "checkpoints")


def values(t):
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def describe(tensors):
    return {name: {"shape": list(t.shape), "values": values(t)} for name, t in tensors.items()}


def torch_state():
    """A state dict as torch.save writes it: several dtypes, a parameter, a scalar, an int64
    buffer, and views sharing one storage at non-zero offsets."""
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 4, generator=g)
    state = OrderedDict()
    state["linear.weight"] = torch.nn.Parameter(torch.randn(2, 3, generator=g))
    state["half"] = torch.randn(5, generator=g).to(torch.float16)
    state["bf16"] = torch.randn(2, 2, generator=g).to(torch.bfloat16)
    state["base"] = base
    state["base.row1"] = base[1]  # same storage, offset 4
    state["base.rows12"] = base[1:]  # same storage, offset 4, two rows
    state["scalar"] = torch.tensor(3.5)
    state["empty"] = torch.zeros(0, 4)
    state["position_ids"] = torch.arange(6).reshape(1, 6)  # int64: listed as unsupported
    return state


def save_torch(state, name):
    path = os.path.join(OUT, name)
    torch.save(state, path)
    return path


def torch_layout_zip(path, pickle_bytes, compress=zipfile.ZIP_STORED):
    """A zip laid out as torch.save lays it out, holding `pickle_bytes` as data.pkl."""
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        z.writestr("archive/version", "3\n")


def malicious_pickle():
    """os.system('touch /tmp/qtx_pwned') as raw protocol-2 opcodes. Written byte by byte and
    never unpickled: neither this script nor the reader may ever run it."""
    command = b"touch /tmp/qtx_pwned"
    return (b"\x80\x02"  # PROTO 2
            + b"cos\nsystem\n"  # GLOBAL 'os system'
            + b"X" + struct.pack("<I", len(command)) + command  # BINUNICODE
            + b"\x85"  # TUPLE1
            + b"R"  # REDUCE
            + b".")  # STOP


def stack_global_pickle():
    """The same attack through STACK_GLOBAL with the names as strings: builtins.eval."""
    return (b"\x80\x04"
            + b"\x8c\x08builtins" + b"\x8c\x04eval" + b"\x93"  # STACK_GLOBAL
            + b"\x8c\x071 + 1\x85R.")


def safetensors_files():
    g = torch.Generator().manual_seed(1)
    small = {
        "f32": torch.randn(2, 3, generator=g),
        "f16": torch.randn(4, generator=g).to(torch.float16),
        "bf16": torch.randn(3, 1, generator=g).to(torch.bfloat16),
        "ids": torch.arange(4),  # int64: listed as unsupported
    }
    save_file(small, os.path.join(OUT, "small.safetensors"), metadata={"format": "pt"})
    return small


def corrupt_safetensors():
    """Headers that lie about the file: a header length past the end, and a tensor whose
    data_offsets run past the end of the data."""
    header = json.dumps({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    with open(os.path.join(OUT, "header_past_end.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 1 << 40) + header)
    with open(os.path.join(OUT, "offsets_past_end.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0" * 4)


def sharded():
    g = torch.Generator().manual_seed(2)
    shard1 = {"a.weight": torch.randn(2, 2, generator=g).to(torch.float16)}
    shard2 = {"b.weight": torch.randn(3, generator=g), "b.bias": torch.randn(1, generator=g)}
    directory = os.path.join(OUT, "sharded")
    os.makedirs(directory, exist_ok=True)
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    save_file(shard1, os.path.join(directory, names[0]), metadata={"format": "pt"})
    save_file(shard2, os.path.join(directory, names[1]), metadata={"format": "pt"})
    weight_map = {name: names[0] for name in shard1}
    weight_map.update({name: names[1] for name in shard2})
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 28}, "weight_map": weight_map}, f, indent=2)
    escape = os.path.join(OUT, "sharded_escape")
    os.makedirs(escape, exist_ok=True)
    with open(os.path.join(escape, "model.safetensors.index.json"), "w") as f:
        json.dump({"weight_map": {"a.weight": "../sharded/" + names[0]}}, f, indent=2)
    return {**shard1, **shard2}


def sharded_bin():
    """pytorch_model.bin.index.json over two torch.save'd shards, as save_pretrained writes
    them with safe_serialization=False."""
    g = torch.Generator().manual_seed(3)
    shards = [{"x.weight": torch.randn(2, 3, generator=g)},
              {"y.weight": torch.randn(4, generator=g).to(torch.float16)}]
    directory = os.path.join(OUT, "sharded_bin")
    os.makedirs(directory, exist_ok=True)
    weight_map = {}
    for i, shard in enumerate(shards):
        name = "pytorch_model-%05d-of-00002.bin" % (i + 1)
        torch.save(shard, os.path.join(directory, name))
        weight_map.update({tensor: name for tensor in shard})
    with open(os.path.join(directory, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 32}, "weight_map": weight_map}, f, indent=2)
    return {**shards[0], **shards[1]}


def shared_model_sample():
    """The first values of one tensor of a shared trained checkpoint, read by safetensors."""
    from safetensors import safe_open
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "models",
                        "bert4L-vanilla")
    with open(os.path.join(root, "model.safetensors.index.json")) as f:
        shard = json.load(f)["weight_map"]["bert.embeddings.LayerNorm.weight"]
    with safe_open(os.path.join(root, shard), framework="pt") as f:
        t = f.get_tensor("bert.embeddings.LayerNorm.weight")
    return {"bert.embeddings.LayerNorm.weight": {"shape": list(t.shape),
                                                  "first_values": values(t)[:8]}}


def main():
    os.makedirs(OUT, exist_ok=True)
    state = torch_state()
    save_torch(state, "torch_state.bin")
    save_torch({"transposed": torch.randn(3, 2).t()}, "torch_noncontiguous.bin")
    torch_layout_zip(os.path.join(OUT, "malicious_os_system.bin"), malicious_pickle())
    torch_layout_zip(os.path.join(OUT, "malicious_eval.bin"), stack_global_pickle())
    torch_layout_zip(os.path.join(OUT, "compressed.bin"), malicious_pickle(), zipfile.ZIP_DEFLATED)
    small = safetensors_files()
    corrupt_safetensors()
    shards = sharded()
    float_state = {k: v for k, v in state.items() if v.is_floating_point()}
    expected = {
        "torch_state.bin": describe(float_state),
        "small.safetensors": describe({k: v for k, v in small.items() if k != "ids"}),
        "sharded": describe(shards),
        "sharded_bin": describe(sharded_bin()),
        "bert4L-vanilla": shared_model_sample(),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
