"""Benchmark: the GRPO reward trial's wall time for 1, 4 and 8 functions on 64 prompts.

    python benchmarks/bench_reward_trial.py [--prompts 64] [--repeat 5]

Each function runs in a child process of its own (ftprep/verbs/reward_sandbox.py),
so the child's start-up dominates: the table also gives a bare interpreter's
start (`python -I -B -c pass`) and the trial of a function that does nothing,
and the time the functions themselves take inside the child is the rest. Each
figure is the median of `--repeat` runs, in this process (no `ftprep check`
around it: the check of 64 prompts is milliseconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ftprep.verbs.reward_trial import prepared_rows, reward_trial  # noqa: E402

# Eight small reward functions of the kinds GRPO jobs register: lengths, words, formats, keywords.
BODIES = [
    "return [len(c) / 100 for c in completions]",
    "return [float(len(c.split())) for c in completions]",
    "import re\n    return [1.0 if re.search(r'\\d', c) else 0.0 for c in completions]",
    "return [c.count(',') / 10 for c in completions]",
    "return [1.0 if c.strip().endswith('.') else 0.5 for c in completions]",
    "import math\n    return [math.log1p(len(c)) for c in completions]",
    "return [sum(ch.isupper() for ch in c) / max(1, len(c)) for c in completions]",
    "import json\n    return [float(len(json.dumps(c))) for c in completions]",
]


def median_time(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = prepared_rows(({"prompt": f"Question {i}: what is {i} plus {i}, in words?"} for i in range(args.prompts)),
                         "prompt", None)
    with tempfile.TemporaryDirectory(prefix="bench-reward-") as tmp:
        specs = []
        for i, body in enumerate(BODIES):
            path = os.path.join(tmp, f"r{i}.py")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"def reward_{i}(completions, **kwargs):\n    {body}\n")
            specs.append(path)
        idle = os.path.join(tmp, "idle.py")
        with open(idle, "w", encoding="utf-8") as f:
            f.write("def idle(completions, **kwargs):\n    return [0.0] * len(completions)\n")
        bare = median_time(lambda: subprocess.run([sys.executable, "-I", "-B", "-c", "pass"], check=True),
                           args.repeat)
        one_idle = median_time(lambda: reward_trial([idle], rows), args.repeat)
        print(f"reward trial, {args.prompts} prompts, median of {args.repeat} runs ({sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus)\n")
        print("| functions | wall time (s) | per function (s) |")
        print("|---:|---:|---:|")
        walls = {}
        for n in (1, 4, 8):
            _, answers = reward_trial(specs[:n], rows)
            assert all(a.get("outcome") == "ok" for a in answers), answers
            walls[n] = median_time(lambda: reward_trial(specs[:n], rows), args.repeat)
            print(f"| {n} | {walls[n]:.3f} | {walls[n] / n:.3f} |")
        print(f"\nbare interpreter start (python -I -B -c pass): {bare:.3f} s")
        print(f"trial of a function that does nothing:        {one_idle:.3f} s "
              f"({one_idle / walls[1]:.0%} of the 1-function trial)")


if __name__ == "__main__":
    main()
