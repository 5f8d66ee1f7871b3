"""`check hf://` of a Parquet dataset on the fake Hub: streamed row groups against loading it first.

    python benchmarks/bench_hub.py [--task chat] [--rows 200000] [--shards 8] [--group 10000] [--repeat 3] [--workers N]

Generates N rows (benchmarks/generate.py, a bad row every 1,000) as K Parquet
shards of row groups of --group rows under /tmp/hubstream/, seeds them into a
fake Hub (ftprep.testing.FakeHub, on 127.0.0.1, in this process), then checks
hf://datasets/bench/NAME in a fresh child process per run, alternating:

  load:   `load_dataset` into a temporary cache, the rows written to JSON Lines,
          that file checked (what `check hf://` did before, and still does for
          repos that are not plain Parquet);
  stream: the shards read a row group at a time over HTTP ranges and checked
          as one table (ftprep.verbs.hub_table);
  read:   the same row groups fetched and decoded, not checked (the floor of
          the streamed path: what a columnar check could approach).

Per run: wall seconds, peak RSS of the child, bytes the child wrote through
write() (/proc/self/io wchar: the cache, the JSON Lines copy; its report is
a few KB) and whether the two reports are equal. The load path's JSON Lines copy of a big
dataset is scanned by worker processes (as any big JSON Lines file): a sampled
statistic (Q031's language pairs) may then differ from the one-process scan
of the streamed table; --workers 1 compares like with like. Prints a markdown table of
medians, with stream/load ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = r"""
import json, os, sys, time
from ftprep.testing import hub_env
import datasets, huggingface_hub  # imported first: point_at patches their constants
hub_env.point_at(os.environ["BENCH_HUB"], os.environ["BENCH_TOKEN"], os.environ["BENCH_HOME"])
import ftprep
from ftprep.verbs import remote_hub
if sys.argv[1] == "load":
    remote_hub.hub_table = lambda *a, **k: None
def wchar():
    with open("/proc/self/io") as f:
        return int(next(x for x in f if x.startswith("wchar:")).split()[1])
w0, t0 = wchar(), time.perf_counter()
workers = int(sys.argv[4]) if sys.argv[4] else None
if sys.argv[1] == "read":  # the floor of the streamed path: the shards' row groups fetched and decoded
    import tempfile
    from huggingface_hub import HfApi
    from ftprep.verbs.hub_table import hub_table
    repo = sys.argv[2].removeprefix("hf://datasets/")
    table = hub_table(repo, None, HfApi().dataset_info(repo).sha, tempfile.mkdtemp())
    rows = sum(b.num_rows for b in table.record_batches(5000))
    report = None
else:
    report = ftprep.check(sys.argv[2], task=sys.argv[3], min_rows=1, workers=workers)
    rows = report.rows
wall = time.perf_counter() - t0
written = wchar() - w0
# VmHWM, not ru_maxrss: a forked child's ru_maxrss starts at its parent's size (the fake Hub's data).
with open("/proc/self/status") as f:
    hwm = int(next(x for x in f if x.startswith("VmHWM:")).split()[1])
out = {"wall": wall, "rss_mb": hwm / 1024, "written": written,
       "rows": rows, "report": report and report.to_json()}
sys.stdout.write(json.dumps(out))
"""


def shards(task: str, rows: int, k: int, group: int, folder: str) -> dict[str, bytes]:
    import pyarrow.parquet as pq

    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    from generate import generate

    whole = os.path.join(folder, f"{task}-{rows}.parquet")
    if not os.path.exists(whole):
        generate(whole, task, rows, "parquet", bad_every=1000)
    table = pq.read_table(whole)
    out = {}
    step = -(-table.num_rows // k)
    for i in range(k):
        path = os.path.join(folder, f"{task}-{rows}-{i:05d}-of-{k:05d}.parquet")
        if not os.path.exists(path):
            pq.write_table(table.slice(i * step, step), path, row_group_size=group)
        with open(path, "rb") as f:
            out[f"data/train-{i:05d}-of-{k:05d}.parquet"] = f.read()
    return out


def run(kind: str, url: str, task: str, workers: int | None, env: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-hub-home-", dir="/tmp/hubstream") as home:
        res = subprocess.run([sys.executable, "-c", CHILD, kind, url, task, str(workers or "")],
                             capture_output=True, text=True,
                             env={**env, "BENCH_HOME": home}, cwd=ROOT, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="chat")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--group", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None, help="ftprep.check's workers (default: as the CLI)")
    args = ap.parse_args()
    os.makedirs("/tmp/hubstream", exist_ok=True)
    sys.path.insert(0, ROOT)
    from ftprep.testing import FakeHub

    files = shards(args.task, args.rows, args.shards, args.group, "/tmp/hubstream")
    size = sum(len(b) for b in files.values())
    hub = FakeHub(users={"bench": "hf_bench_token"}).start()
    try:
        hub.seed("bench/data", files)
        env = {**os.environ, "BENCH_HUB": hub.url, "BENCH_TOKEN": hub.token,
               "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
        url = "hf://datasets/bench/data"
        got: dict[str, list[dict]] = {"load": [], "stream": [], "read": []}
        for _ in range(args.repeat):
            for kind in ("load", "stream", "read"):  # back to back, so both see the same neighbours
                got[kind].append(run(kind, url, args.task, args.workers, env))
    finally:
        hub.stop()
    same = all(a["report"] == b["report"] for a, b in zip(got["load"], got["stream"]))
    differ = sorted({d["code"] for a, b in zip(got["load"], got["stream"])
                     for d in a["report"]["files"][0]["diagnostics"]
                     if d not in b["report"]["files"][0]["diagnostics"]})
    for kind in ("load", "stream"):  # kept to compare by hand
        with open(f"/tmp/hubstream/report-{kind}.json", "w", encoding="utf-8") as f:
            json.dump(got[kind][0]["report"], f, indent=1)

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in got[kind])

    print(f"`check hf://` of {args.rows:,} {args.task} rows in {args.shards} Parquet shards "
          f"({size / 1e6:.1f} MB, row groups of {args.group:,}), median of {args.repeat}, "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}, workers {args.workers or 'default'}, reports equal: {same}"
          + (f" (differ in {', '.join(differ)})" if differ else "") + "\n")
    print("| path | wall s | peak RSS MB | bytes written |")
    print("|---|---:|---:|---:|")
    for kind in ("load", "stream"):
        print(f"| {kind} | {med(kind, 'wall'):.2f} | {med(kind, 'rss_mb'):.0f} | "
              f"{med(kind, 'written') / 1e6:,.1f} MB |")
    print(f"| read only (no check) | {med('read', 'wall'):.2f} | {med('read', 'rss_mb'):.0f} | "
          f"{med('read', 'written') / 1e6:,.1f} MB |")
    print(f"| stream / load | {med('stream', 'wall') / med('load', 'wall'):.2f}x | "
          f"{med('stream', 'rss_mb') / med('load', 'rss_mb'):.2f}x | "
          f"{med('stream', 'written') / max(1, med('load', 'written')):.4f}x |")
    print(f"| stream / read only | {med('stream', 'wall') / med('read', 'wall'):.2f}x | | |")
    print("\nruns (wall s): " + "; ".join(f"{k} " + ", ".join(f"{r['wall']:.2f}" for r in v) for k, v in got.items()))


if __name__ == "__main__":
    main()
