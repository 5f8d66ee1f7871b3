"""Baseline of issue 7: a bare, single-threaded, typed msgspec decode of a JSONL file.

    python benchmarks/baseline_msgspec.py data.jsonl --task chat

Reads the file in big blocks, splits them on newlines and decodes every line
into a typed msgspec Struct. No checks beyond the types, no diagnostics:
lines that fail to decode are only counted. This is the floor that
`ftprep check` is compared with. Prints one JSON line:
{"rows": ..., "errors": ..., "seconds": ...} (seconds: inside the loop).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from msgspec import DecodeError, Struct, ValidationError, json as mjson


class Message(Struct):
    role: str
    content: str


class Row(Struct):
    conversations: list[Message]


class TextRow(Struct):
    instruction: str
    output: str


class DpoRow(Struct):
    prompt: str
    chosen: str
    rejected: str


class GrpoRow(Struct):
    prompt: str
    answer: str


ROWS = {"chat": Row, "text": TextRow, "dpo": DpoRow, "grpo": GrpoRow}


def decode_file(path: str, row_type: type = Row, block: int = 8 << 20) -> tuple[int, int]:
    decode = mjson.Decoder(row_type).decode
    rows = errors = 0
    tail = b""
    with open(path, "rb") as f:
        while True:
            data = f.read(block)
            if not data:
                break
            lines = (tail + data).split(b"\n")
            tail = lines.pop()
            for line in lines:
                if not line:
                    continue
                try:
                    decode(line)
                    rows += 1
                except (DecodeError, ValidationError):
                    errors += 1
    if tail.strip():
        try:
            decode(tail)
            rows += 1
        except (DecodeError, ValidationError):
            errors += 1
    return rows, errors


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="bare typed msgspec decode of a JSONL file")
    p.add_argument("path")
    p.add_argument("--task", choices=sorted(ROWS), default="chat")
    p.add_argument("--block-mib", type=int, default=8)
    a = p.parse_args(argv)
    start = time.perf_counter()
    rows, errors = decode_file(a.path, ROWS[a.task], a.block_mib << 20)
    print(json.dumps({"rows": rows, "errors": errors, "seconds": round(time.perf_counter() - start, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
