"""Benchmark: `ftprep check` of CSV files (Arrow's block reader) against
`polars.read_csv` of the same file, the `csv` module reader it replaced, and
the JSON Lines check of the same rows.

    python benchmarks/bench_csv.py [--rows 200000] [--tasks chat,text,dpo,grpo] [--data /tmp/csvarrow] [--repeat 1]

Writes clean synthetic files with benchmarks/generate.py (CSV and JSON Lines,
the same rows; reused when present), then runs each contender in its own
process, back to back on the same file, and prints one markdown table: wall
seconds (median of --repeat), CPU seconds, peak RSS (the kernel's ru_maxrss
of the process, through measure.py), and the ratio to `polars.read_csv`
(benchmarks/baseline_polars.py, which infers the column types, as run.py does).
A file under 4 MiB (tables.ARROW_MIN_BYTES) is checked by the `csv` module reader
whatever the row says; the reader-alone table uses Arrow's reader at any size.
The `csv` module rows run the same check with Arrow's reader switched off
(ftprep.reading.tables.ARROW_MIN_BYTES raised past the file). `ftprep check`
reads a CSV in one process whatever --workers says; both counts are shown.
A second table times the reader alone in one process (CPU seconds of every
thread): `polars.read_csv`, Arrow's block reader, and the reader with the
bridge to the row engine (JSON lines by polars; records for chat). Run from
the repository root.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import typing as t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate  # noqa: E402
from measure import run_once, warm  # noqa: E402

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = ("import sys, ftprep.reading.tables as tables; tables.ARROW_MIN_BYTES = 1 << 62; "
             "from ftprep.cli import main; sys.exit(main(sys.argv[1:]))")
CLI = "import sys; from ftprep.cli import main; sys.exit(main(sys.argv[1:]))"


def timed(cmd: list[str], out: str) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MiB, exit code) of one run."""
    wall, rss, tree, _, rc, _, cpu, _ = run_once(cmd, out, out + ".err", dict(os.environ, PYTHONPATH=HERE))
    return wall, cpu, max(rss, tree), rc


# The reader alone, in a child: CPU seconds (every thread) of polars' read and of
# Arrow's block reader, with and without the bridge to the row engine's input.
READER = """
import json, sys, time
import polars as pl
import ftprep.reading.tables as tables
from ftprep.reading.tables import read_table, block_records
tables.ARROW_MIN_BYTES = 0  # Arrow's reader whatever the file's size
from ftprep.engine.table_rows import table_lines
path, task = sys.argv[1], sys.argv[2]
out = {}
for _ in range(2):  # the second round is the one kept: imports and page cache warm
    start = time.process_time()
    pl.read_csv(path)
    out["polars"] = time.process_time() - start
    table = read_table(path, "csv", False)
    start = time.process_time()
    for block, _ in table.blocks(5000):
        pass
    out["arrow"] = time.process_time() - start
    start = time.process_time()
    for block, _ in table.blocks(5000):
        block_records(block) if task == "chat" else table_lines(block)
    out["bridged"] = time.process_time() - start
print(json.dumps(out))
"""


def reader_only(path: str, task: str) -> dict[str, float]:
    import json

    out = subprocess.run([sys.executable, "-c", READER, path, task], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=HERE))
    return t.cast("dict[str, float]", json.loads(out.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--tasks", default="chat,text,dpo,grpo")
    ap.add_argument("--data", default="/tmp/csvarrow")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.data, exist_ok=True)
    py = sys.executable
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M}+00:00; ftprep at {commit}; "
          f"{os.cpu_count()} cores, {platform.platform()}; load average {os.getloadavg()[0]:.1f}")
    print(f"- command: `python benchmarks/bench_csv.py --rows {args.rows} --tasks {args.tasks} "
          f"--repeat {args.repeat}`")
    print()
    print("| task | contender | wall s | CPU s | peak RSS MiB | ratio to polars.read_csv (wall) |")
    print("|---|---|---:|---:|---:|---:|")
    readers: list[tuple[str, dict[str, float]]] = []
    for task in args.tasks.split(","):
        files = {}
        for fmt in ("csv", "jsonl"):
            path = os.path.join(args.data, f"bench_{task}_{args.rows}.{fmt}")
            if not os.path.exists(path):
                generate(path, task, args.rows, fmt)
            warm(path)
            files[fmt] = path
        out = os.path.join(args.data, f"bench_{task}.out")
        check = ["check", "--task", task, "--format", "json", "--isolated"]
        contenders = [
            ("`polars.read_csv`", [py, os.path.join(HERE, "benchmarks", "baseline_polars.py"), files["csv"]]),
            ("`ftprep check` CSV, Arrow reader, --workers 1", [py, "-c", CLI, *check, "--workers", "1", files["csv"]]),
            ("`ftprep check` CSV, Arrow reader, --workers 2", [py, "-c", CLI, *check, "--workers", "2", files["csv"]]),
            ("`ftprep check` CSV, `csv` module reader", [py, "-c", REFERENCE, *check, files["csv"]]),
            ("`ftprep check` JSON Lines, same rows, --workers 1", [py, "-c", CLI, *check, "--workers", "1",
                                                                    files["jsonl"]]),
        ]
        results: dict[str, tuple[float, float, float]] = {}
        for _ in range(max(1, args.repeat)):  # each repeat runs every contender once, back to back
            for name, cmd in contenders:
                wall, cpu, rss, rc = timed(cmd, out)
                if rc not in (0, 1):
                    raise SystemExit(f"{name} on {task} failed ({rc}): see {out}.err")
                walls, cpus, peak = results.get(name, ([], [], 0.0))  # type: ignore[assignment]
                results[name] = ([*walls, wall], [*cpus, cpu], max(peak, rss))  # type: ignore[assignment]
        base = statistics.median(results[contenders[0][0]][0])  # type: ignore[arg-type]
        for name, _ in contenders:
            walls, cpus, peak = results[name]
            wall = statistics.median(walls)  # type: ignore[arg-type]
            print(f"| {task} | {name} | {wall:.2f} | {statistics.median(cpus):.2f} | {peak:.0f} | "  # type: ignore[arg-type]
                  f"{wall / base:.2f}× |")
        sys.stdout.flush()
        readers.append((task, reader_only(files["csv"], task)))
    print()
    print("The reader alone (CPU seconds of every thread, in one process, second round):")
    print()
    print("| task | `polars.read_csv` | Arrow block reader | ratio | + bridge to the row engine | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for task, r in readers:
        print(f"| {task} | {r['polars']:.2f} | {r['arrow']:.2f} | {r['arrow'] / r['polars']:.2f}× | "
              f"{r['bridged']:.2f} | {r['bridged'] / r['polars']:.2f}× |")


if __name__ == "__main__":
    main()
