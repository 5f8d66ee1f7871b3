"""Benchmark: the JSON Lines row engine against the bare typed decode, per task.

    python benchmarks/bench_row_engine.py [--rows 200000] [--tasks chat,text,dpo,grpo] [--data-dir /tmp/ftprep-rows]
                                          [--before /path/to/other/tree] [--repeat 1] [--modes 1,1Q,2,2Q]

For each task, a file of `--rows` clean rows (benchmarks/generate.py, kept in
`--data-dir` and reused), then in one run, back to back on the same file: the
bare single-threaded typed msgspec decode (benchmarks/baseline_msgspec.py) and
`ftprep check --format json` with one worker and with two, with the default
checks and with `--ignore Q` (`--modes`: 1, 1Q, 2, 2Q). With `--before`, the same checks also run with
that tree first on PYTHONPATH (another checkout: the ratio before a change, in
the same run). Wall time and CPU time (user + system of the process tree: on a
shared machine the steadier of the two) are the medians of `--repeat` runs;
peak RSS is the largest process's. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = {"1": ("1 worker", ["--workers", "1"]), "1Q": ("1 worker, --ignore Q", ["--workers", "1", "--ignore", "Q"]),
         "2": ("2 workers", ["--workers", "2"]), "2Q": ("2 workers, --ignore Q", ["--workers", "2", "--ignore", "Q"])}


def run(cmd: list[str], tree: str | None) -> tuple[float, float, float]:
    """Wall s, CPU s (the process and its children), peak RSS MiB of one command."""
    env = dict(os.environ)
    if tree is not None:  # (run from the tree too: `python -m` puts the working folder first on the path)
        env["PYTHONPATH"] = tree
    # A fresh wrapper per run, so that RUSAGE_CHILDREN's peak is this command's alone (and a
    # command that fails or is killed (exit 2, a signal) stops the benchmark instead of timing nothing;
    # exit 1, findings, is a result).
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); p = subprocess.run(sys.argv[1:], "
             "stdout=subprocess.DEVNULL); w = time.perf_counter() - t; assert p.returncode in (0, 1), p; r = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(w, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, capture_output=True, text=True, check=True,
                         cwd=tree or ROOT)
    wall, cpu, rss = map(float, out.stdout.split())
    return wall, cpu, rss


def median_of(cmd: list[str], tree: str | None, repeat: int) -> tuple[float, float, float]:
    runs = [run(cmd, tree) for _ in range(repeat)]
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--tasks", default="chat,text,dpo,grpo")
    p.add_argument("--data-dir", default="/tmp/ftprep-rows")
    p.add_argument("--before", help="another tree to run first, for the ratio before a change")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--modes", default="1,1Q,2,2Q", help="which checks: 1, 1Q, 2, 2Q (workers, Q ignored)")
    a = p.parse_args(argv)
    a.data_dir = os.path.abspath(a.data_dir)
    os.makedirs(a.data_dir, exist_ok=True)
    trees = ([("before", a.before)] if a.before else []) + [("this tree", ROOT)]
    print(f"{a.rows:,} rows a task; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at start; "
          f"{time.strftime('%Y-%m-%dT%H:%M%z')}\n")
    print("| task | command | tree | wall s | CPU s | wall ratio | CPU ratio | peak RSS MiB |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for task in a.tasks.split(","):
        path = os.path.join(a.data_dir, f"{task}-{a.rows}.jsonl")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--task", task, "--rows", str(a.rows),
                            "-o", path], check=True, stdout=subprocess.DEVNULL)
        base = median_of([sys.executable, os.path.join(HERE, "baseline_msgspec.py"), path, "--task", task], None,
                         a.repeat)
        print(f"| {task} | bare typed msgspec decode | - | {base[0]:.2f} | {base[1]:.2f} | 1.00× | 1.00× | {base[2]:.0f} |")
        extra = ["--chat-template", "qwen3"] if task == "chat" else []
        for label, flags in (MODES[m] for m in a.modes.split(",")):
            for name, tree in trees:
                cmd = [sys.executable, "-m", "ftprep", "check", path, "--task", task, "--format", "json", *extra, *flags]
                w, c, rss = median_of(cmd, tree, a.repeat)
                print(f"| {task} | `check` {label} | {name} | {w:.2f} | {c:.2f} | {w / base[0]:.2f}× | "
                      f"{c / base[1]:.2f}× | {rss:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
