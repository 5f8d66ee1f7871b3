"""Benchmark: the default-on text checks (placeholders, secrets and personal data,
junk) against the same check with the Q family ignored.

    python benchmarks/bench_text_checks.py [--rows 100000] [--tasks chat,text,dpo] [--baseline DIR]

Writes clean synthetic files with benchmarks/generate.py, then checks each in
its own child process (one worker, so the figures do not depend on how busy the
machine's other cores are): with `--ignore Q` (the plain check as it was before
the quality checks: none of their passes runs) and with the defaults. Each child
reports its CPU seconds and its peak RSS (`resource.getrusage`). `--baseline DIR`
also runs the check of another source tree (e.g. `git archive f35edaf | tar -x -C DIR`)
on the same files. Prints one table: rows, seconds and the ratio to `--ignore Q`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The child: one check in a fresh interpreter; CPU seconds of the check alone, and the process's peak RSS.
CHILD = """
import json, resource, sys, time
import ftprep
path, task, ignore = sys.argv[1], sys.argv[2], sys.argv[3] or None
start = time.process_time()
report = ftprep.check(path, task=task, workers=1, ignore=ignore, max_per_code=1000)
took = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
codes = sorted({d.code for d in report.diagnostics})
print(json.dumps({"cpu": took, "peak": peak, "codes": codes}))
"""


def run(tree: str, path: str, task: str, ignore: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": tree}
    # Run from the data's folder: a child started in a source tree would import that tree, not `tree`.
    out = subprocess.run([sys.executable, "-c", CHILD, path, task, ignore], env=env, check=True,
                         capture_output=True, text=True, cwd=os.path.dirname(path)).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--tasks", default="chat,text,dpo")
    ap.add_argument("--runs", type=int, default=1, help="runs per cell; the fastest is kept")
    ap.add_argument("--baseline", help="another source tree to time on the same files (its default check)")
    args = ap.parse_args()
    print(f"{'task':6} {'rows':>9} {'mode':14} {'cpu s':>8} {'ratio':>6} {'peak MiB':>9}  codes")
    with tempfile.TemporaryDirectory() as tmp:
        for task in args.tasks.split(","):
            path = os.path.join(tmp, f"{task}.jsonl")
            generate(path, task, args.rows, seed=1)
            modes = [("--ignore Q", HERE, "Q"), ("default", HERE, "")]
            if args.baseline:
                modes.append(("baseline", os.path.abspath(args.baseline), ""))
            base = None
            for name, tree, ignore in modes:
                runs = [run(tree, path, task, ignore) for _ in range(args.runs)]
                best = min(runs, key=lambda r: t_cpu(r))
                cpu = t_cpu(best)
                base = base or cpu
                print(f"{task:6} {args.rows:>9,} {name:14} {cpu:8.2f} {cpu / base:6.2f} {best['peak']:9.0f}  "
                      f"{','.join(t_codes(best)) or '-'}")
            os.unlink(path)
    return 0


def t_cpu(r: dict[str, object]) -> float:
    return float(r["cpu"])  # type: ignore[arg-type]


def t_codes(r: dict[str, object]) -> list[str]:
    return list(r["codes"])  # type: ignore[call-overload]


if __name__ == "__main__":
    raise SystemExit(main())
