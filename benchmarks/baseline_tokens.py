"""Baseline of issue 7, target 4: the tokenizer's own batch encode of the rendered texts.

    python benchmarks/baseline_tokens.py train data.jsonl -o tok.json [--vocab-size 32000] [--sample 20000]
    python benchmarks/baseline_tokens.py encode data.jsonl --tokenizer tok.json --task chat [--method encode_batch]

No hub tokenizer can be downloaded here, so `train` makes a stand-in: a
byte-level BPE trained on the first rows of the data, with the ChatML markers
as special tokens. `encode` reads the JSONL (msgspec), renders each row
(chat: ChatML; text: instruction and output; dpo: prompt+chosen and
prompt+rejected; grpo: prompt) and counts tokens with `encode_batch` in
batches (encode_batch_fast where the tokenizers version has it). Prints one
JSON line: {"rows", "texts", "tokens", "seconds", "method"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import typing as t

import msgspec

SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]


def render(task: str, row: t.Any) -> list[str]:
    """The texts a row is trained on. Rows that are not of the task give none."""
    if not isinstance(row, dict):
        return []
    if task == "chat":
        msgs = row.get("conversations")
        if not isinstance(msgs, list):
            return []
        return ["".join(f"<|im_start|>{m.get('role')}\n{m.get('content')}<|im_end|>\n"
                        for m in msgs if isinstance(m, dict))]
    if task == "text":
        return [f"{row.get('instruction')}\n{row.get('output')}"]
    if task == "dpo":
        return [f"{row.get('prompt')}\n{row.get(k)}" for k in ("chosen", "rejected")]
    return [str(row.get("prompt"))]


def rows(path: str) -> t.Iterator[t.Any]:
    decode = msgspec.json.Decoder().decode
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                try:
                    yield decode(line)
                except msgspec.DecodeError:
                    continue


def train(path: str, out: str, task: str, vocab_size: int, sample: int) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    texts = []
    for n, row in enumerate(rows(path)):
        if n >= sample:
            break
        texts += render(task, row)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    folder = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix=".tok.", suffix=".json", dir=folder)
    os.close(fd)
    try:
        tok.save(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def encode(path: str, tokenizer: str, task: str, batch: int, method: str = "encode_batch_fast") -> dict[str, t.Any]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer)
    # By default the batch call meant for counting: encode_batch_fast (tokenizers >= 0.20)
    # skips the offsets, which counting does not need. `encode_batch` computes them.
    batch_encode = getattr(tok, method, tok.encode_batch)
    n_rows = n_texts = n_tokens = 0
    texts: list[str] = []
    start = time.perf_counter()
    for row in rows(path):
        n_rows += 1
        texts += render(task, row)
        if len(texts) >= batch:
            n_tokens += sum(map(len, batch_encode(texts, add_special_tokens=False)))
            n_texts += len(texts)
            texts = []
    if texts:
        n_tokens += sum(map(len, batch_encode(texts, add_special_tokens=False)))
        n_texts += len(texts)
    return {"rows": n_rows, "texts": n_texts, "tokens": n_tokens, "seconds": round(time.perf_counter() - start, 3),
            "method": batch_encode.__name__}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="train a stand-in byte-level BPE on the first rows")
    tr.add_argument("path")
    tr.add_argument("-o", "--output", required=True)
    tr.add_argument("--task", default="chat", choices=("chat", "text", "dpo", "grpo"))
    tr.add_argument("--vocab-size", type=int, default=32000)
    tr.add_argument("--sample", type=int, default=20000, help="rows to train on")
    en = sub.add_parser("encode", help="count tokens of every rendered row with encode_batch")
    en.add_argument("path")
    en.add_argument("--tokenizer", required=True)
    en.add_argument("--task", default="chat", choices=("chat", "text", "dpo", "grpo"))
    en.add_argument("--batch", type=int, default=4096, help="texts per encode_batch call")
    en.add_argument("--method", default="encode_batch_fast", choices=("encode_batch_fast", "encode_batch"),
                    help="the tokenizer's batch call (encode_batch also computes offsets)")
    a = p.parse_args(argv)
    if a.cmd == "train":
        train(a.path, a.output, a.task, a.vocab_size, a.sample)
        return 0
    print(json.dumps(encode(a.path, a.tokenizer, a.task, a.batch, a.method)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
