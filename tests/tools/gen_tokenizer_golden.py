#!/usr/bin/env python3
"""Writes the tokenizer golden files of tests/data/tokenizers/ from Hugging Face's tokenizers.

Run from the repository root with the project's venv (transformers, tokenizers):
    /work/venv/bin/python tests/tools/gen_tokenizer_golden.py [/path/to/shared]

For each reference tokenizer (AutoTokenizer of bert4L-vanilla: WordPiece; of opt4L-vanilla:
byte-level BPE) it writes
  wikitext_<kind>.txt  one line per line of data/wikitext2_test.txt (the file split on "\\n",
                       without the empty piece after the final newline), each line encoded on
                       its own WITHOUT framing special tokens:
                           <count> <fnv64 of the ids> <fnv32 of decode(ids)>
                       and a header line with the framed encoding of every line
                       (add_special_tokens=True) fingerprinted as one stream:
                           # framed <total count> <fnv64 of all framed ids in order>
  nasty_<kind>.json    for every case of nasty.txt: the text, its ids without and with framing,
                       decode(framed, skip_special_tokens=False / True) and the decode of the
                       first half of the unframed ids (which may cut a character in two).
FNV-1a hashes run over each id as 4 little-endian bytes, and over the UTF-8 bytes of text.
nasty.txt holds one case a line with escapes \\n \\t \\r \\\\ and \\u{HEX}.
"""
import json
import os
import re
import struct
import sys

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "data", "tokenizers")
TOKENIZERS = {"wordpiece": "bert4L-vanilla", "bpe": "opt4L-vanilla"}


def fnv1a(data, bits):
    if bits == 64:
        h, prime, mask = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1
    else:
        h, prime, mask = 0x811C9DC5, 0x01000193, (1 << 32) - 1
    for byte in data:
        h = ((h ^ byte) * prime) & mask
    return h


def ids_bytes(ids):
    return struct.pack("<%di" % len(ids), *ids)


def unescape(line):
    def replace(match):
        code = match.group(1)
        if code.startswith("u{"):
            return chr(int(code[2:-1], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[code]
    return re.sub(r"\\(n|t|r|\\|u\{[0-9A-Fa-f]+\})", replace, line)


def wikitext_lines(shared):
    with open(os.path.join(shared, "data", "wikitext2_test.txt"), "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.decode("utf-8") for line in lines]


def write_wikitext(tok, kind, lines):
    rows, framed = [], []
    for line in lines:
        ids = tok.encode(line, add_special_tokens=False)
        decoded = tok.decode(ids, skip_special_tokens=False)
        rows.append("%d %016x %08x" % (len(ids), fnv1a(ids_bytes(ids), 64),
                                       fnv1a(decoded.encode("utf-8"), 32)))
        framed.extend(tok.encode(line, add_special_tokens=True))
    path = os.path.join(OUT_DIR, "wikitext_%s.txt" % kind)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# framed %d %016x\n" % (len(framed), fnv1a(ids_bytes(framed), 64)))
        f.write("\n".join(rows) + "\n")


def write_nasty(tok, kind, cases):
    out = []
    for text in cases:
        ids = tok.encode(text, add_special_tokens=False)
        framed = tok.encode(text, add_special_tokens=True)
        out.append({
            "text": text,
            "ids": ids,
            "framed": framed,
            "decoded": tok.decode(framed, skip_special_tokens=False),
            "decoded_skip_special": tok.decode(framed, skip_special_tokens=True),
            "half_ids": ids[:len(ids) // 2],
            "decoded_half": tok.decode(ids[:len(ids) // 2], skip_special_tokens=False),
        })
    with open(os.path.join(OUT_DIR, "nasty_%s.json" % kind), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
        f.write("\n")


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")
    with open(os.path.join(OUT_DIR, "nasty.txt"), encoding="utf-8") as f:
        cases = [unescape(line.rstrip("\n")) for line in f]
    lines = wikitext_lines(shared)
    for kind, model in TOKENIZERS.items():
        tok = AutoTokenizer.from_pretrained(os.path.join(shared, "models", model))
        write_wikitext(tok, kind, lines)
        write_nasty(tok, kind, cases)
        print("%s: %d wikitext lines, %d nasty cases" % (kind, len(lines), len(cases)))


if __name__ == "__main__":
    main()
