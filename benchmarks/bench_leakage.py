"""Benchmark: `check --trainer-split` and `check --eval` against the plain check of the same file.

    python benchmarks/bench_leakage.py [--rows 100000] [--task chat] [--near-every 50] [--eval-rows 1000]

Writes the synthetic file of bench_near_duplicates.py (every `--near-every`-th
row a near copy of the one before), takes its first `--eval-rows` rows as a
reference file, and runs `ftprep check` plain, with --trainer-split and with
--eval, each in its own process (benchmarks/measure.py: wall time, peak RSS).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_near_duplicates import plant
from generate import generate
from measure import measure, warm


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--task", default="chat")
    ap.add_argument("--near-every", type=int, default=50)
    ap.add_argument("--eval-rows", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, path, ref = (os.path.join(tmp, n) for n in ("raw.jsonl", "data.jsonl", "eval.jsonl"))
        generate(raw, args.task, args.rows, seed=1)
        plant(raw, path, args.near_every)
        os.unlink(raw)
        with open(path, encoding="utf-8") as f, open(ref, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(f, args.eval_rows))
        warm(path)
        base = [sys.executable, "-m", "ftprep", "check", path, "--task", args.task, "--format", "json",
                "--max-per-code", "1000000", "--min-rows", "1"]
        runs = {"plain check": base, "--trainer-split": [*base, "--trainer-split"], "--eval": [*base, "--eval", ref]}
        out: dict[str, tuple[float, float, int]] = {}
        for name, cmd in runs.items():
            m = measure(cmd, os.path.join(tmp, f"{len(out)}.out"))
            with open(m.stdout, encoding="utf-8") as f:
                leaks = sum(d["code"] in ("Q002", "Q003", "Q004") for file in json.load(f)["files"]
                            for d in file["diagnostics"])
            out[name] = (m.wall, m.peak, leaks)
        size = os.path.getsize(path) / (1 << 20)
    print(f"{args.rows:,} {args.task} rows ({size:,.0f} MiB); reference: its first {args.eval_rows:,} rows")
    plain = out["plain check"][0]
    for name, (wall, peak, leaks) in out.items():
        print(f"{name:16} {wall:7.2f} s ({wall / plain:4.2f}x)  peak {peak:6.0f} MiB  Q002-Q004: {leaks:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
