"""Benchmark: `check --near-duplicates` against the plain check of the same file.

    python benchmarks/bench_near_duplicates.py [--rows 100000] [--task chat] [--near-every 50]

Writes a synthetic file with benchmarks/generate.py (every `--near-every`-th
row is a near copy of the row before it, with its last word changed), then
runs `ftprep check` on it with and without --near-duplicates, each in its own
process (benchmarks/measure.py: wall time, peak RSS), and prints the time
ratio, both peaks and the Q001 groups found.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate
from measure import measure, warm


def plant(src: str, dst: str, every: int) -> int:
    """Copy `src` to `dst` with every `every`-th row replaced by a near copy of its predecessor."""
    planted = 0
    prev = None
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if every and i % every == every - 1 and prev is not None:
                row = json.loads(prev)
                row = _edit(row)
                line = json.dumps(row) + "\n"
                planted += 1
            out.write(line)
            prev = line
    return planted


def _edit(value):  # type: ignore[no-untyped-def]
    """The value with the last word of its last string changed: a near copy, not an exact one."""
    if isinstance(value, str):
        return value.rsplit(" ", 1)[0] + " changed"
    if isinstance(value, list) and value:
        return [*value[:-1], _edit(value[-1])]
    if isinstance(value, dict) and value:
        key = "content" if "content" in value else list(value)[-1]
        return {**value, key: _edit(value[key])}
    return value


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--task", default="chat")
    ap.add_argument("--near-every", type=int, default=50)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, path = os.path.join(tmp, "raw.jsonl"), os.path.join(tmp, "data.jsonl")
        generate(raw, args.task, args.rows, seed=1)
        planted = plant(raw, path, args.near_every)
        os.unlink(raw)
        warm(path)
        base = [sys.executable, "-m", "ftprep", "check", path, "--task", args.task, "--format", "json",
                "--max-per-code", "1000000"]
        plain = measure(base, os.path.join(tmp, "plain.out"), runs=args.runs)
        near = measure([*base, "--near-duplicates"], os.path.join(tmp, "near.out"), runs=args.runs)
        with open(near.stdout, encoding="utf-8") as f:
            found = [d for file in json.load(f)["files"] for d in file["diagnostics"] if d["code"] == "Q001"]
        size = os.path.getsize(path) / (1 << 20)
    print(f"{args.rows:,} {args.task} rows ({size:,.0f} MiB), {planted:,} near copies planted")
    print(f"plain check:        {plain.wall:7.2f} s  peak {plain.peak:7.0f} MiB")
    print(f"--near-duplicates:  {near.wall:7.2f} s  peak {near.peak:7.0f} MiB")
    print(f"time ratio {near.wall / plain.wall:.2f}x; Q001 groups found: {len(found):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
