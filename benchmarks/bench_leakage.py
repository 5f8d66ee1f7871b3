"""Benchmark: `check --trainer-split` and `check --eval` against the plain check of the same file.

    python benchmarks/bench_leakage.py [--rows 100000] [--task chat] [--near-every 50] [--eval-rows 1000] [--spans 200]

Writes the synthetic file of bench_near_duplicates.py (every `--near-every`-th
row a near copy of the one before), plants `--spans` copied passages (a unique
20-word span added to the last string of an evaluation row and of one later
training row: the Q004 that must be found), takes the first `--eval-rows` rows
as a reference file, and runs `ftprep check` plain, with --trainer-split and
with --eval, each in its own process (benchmarks/measure.py: wall time, peak
RSS). The generated rows share a template (system prompts, sentence frames),
so most 13-word spans of the reference are in many training rows: boilerplate,
which Q004 must not report.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_near_duplicates import plant
from generate import generate
from measure import measure, warm

PASSAGE = 20


def plant_spans(path: str, eval_rows: int, spans: int, every: int, seed: int = 7) -> set[int]:
    """Add a unique 20-word passage to evaluation row 5k and to a later training row, for k < `spans`
    (rows clear of the near copies and their originals); the training rows that must get Q004."""
    rng = random.Random(seed)
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    gap = (len(lines) - eval_rows) // max(spans, 1) // every * every
    planted: set[int] = set()
    for k in range(spans if gap else 0):
        source, target = 5 * k, eval_rows + k * gap + 10
        if 5 * k >= eval_rows or source % every >= every - 2 or target >= len(lines):
            continue
        passage = " ".join(f"zq{rng.randrange(10**9)}" for _ in range(PASSAGE))
        for i in (source, target):
            lines[i] = json.dumps(_appended(json.loads(lines[i]), passage), ensure_ascii=False) + "\n"
        planted.add(target)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return planted


def _appended(value, passage: str):  # type: ignore[no-untyped-def]
    """The value with `passage` added to its last string (as _edit finds it)."""
    if isinstance(value, str):
        return f"{value} {passage}"
    if isinstance(value, list) and value:
        return [*value[:-1], _appended(value[-1], passage)]
    if isinstance(value, dict) and value:
        key = "content" if "content" in value else list(value)[-1]
        return {**value, key: _appended(value[key], passage)}
    return value


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--task", default="chat")
    ap.add_argument("--near-every", type=int, default=50)
    ap.add_argument("--eval-rows", type=int, default=1000)
    ap.add_argument("--spans", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, path, ref = (os.path.join(tmp, n) for n in ("raw.jsonl", "data.jsonl", "eval.jsonl"))
        generate(raw, args.task, args.rows, seed=1)
        plant(raw, path, args.near_every)
        os.unlink(raw)
        planted = plant_spans(path, args.eval_rows, args.spans, args.near_every)
        with open(path, encoding="utf-8") as f, open(ref, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(f, args.eval_rows))
        warm(path)
        base = [sys.executable, "-m", "ftprep", "check", path, "--task", args.task, "--format", "json",
                "--max-per-code", "1000000", "--min-rows", "1"]
        runs = {"plain check": base, "--trainer-split": [*base, "--trainer-split"], "--eval": [*base, "--eval", ref]}
        out: dict[str, tuple[float, float, dict[str, int], int]] = {}
        for name, cmd in runs.items():
            m = measure(cmd, os.path.join(tmp, f"{len(out)}.out"))
            with open(m.stdout, encoding="utf-8") as f:
                found = [d for file in json.load(f)["files"] for d in file["diagnostics"]
                         if d["code"] in ("Q002", "Q003", "Q004")]
            codes = {c: sum(d["code"] == c for d in found) for c in ("Q002", "Q003", "Q004")}
            out[name] = (m.wall, m.peak, codes, sum(d["code"] == "Q004" and d["row"] in planted for d in found))
        size = os.path.getsize(path) / (1 << 20)
    print(f"{args.rows:,} {args.task} rows ({size:,.0f} MiB); reference: its first {args.eval_rows:,} rows; "
          f"{len(planted):,} copied passages planted")
    plain = out["plain check"][0]
    for name, (wall, peak, codes, hit) in out.items():
        counts = "  ".join(f"{c}: {n:,}" for c, n in codes.items())
        print(f"{name:16} {wall:7.2f} s ({wall / plain:4.2f}x)  peak {peak:6.0f} MiB  {counts}  "
              f"(planted passages found: {hit:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
