"""Benchmark: the answer-language check (Q031) against the same check with it ignored.

    python benchmarks/bench_language.py [--rows 50000,200000] [--tasks dpo,text,chat] [--tree DIR]

Writes synthetic rows whose questions and answers are prose sentences long
enough to be judged (one answer in 100 in French), then runs `ftprep check`
on each file twice, each in its own process (benchmarks/measure.py: wall
time, peak RSS): by default, and with `--ignore Q031`, which must not load
the detector's model at all. Files of 48 MB or more are scanned by a pool
(one worker per core), so the bigger size also measures what the workers
cost. `--tree DIR`: run the ftprep found in DIR (another checkout, e.g. the
code before a change) instead of this one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measure import measure, warm

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUESTIONS = ["How can I reset my password on the company portal, please?",
             "Why is the sky blue during the day and red at sunset, usually?",
             "What should I pack for a week of hiking in the mountains in autumn?",
             "Can you explain how compound interest works with a small example?",
             "Which vegetables grow best in a small garden with little sunlight?"]
ANSWERS = ["Open the login page of the portal and click on the link that says you forgot your password.",
           "Sunlight is scattered by the air, blue light most of all, and at sunset it crosses much more air.",
           "Bring warm layers, a rain jacket, good boots, a map and enough water for every day of the trip.",
           "Interest is added to the balance each year, so the next year's interest is paid on a larger sum.",
           "Leafy greens such as lettuce, spinach and kale cope well with shade and still give a good harvest."]
FRENCH = "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié."


def write(path: str, task: str, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            k = rng.randrange(len(QUESTIONS))
            question = f"{QUESTIONS[k]} (case {i})"
            answer = FRENCH if i % 100 == 99 else f"{ANSWERS[k]} See note {i}."
            if task == "dpo":
                row = {"prompt": question, "chosen": answer, "rejected": f"I am not sure, sorry ({i})."}
            elif task == "text":
                row = {"instruction": question, "output": answer}
            else:
                row = {"conversations": [{"role": "user", "content": question},
                                         {"role": "assistant", "content": answer}]}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="50000,200000")
    ap.add_argument("--tasks", default="dpo,text,chat")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--tree", default=HERE, help="the checkout whose ftprep runs")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": os.path.abspath(args.tree)}
    here = os.getcwd()
    print(f"ftprep from {os.path.abspath(args.tree)}; {os.cpu_count()} cores")
    print(f"{'task':5} {'rows':>8} {'MiB':>5} | {'--ignore Q031':>18} | {'default':>18} | {'extra':>7} | Q031 rows")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # `python -m` puts the working folder first on sys.path: it must hold no ftprep
        for task in args.tasks.split(","):
            for rows in map(int, args.rows.split(",")):
                path = os.path.join(tmp, f"{task}-{rows}.jsonl")
                write(path, task, rows)
                warm(path)
                base = [sys.executable, "-m", "ftprep", "check", path, "--task", task, "--format", "json",
                        "--max-per-code", "1000000"]
                off = measure([*base, "--ignore", "Q031"], os.path.join(tmp, "off.out"), runs=args.runs, env=env)
                on = measure(base, os.path.join(tmp, "on.out"), runs=args.runs, env=env)
                with open(on.stdout, encoding="utf-8") as f:
                    found = [d["count"] for file in json.load(f)["files"] for d in file["diagnostics"]
                             if d["code"] == "Q031"]
                size = os.path.getsize(path) / (1 << 20)
                print(f"{task:5} {rows:>8,} {size:>5.0f} | {off.wall:6.2f} s {off.peak:6.0f} MiB | "
                      f"{on.wall:6.2f} s {on.peak:6.0f} MiB | {on.wall - off.wall:+5.2f} s | {sum(found):,}")
                os.unlink(path)
        os.chdir(here)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
