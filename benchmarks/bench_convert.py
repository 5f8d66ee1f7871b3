"""Benchmark: `ftprep convert` of one long conversation, by its length, against `ftprep check` of it.

    python benchmarks/bench_convert.py [--sizes 1000,10000,100000] [--shapes plain,masked]
                                       [--template mistral_v3_tekken] [--runs 1] [--baseline DIR]

Each file holds ONE row: a conversation of N messages. `plain` is `{role, content}`
turns; `masked` is ShareGPT `{from, value}` with every fourth turn
masked by `weight: 0` (and the last), the case convert cuts and reports (C019, C020).
A user turn in three holds an e-mail address (what --redact replaces) and one in
seven a mojibake word (what --fix-text repairs). Each cell runs in its own child
process (one worker): its CPU seconds, wall seconds and peak RSS
(`resource.getrusage`). Convert is timed plain, with --redact and with --fix-text;
`ratio` is the cell's CPU over the check's of the same file, and `per 1k msgs` shows
whether the cost grows linearly. `--template` sets --chat-template for every cell
(mistral_v3_tekken checks the alternation); `--baseline DIR` also times another
source tree (e.g. `git archive main | tar -x -C DIR`) on the same files, each cell
stopped after `--timeout` seconds. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The child: one convert or check in a fresh interpreter; the verb's CPU and wall seconds, the peak RSS.
CHILD = """
import json, resource, sys, time
import ftprep
path, verb, template, extra = sys.argv[1], sys.argv[2], sys.argv[3] or None, sys.argv[4]
keywords = {k: True for k in extra.split(",") if k}
start, wall = time.process_time(), time.perf_counter()
if verb == "check":
    report = ftprep.check(path, min_rows=1, workers=1, chat_template=template)
    written = None
else:
    conv = ftprep.convert(path, path + ".out.jsonl", min_rows=1, chat_template=template, **keywords)
    report, written = conv.report, conv.written
took, wall = time.process_time() - start, time.perf_counter() - wall
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cpu": took, "wall": wall, "peak": peak, "written": written,
                  "codes": sorted({d.code for d in report.diagnostics})}))
"""
MODES = (("check", "check", ""), ("convert", "convert", ""), ("convert --redact", "convert", "redact"),
         ("convert --fix-text", "convert", "fix_text"))


def conversation(shape: str, n: int) -> dict[str, object]:
    """One row of `n` messages of `shape` (see the module's docstring)."""
    turns: list[dict[str, object]] = []
    for i in range(n):
        user = i % 2 == 0
        text = f"turn {i}: the model learns from every assistant turn while the prompt is masked"
        if user and i % 3 == 0:
            text += f", write to ann{i}@gmail.com"
        if user and i % 7 == 0:
            text += ", un cafÃ© au lait"
        if shape == "plain":
            turns.append({"role": "user" if user else "assistant", "content": text})
        else:
            turn: dict[str, object] = {"from": "human" if user else "gpt", "value": text}
            if not user and (i % 4 == 3 or i == n - 1):
                turn["weight"] = 0
            turns.append(turn)
    return {"conversations": turns}


def run(tree: str, path: str, verb: str, template: str, extra: str, timeout: float) -> dict[str, object] | None:
    env = {**os.environ, "PYTHONPATH": tree}
    try:
        # Run from the data's folder: a child started in a source tree would import that tree, not `tree`.
        out = subprocess.run([sys.executable, "-c", CHILD, path, verb, template, extra], env=env, check=True,
                             capture_output=True, text=True, cwd=os.path.dirname(path), timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000", help="messages in the row, comma-separated")
    ap.add_argument("--shapes", default="plain,masked")
    ap.add_argument("--template", default="", help="--chat-template for every cell")
    ap.add_argument("--runs", type=int, default=1, help="runs per cell; the median CPU is kept")
    ap.add_argument("--baseline", help="another source tree to time on the same files")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a cell is given up")
    args = ap.parse_args()
    trees = [("", HERE)] + ([("baseline ", os.path.abspath(args.baseline))] if args.baseline else [])
    print(f"messages per row {args.sizes}, template {args.template or 'none'}, runs {args.runs}\n")
    print("| shape | messages | tree | mode | CPU s | wall s | per 1k msgs, ms | ratio to check | peak RSS MiB | codes |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="bench-convert-") as tmp:
        for shape in args.shapes.split(","):
            for n in map(int, args.sizes.split(",")):
                path = os.path.join(tmp, f"{shape}{n}.jsonl")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(json.dumps(conversation(shape, n), ensure_ascii=False) + "\n")
                for label, tree in trees:
                    check = None
                    for mode, verb, extra in MODES:
                        runs = [run(tree, path, verb, args.template, extra, args.timeout) for _ in range(args.runs)]
                        done = sorted((r for r in runs if r is not None), key=lambda r: float(r["cpu"]))  # type: ignore[arg-type]
                        if len(done) < len(runs):
                            print(f"| {shape} | {n:,} | {label or 'this'} | {mode} | > {args.timeout:.0f} (stopped) "
                                  "| | | | | |")
                            continue
                        best = done[len(done) // 2]
                        cpu = float(best["cpu"])  # type: ignore[arg-type]
                        check = check or cpu
                        codes = ",".join(best["codes"]) or "-"  # type: ignore[arg-type]
                        print(f"| {shape} | {n:,} | {label or 'this'} | {mode} | {cpu:.2f} | {float(best['wall']):.2f} "  # type: ignore[arg-type]
                              f"| {cpu / n * 1e6:.1f} | {cpu / check:.2f} | {float(best['peak']):.0f} | {codes} |", flush=True)  # type: ignore[arg-type]
                os.unlink(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
