"""Golden references for qtx's float path: Hugging Face transformers outputs of the five
checkpoints in shared/models, in float32 on CPU.

Run: /work/venv/bin/python tests/tools/gen_golden.py [--shared ../shared] [--out tests/data/golden]

Output format (tests/data/golden/<model>/):
  manifest.json
    model, architecture, hidden_size, vocab_size
    logit_columns: the vocabulary ids whose logits are stored (sorted, ~256, incl. specials)
    cases: [{name, texts, batch, seq, padding ("right" BERT / "left" OPT), file,
             arrays: {NAME: {dtype ("i32"|"f32"), shape, offset (bytes into file)}}}]
      arrays per case, all little-endian, row-major:
        input_ids i32 [B,S]        attention_mask i32 [B,S] (1 real, 0 padding)
        hidden f32 [B,S,H]         the last hidden state (BERT: last encoder layer output;
                                   OPT: after the decoder's final_layer_norm)
        logits f32 [B,S,C]         logits at logit_columns
        logsumexp f32 [B,S]        over the whole vocabulary
        argmax i32 [B,S]           over the whole vocabulary
        bert4L-vanilla only (headless BertModel, masked mean pooling over attention_mask):
        mean_pooled f32 [B,H]      normalized f32 [B,H] (L2-normalised mean_pooled)
      Values at padded positions (mask 0) are whatever HF computes there: compare only
      positions with mask 1.
    generate (OPT only): [{prompt, input_ids (BOS first), new_tokens (greedy, do_sample=False,
             max_new_tokens=50, HF's default stop at EOS), stopped_at_eos,
             min_margin (smallest top-1 minus top-2 logit over the steps: a tie-break guide)}]
The clipped and gated variants are HF's classes with the eager attention function replaced by
one implementing shared/models/README.md's formulas; the script asserts the variant changes
the outputs, so a silently inactive patch cannot produce goldens.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, BertForMaskedLM, BertModel, OPTForCausalLM
from transformers.models.bert import modeling_bert
from transformers.models.opt import modeling_opt

MODELS = ["bert4L-vanilla", "bert4L-clipped", "bert4L-gated", "opt4L-vanilla", "opt4L-gated"]

BERT_BATCHES = [
    ["the capital of france is [MASK]."],
    ["the man went to the [MASK] to buy milk.", "she [MASK] a book, and then slept."],
    ["hello world!", "the quick brown fox jumps over the lazy [MASK] today.",
     "music is the [MASK] of the soul."],
]
OPT_BATCHES = [
    ["The capital of France is"],
    ["Once upon a time, there was", "In 1905, the city council decided to build a new"],
    ["Hello", "The river flows through the valley and", "He said that the"],
]
OPT_PROMPTS = ["The history of the city", "In the early 20th century,", "She was born in"]


# --- the paper's attention variants, as a replacement of HF's eager attention function ---
def variant_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0,
                      **kwargs):
    if scaling is None:
        scaling = query.size(-1) ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask
    probs = torch.softmax(scores, dim=-1)
    clip = getattr(module, "qtx_clip", None)
    if clip is not None:
        gamma, zeta = clip
        probs = torch.clamp((zeta - gamma) * probs + gamma, 0.0, 1.0)
    context = torch.matmul(probs, value).transpose(1, 2).contiguous()  # [B,S,heads,dh]
    gates = getattr(module, "qtx_gates", None)
    if gates is not None:
        x = module.qtx_gate_input  # the attention block's input [B,S,H]
        dh = context.shape[-1]
        factors = [torch.sigmoid(g(x[..., h * dh:(h + 1) * dh])) for h, g in enumerate(gates)]
        context = context * torch.stack(factors, dim=2)  # [B,S,heads,1]
    return context, probs


def stash_gate_input(module, args, kwargs):
    module.qtx_gate_input = args[0] if args else kwargs["hidden_states"]


def attention_modules(model):
    if isinstance(model, OPTForCausalLM):
        return [layer.self_attn for layer in model.model.decoder.layers]
    encoder = model.bert.encoder if hasattr(model, "bert") else model.encoder
    return [layer.attention.self for layer in encoder.layer]


def add_variants(model, config, weights, prefix_of_layer):
    softmax = config.get("attn_softmax", "vanilla")
    clip = None
    if softmax.startswith("clipped("):
        gamma, zeta = softmax[len("clipped("):-1].split(":")
        clip = (float(gamma), float(zeta))
    gated = config.get("attn_gate_type") == "conditional_per_token"
    for i, attn in enumerate(attention_modules(model)):
        attn.qtx_clip = clip
        if not gated:
            continue
        heads = config["num_attention_heads"]
        dh = config["hidden_size"] // heads
        gates = []
        for h in range(heads):
            p = f"{prefix_of_layer(i)}alpha.{h}."
            if config.get("attn_gate_mlp"):
                g = torch.nn.Sequential(torch.nn.Linear(dh, dh // 4), torch.nn.ReLU(),
                                        torch.nn.Linear(dh // 4, 1))
                g[0].weight.data, g[0].bias.data = weights[p + "0.weight"], weights[p + "0.bias"]
                g[2].weight.data, g[2].bias.data = weights[p + "2.weight"], weights[p + "2.bias"]
            else:
                g = torch.nn.Linear(dh, 1)
                g.weight.data, g.bias.data = weights[p + "weight"], weights[p + "bias"]
            gates.append(g.float())
        attn.qtx_gates = torch.nn.ModuleList(gates)
        attn.register_forward_pre_hook(stash_gate_input, with_kwargs=True)
    return clip is not None or gated


def set_variants_active(model, active):
    for attn in attention_modules(model):
        if not active:
            attn.qtx_saved = (attn.qtx_clip, getattr(attn, "qtx_gates", None))
            attn.qtx_clip, attn.qtx_gates = None, None
        else:
            attn.qtx_clip, attn.qtx_gates = attn.qtx_saved


def load_weights(model_dir):
    weights = {}
    for name in sorted(os.listdir(model_dir)):
        if name.endswith(".safetensors"):
            weights.update({k: v.float() for k, v in load_file(os.path.join(model_dir, name)).items()})
    return weights


# --- inputs ---
def bert_inputs(tokenizer, texts):
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]


def opt_ids(tokenizer, text):
    return [tokenizer.bos_token_id] + tokenizer.encode(text, add_special_tokens=False)


def opt_inputs(tokenizer, texts):
    rows = [opt_ids(tokenizer, t) for t in texts]
    seq = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (seq - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (seq - len(r)) + [1] * len(r) for r in rows])
    return ids, mask


# --- writing ---
class CaseWriter:
    def __init__(self, path):
        self.path, self.blob, self.arrays = path, bytearray(), {}

    def add(self, name, array, dtype):
        data = np.ascontiguousarray(array.detach().cpu().numpy() if torch.is_tensor(array) else array)
        data = data.astype("<i4" if dtype == "i32" else "<f4")
        self.arrays[name] = {"dtype": dtype, "shape": list(data.shape), "offset": len(self.blob)}
        self.blob += data.tobytes()

    def close(self):
        with open(self.path, "wb") as f:
            f.write(self.blob)
        return self.arrays


def logit_columns(vocab, special_ids, count=256):
    rng = np.random.default_rng(1234)
    picked = set(int(i) for i in rng.choice(vocab, size=count - len(special_ids), replace=False))
    return sorted(picked | set(special_ids))


@torch.no_grad()
def run_case(model, ids, mask):
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    return out.logits.float(), out.hidden_states[-1].float()


@torch.no_grad()
def greedy(model, tokenizer, prompt):
    ids = torch.tensor([opt_ids(tokenizer, prompt)])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                         max_new_tokens=50, output_scores=True, return_dict_in_generate=True,
                         pad_token_id=tokenizer.pad_token_id)
    new = out.sequences[0, ids.shape[1]:].tolist()
    margins = [float(torch.topk(s[0], 2).values.diff().abs()) for s in out.scores]
    return {"prompt": prompt, "input_ids": ids[0].tolist(), "new_tokens": new,
            "stopped_at_eos": len(new) < 50, "min_margin": min(margins)}


def check_variant_active(model, ids, mask, logits):
    set_variants_active(model, False)
    vanilla, _ = run_case(model, ids, mask)
    set_variants_active(model, True)
    change = float((vanilla - logits).abs().max())
    assert change > 1e-2, f"attention variant patch is not active (max logit change {change})"
    again, _ = run_case(model, ids, mask)
    assert torch.equal(again, logits), "variant restore failed"


def generate_model(shared, out_dir, name):
    model_dir = os.path.join(shared, "models", name)
    config = json.load(open(os.path.join(model_dir, "config.json")))
    is_opt = config["model_type"] == "opt"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    cls = OPTForCausalLM if is_opt else BertForMaskedLM
    model = cls.from_pretrained(model_dir, torch_dtype=torch.float32,
                                attn_implementation="eager").eval()
    prefix = (lambda i: f"model.decoder.layers.{i}.self_attn.") if is_opt else (
        lambda i: f"bert.encoder.layer.{i}.attention.self.")
    has_variant = add_variants(model, config, load_weights(model_dir), prefix)
    specials = [config["bos_token_id"]] if is_opt else [0, 100, 101, 102, 103]
    columns = logit_columns(config["vocab_size"], specials)
    headless = BertModel.from_pretrained(model_dir, torch_dtype=torch.float32,
                                         attn_implementation="eager").eval() if name == "bert4L-vanilla" else None
    target = os.path.join(out_dir, name)
    os.makedirs(target, exist_ok=True)
    cases = []
    for b, texts in enumerate(OPT_BATCHES if is_opt else BERT_BATCHES):
        ids, mask = (opt_inputs if is_opt else bert_inputs)(tokenizer, texts)
        logits, hidden = run_case(model, ids, mask)
        if has_variant:
            check_variant_active(model, ids, mask, logits)
        writer = CaseWriter(os.path.join(target, f"case{b}.bin"))
        writer.add("input_ids", ids, "i32")
        writer.add("attention_mask", mask, "i32")
        writer.add("hidden", hidden, "f32")
        writer.add("logits", logits[..., columns], "f32")
        writer.add("logsumexp", torch.logsumexp(logits, dim=-1), "f32")
        writer.add("argmax", logits.argmax(dim=-1), "i32")
        if headless is not None:
            with torch.no_grad():
                base = headless(input_ids=ids, attention_mask=mask).last_hidden_state
            assert torch.allclose(base, hidden, atol=1e-5), "BertModel and MLM encoders differ"
            m = mask.unsqueeze(-1).float()
            pooled = (base * m).sum(1) / m.sum(1)
            writer.add("mean_pooled", pooled, "f32")
            writer.add("normalized", torch.nn.functional.normalize(pooled, dim=-1), "f32")
        cases.append({"name": f"case{b}", "texts": texts, "batch": int(ids.shape[0]),
                      "seq": int(ids.shape[1]), "padding": "left" if is_opt else "right",
                      "file": f"case{b}.bin", "arrays": writer.close()})
    manifest = {"model": name, "architecture": config["architectures"][0],
                "hidden_size": config["hidden_size"], "vocab_size": config["vocab_size"],
                "logit_columns": columns, "cases": cases}
    if is_opt:
        manifest["generate"] = [greedy(model, tokenizer, p) for p in OPT_PROMPTS]
    with open(os.path.join(target, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(name, [(c["batch"], c["seq"]) for c in cases])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "shared"))
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "golden"))
    args = parser.parse_args()
    torch.manual_seed(0)
    # Both families call their module's eager_attention_forward when attn_implementation is
    # "eager"; without qtx_clip / qtx_gates set the replacement computes vanilla attention.
    modeling_bert.eager_attention_forward = variant_attention
    modeling_opt.eager_attention_forward = variant_attention
    torch.set_num_threads(1)
    for name in MODELS:
        generate_model(args.shared, args.out, name)


if __name__ == "__main__":
    main()
