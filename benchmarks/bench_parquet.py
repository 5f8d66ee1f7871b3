"""Benchmark: the Parquet check against `polars.read_parquet` of the same file and
against the JSON Lines check of the same rows.

    python benchmarks/bench_parquet.py [--rows 200000] [--tasks chat,dpo,text,grpo] [--repeat 3] [--data DIR]
    python benchmarks/bench_parquet.py --split [--ignore Q] [--rows 200000] [--tasks chat,dpo]

Writes each task's rows as JSON Lines and as Parquet (benchmarks/generate.py, the
same rows) under --data (default /tmp/bench_parquet), then times, each in its own
process and back to back: `polars.read_parquet` of the whole file; `ftprep check`
of the Parquet file and of the JSON Lines file with `--workers 1` and `2`, with the
default checks and with `--ignore Q`; and the Parquet file through the records path
(`to_pylist`, kept as the reference) with `--workers 1`. Prints one markdown table:
median wall seconds over --repeat runs, the ratio to `polars.read_parquet` and to
the JSON Lines check of the same rows and workers, and the peak RSS (the larger of
the process's `ru_maxrss` and the sampled sum over its process tree, measure.py).

`--split` prints instead where one process's Parquet check spends its time: polars
reading the row groups, polars writing them as JSON lines, and the row engine
(`RowChecker.lines`, the JSON Lines check's own code) checking those lines.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate
from measure import measure

# The reference: Parquet through the records path (each row a Python dict, encoded back to JSON).
RECORDS = """
import sys
import ftprep
from ftprep.engine import file_scans
file_scans.columnar = lambda *a: False
path, task, workers, ignore = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] or None
ftprep.check(path, task=task, workers=workers, ignore=ignore)
"""


# The bridge's three stages, timed apart in one process (--split).
SPLIT = """
import io, sys, time
import polars as pl
from ftprep.core.options import Options
from ftprep.engine.arrow_scan import SLICE
from ftprep.engine.row_checker import RowChecker
from ftprep.engine.scan_state import Scan
from ftprep.tasks import get
path, task, ignore = sys.argv[1], sys.argv[2], sys.argv[3] or None
opts = Options(task=task, ignore=ignore, workers=1)
start = time.perf_counter()
rows = pl.scan_parquet(path).select(pl.len()).collect().item()
frames = [pl.scan_parquet(path).slice(at, 20_000).collect() for at in range(0, rows, 20_000)]
read = time.perf_counter()
runs = []
for frame in frames:
    for at in range(0, frame.height, SLICE):
        out = io.BytesIO()
        frame.slice(at, SLICE).write_ndjson(out)
        runs.append(out.getvalue().split(b"\\n")[:-1])
written = time.perf_counter()
checker, scan = RowChecker(get(task), opts), Scan(opts.max_per_code)
checker.unique_keys = True
for run in runs:
    checker.lines(scan, run, False)
done = time.perf_counter()
print(f"{read - start:.2f} {written - read:.2f} {done - written:.2f}")
"""


def split(args: argparse.Namespace) -> int:
    import subprocess

    print("| task | checks | polars read s | polars write_ndjson s | row engine s | engine share |")
    print("|---|---|---:|---:|---:|---:|")
    for task in args.tasks.split(","):
        path = os.path.join(args.data, f"{task}-{args.rows}.parquet")
        if not os.path.exists(path):
            generate(path, task, args.rows, "parquet")
        out = subprocess.run([sys.executable, "-c", SPLIT, path, task, args.ignore], capture_output=True, text=True,
                             check=True).stdout.split()
        read, write, engine = map(float, out)
        print(f"| {task} | {'--ignore ' + args.ignore if args.ignore else 'default'} | {read:.2f} | {write:.2f} | "
              f"{engine:.2f} | {engine / (read + write + engine):.0%} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--tasks", default="chat,dpo,text,grpo")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default="/tmp/bench_parquet")
    ap.add_argument("--split", action="store_true", help="time the bridge's stages apart (one process)")
    ap.add_argument("--ignore", default="", help="with --split: the codes ignored, e.g. Q")
    args = ap.parse_args(argv)
    os.makedirs(args.data, exist_ok=True)
    if args.split:
        return split(args)
    py = sys.executable
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(args.data, "out")
    print("| task | command | workers | checks | wall s | ratio to polars.read_parquet | ratio to JSONL check | "
          "peak RSS MiB |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for task in args.tasks.split(","):
        files = {}
        for fmt in ("jsonl", "parquet"):
            files[fmt] = os.path.join(args.data, f"{task}-{args.rows}.{fmt}")
            if not os.path.exists(files[fmt]):
                generate(files[fmt], task, args.rows, fmt)
        polars = measure([py, os.path.join(here, "baseline_polars.py"), files["parquet"]], out, runs=args.repeat)
        print(f"| {task} | `polars.read_parquet` | - | - | {polars.wall:.2f} | 1.00× | | {polars.peak:.0f} |")
        for workers in (1, 2):
            for ignore in ("", "Q"):
                checks = "--ignore Q" if ignore else "default"
                runs = {}
                for fmt in ("jsonl", "parquet"):
                    cmd = [py, "-m", "ftprep", "check", files[fmt], "--task", task, "--workers", str(workers),
                           "--format", "json"] + (["--ignore", ignore] if ignore else [])
                    runs[fmt] = measure(cmd, out, runs=args.repeat)
                jsonl, parquet = runs["jsonl"], runs["parquet"]
                print(f"| {task} | `ftprep check` jsonl | {workers} | {checks} | {jsonl.wall:.2f} | "
                      f"{jsonl.wall / polars.wall:.2f}× | 1.00× | {jsonl.peak:.0f} |")
                print(f"| {task} | `ftprep check` parquet | {workers} | {checks} | {parquet.wall:.2f} | "
                      f"{parquet.wall / polars.wall:.2f}× | {parquet.wall / jsonl.wall:.2f}× | {parquet.peak:.0f} |")
                if workers == 1:
                    ref = measure([py, "-c", RECORDS, files["parquet"], task, "1", ignore], out, runs=args.repeat)
                    print(f"| {task} | parquet, records path (reference) | 1 | {checks} | {ref.wall:.2f} | "
                          f"{ref.wall / polars.wall:.2f}× | {ref.wall / jsonl.wall:.2f}× | {ref.peak:.0f} |")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
