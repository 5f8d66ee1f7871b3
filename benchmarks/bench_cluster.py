"""Benchmark: `check --dataset` of N shards in one process against the same check on
a Dask cluster of this machine (`--scheduler`, two worker processes).

    python benchmarks/bench_cluster.py [--shards 8] [--rows 25000] [--task chat] [--fmt jsonl] [--near] [--runs 3]

Writes N shards with benchmarks/generate.py (seeded, so rows repeat across shards
only where planted: shard k's first 100 rows are shard k-1's last 100), then runs
each contender in its own process (benchmarks/measure.py: wall time, peak RSS of the
process tree), the three back to back in each round:
- one process: `ftprep check SHARDS --dataset`;
- `--scheduler local`: the check starts its own cluster (2 workers) and stops it;
- `--scheduler tcp://...`: a cluster already running (started once, here, as a
  child process of 2 workers); its processes' memory is sampled alongside and added.
Prints a markdown table (median wall, ratio to one process, CPU seconds of every
process of the contender, peaks) and whether the three JSON reports are equal.
Needs dask[distributed] (pip install 'ftprep[dask]').

On a machine others load, the wall times say little: with the kernel's autogroup
scheduling (/proc/sys/kernel/sched_autogroup_enabled) the processes of one session
share that session's CPU, so two workers get no more of it than one process. The
CPU column is the work each contender did, whatever the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate  # noqa: E402
from measure import MIB, _children, _Poller, measure, warm  # noqa: E402

WORKERS = 2
TICKS = os.sysconf("SC_CLK_TCK")
REPEATED = 100
CLUSTER = """
import sys, time
from ftprep.verbs.cluster import local_cluster
if __name__ == "__main__":
    with local_cluster(int(sys.argv[1])) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the benchmark closes it
"""


def shards(folder: str, n: int, rows: int, task: str, fmt: str) -> list[str]:
    """N shards of `rows` rows; each but the first starts with its predecessor's last rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths, prev = [], None
    for k in range(n):
        path = os.path.join(folder, f"train-{k:05d}-of-{n:05d}.{fmt}")
        raw = os.path.join(folder, f"raw-{k}.jsonl")
        generate(raw, task, rows, seed=k + 1)
        with open(raw, encoding="utf-8") as f:
            lines = f.readlines()
        os.unlink(raw)
        if prev is not None:
            lines[:REPEATED] = prev[-REPEATED:]
        prev = lines
        if fmt == "parquet":
            pq.write_table(pa.Table.from_pylist([json.loads(x) for x in lines]), path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(lines)
        warm(path)
        paths.append(path)
    return paths


class Running:
    """A cluster started once for the rounds, in a child process; its tree's memory sampled per run."""

    def __enter__(self) -> Running:
        self.proc = subprocess.Popen([sys.executable, "-c", CLUSTER, str(WORKERS)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().strip()
        time.sleep(2)  # the workers register
        return self

    def cpu(self) -> float:
        """CPU seconds the cluster's processes have used so far (user and system)."""
        total, todo = 0.0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            todo += _children(pid)
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICKS
            except (OSError, IndexError, ValueError):
                continue
        return total

    def sampled(self) -> _Poller:
        poller = _Poller(self.proc.pid, 0.02, False)
        poller.start()
        return poller

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _reaped() -> float:
    """CPU seconds of this process's waited-for descendants (a measured command and its workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--rows", type=int, default=25_000)
    ap.add_argument("--task", default="chat")
    ap.add_argument("--fmt", default="jsonl", choices=("jsonl", "parquet"))
    ap.add_argument("--near", action="store_true", help="with --near-duplicates")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.makedirs("/tmp", exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        paths = shards(tmp, args.shards, args.rows, args.task, args.fmt)
        size = sum(os.path.getsize(p) for p in paths) / MIB
        base = [sys.executable, "-m", "ftprep", "check", *paths, "--dataset", "--task", args.task, "--format",
                "json", "--isolated", "--max-per-code", "1000000", *(["--near-duplicates"] if args.near else [])]
        walls: dict[str, list[float]] = {"one": [], "local": [], "running": []}
        peaks: dict[str, float] = {k: 0.0 for k in walls}
        cpus: dict[str, list[float]] = {k: [] for k in walls}
        outs: dict[str, str] = {}
        with Running() as running:
            for _ in range(args.runs):
                for name, extra in (("one", []), ("local", ["--scheduler", "local"]),
                                    ("running", ["--scheduler", running.address])):
                    out = os.path.join(tmp, f"{name}.json")
                    poller = running.sampled() if name == "running" else None
                    before = _reaped() + (running.cpu() if name == "running" else 0.0)
                    m = measure([*base, *extra], out)
                    cpus[name].append(_reaped() + (running.cpu() if name == "running" else 0.0) - before)
                    held = 0.0
                    if poller is not None:
                        poller.stop.set()
                        poller.join()
                        held = poller.peak / MIB
                    walls[name].append(m.wall)
                    peaks[name] = max(peaks[name], m.peak + held)
                    outs[name] = out
        reports = {}
        for name, out in outs.items():
            with open(out, encoding="utf-8") as f:
                reports[name] = json.load(f)
    median = {k: sorted(v)[len(v) // 2] for k, v in walls.items()}
    repeats = sum(1 for f in reports["one"]["files"] for d in f["diagnostics"] if d["code"] == "D001")
    print(f"{args.shards} {args.fmt} shards of {args.rows:,} {args.task} rows ({size:,.0f} MiB), "
          f"{repeats:,} repeats across shards found; {args.runs} rounds, medians; "
          f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    print()
    cpu = {k: sorted(v)[len(v) // 2] for k, v in cpus.items()}
    print("| contender | wall | ratio | CPU (user+sys, all processes) | CPU ratio | peak RSS (tree) |")
    print("|---|---|---|---|---|---|")
    labels = {"one": "`check --dataset`, one process",
              "local": f"`--scheduler local` (starts {WORKERS} workers)",
              "running": f"`--scheduler tcp://...` (a running cluster, {WORKERS} workers)"}
    for name, label in labels.items():
        print(f"| {label} | {median[name]:.2f} s | {median[name] / median['one']:.2f}x | {cpu[name]:.2f} s | "
              f"{cpu[name] / cpu['one']:.2f}x | {peaks[name]:,.0f} MiB |")
    same = reports["local"] == reports["one"] == reports["running"]
    print()
    print(f"same JSON report from all three: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
