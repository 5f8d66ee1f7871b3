"""Benchmark: the cost of the quality checks (Q codes) on one chat file.

    python benchmarks/bench_quality.py [--rows 1000000] [--eval-rows 10000] [--plant-every 67] [--runs 1]

Writes, in a temporary folder removed at the end, a chat file of `--rows` rows
(benchmarks/generate.py's clean rows: system prompts, 1-4 turns, long-tailed
prose, lists, fenced code, non-ASCII text) where every `--plant-every`-th row
(1.5% by default) carries one planted problem, cycling through the kinds the
default-on Q checks find (a credential, an e-mail, a phone, card and IBAN
number, a public IP, a refusal, mojibake, U+FFFD, a generation loop, an
unclosed code fence) and near copies of the row before; and an evaluation
file of `--eval-rows` rows, some of them copies, near copies or long spans of
training rows. Then it runs, each in its own process (benchmarks/measure.py:
wall time; peak RSS as the kernel's ru_maxrss through /usr/bin/time, and the
summed PSS of the process tree), `ftprep check --task chat`:

    plain              --ignore Q: every check but the quality ones (the baseline)
    default            all default-on quality checks
    --near-duplicates  default plus MinHash near duplicates (Q001)
    --eval             default plus leakage against the evaluation file (Q002-Q004)
    secrets and PII    --select Q010,Q011,Q012,Q013,Q014,Q015 alone

and prints a markdown table: seconds, the ratio to the plain check, peak RSS
in MiB, and the rows each code was found on (planted rows are counted too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import typing as t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import Maker
from measure import measure, warm

SECRETS_AND_PII = "Q010,Q011,Q012,Q013,Q014,Q015"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _luhn_card(rng: random.Random) -> str:
    body = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    for d in "0123456789":
        digits = body + d
        total = sum((int(c) * (2 if i % 2 else 1)) - (9 if int(c) * (2 if i % 2 else 1) > 9 else 0)
                    for i, c in enumerate(reversed(digits)))
        if total % 10 == 0:
            return " ".join(digits[i:i + 4] for i in range(0, 16, 4))
    raise AssertionError("a Luhn digit always exists")


def _iban(rng: random.Random) -> str:
    bban = "NWBK" + "".join(rng.choice("0123456789") for _ in range(14))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "GB00")) % 97
    value = f"GB{check:02d}{bban}"
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


# Each kind: the text appended to (or put in place of) the last answer, from a seeded rng.
PLANTS: dict[str, t.Callable[[random.Random], str]] = {
    "secret": lambda r: " Use aws_access_key_id=" + "AKIA" + "".join(r.choice(B32) for _ in range(16)) + " for it.",
    "email": lambda r: f" Write to {r.choice(('anna', 'li.wei', 'omar'))}.{r.randint(10, 99)}@fastmail.com today.",
    "phone": lambda r: f" Call +33 6 12 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}.",
    "card": lambda r: " Paid with " + _luhn_card(r) + ".",
    "iban": lambda r: " Pay to IBAN " + _iban(r) + ".",
    "ip": lambda r: f" The server is at 52.{r.randint(1, 99)}.{r.randint(1, 250)}.{r.randint(1, 250)}.",
    "refusal": lambda r: "=I'm sorry, but I can't help with that request.",
    "mojibake": lambda r: " The cafÃ© serves crÃ¨me brÃ»lÃ©e.",
    "fffd": lambda r: " Hauptstra\ufffde 5.",
    "loop": lambda r: " and then it goes back again" * 6,
    "fence": lambda r: "\n\n```python\ndef cut(path):\n    with open(path) as f:",
}
KINDS = [*PLANTS, "near"]


def _last_answer(row: dict[str, t.Any]) -> dict[str, t.Any]:
    return next(m for m in reversed(row["conversations"]) if m["role"] == "assistant")


def _near(row: dict[str, t.Any]) -> dict[str, t.Any]:
    """A copy of the row with the last word of its last answer changed."""
    out = json.loads(json.dumps(row))
    last = _last_answer(out)
    last["content"] = last["content"].rsplit(" ", 1)[0] + " changed"
    return out


def write_train(path: str, rows: int, every: int, keep: int) -> tuple[dict[str, int], list[dict[str, t.Any]]]:
    """The training file; the planted rows per kind, and `keep` rows spread over it for the eval file."""
    import msgspec

    encode = msgspec.json.Encoder().encode
    maker, salad, rng = Maker("chat", 1), _salad_maker(3), random.Random(14)
    planted: dict[str, int] = {}
    kept: list[dict[str, t.Any]] = []
    step = max(1, rows // max(keep, 1))
    prev: dict[str, t.Any] | None = None
    with open(path, "wb") as f:
        for i in range(rows):
            row = maker.row(i)
            if every and i % every == every - 1:
                kind = KINDS[(i // every) % len(KINDS)]
                if kind == "near" and prev is not None:
                    row = _near(prev)
                elif kind != "near":
                    text = PLANTS[kind](rng)
                    last = _last_answer(row)
                    last["content"] = text[1:] if text.startswith("=") else last["content"] + text
                planted[kind] = planted.get(kind, 0) + 1
            elif i % step == step // 2 and len(kept) < keep:
                # A leaked row is word salad: generate.py's template sentences would make it
                # share 13-word spans with thousands of other training rows, as real rows do not.
                row = _fresh(salad.row(i))
                kept.append(row)
            f.write(encode(row) + b"\n")
            prev = row
    return planted, kept


def _salad_maker(seed: int) -> Maker:
    """A chat Maker whose questions, sentences and code are fresh word salad: generate.py's
    are templates, and two files built from them share 13-word spans by construction."""
    maker = Maker("chat", seed)
    rng = random.Random(seed)

    def salad() -> str:
        return " ".join(rng.choices(maker.vocab, cum_weights=maker.cum, k=rng.randint(6, 16))).capitalize() + "."

    maker.sentences = [salad() for _ in range(4000)]
    maker.code = [salad() for _ in range(200)]
    maker._ask = lambda n: salad()[:-1] + "?"  # type: ignore[method-assign]
    return maker


def _fresh(row: dict[str, t.Any]) -> dict[str, t.Any]:
    """The row without its system prompt: generate.py has a few, and one followed by a
    templated question is a 13-word span every training row with the same pair shares."""
    row["conversations"] = [m for m in row["conversations"] if m["role"] != "system"]
    return row


def write_eval(path: str, rows: int, leaked: list[dict[str, t.Any]]) -> int:
    """The evaluation file: other rows, with the leaked training rows spread in, by thirds
    exact copies, near copies and a row quoting a long span of the training answer."""
    import msgspec

    encode = msgspec.json.Encoder().encode
    maker = _salad_maker(2)
    step = max(1, rows // max(len(leaked), 1))
    with open(path, "wb") as f:
        for i in range(rows):
            row = _fresh(maker.row(10_000_000 + i))
            k = i // step
            if i % step == 0 and k < len(leaked):
                src = leaked[k]
                if k % 3 == 1:
                    row = _near(src)
                elif k % 3 == 2:
                    span = " ".join(_last_answer(src)["content"].split()[:30])
                    _last_answer(row)["content"] += "\n\nAs a source put it: " + span
                else:
                    row = src
            f.write(encode(row) + b"\n")
    return len(leaked)


def codes_found(out: str) -> dict[str, int]:
    """Rows per code in a JSON report (a finding standing for several rows counts them)."""
    try:
        with open(out, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return {}
    found: dict[str, int] = {}
    for file in report["files"]:
        for d in file["diagnostics"]:
            found[d["code"]] = found.get(d["code"], 0) + max(d.get("count") or 1, len(d.get("lines") or ()))
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--eval-rows", type=int, default=10_000)
    ap.add_argument("--plant-every", type=int, default=67, help="one planted problem every N rows (67: 1.5%%)")
    ap.add_argument("--leaked", type=int, default=300, help="training rows leaked into the eval file")
    ap.add_argument("--runs", type=int, default=1, help="runs per check; the median time is shown")
    ap.add_argument("--timeout", type=float, default=3600)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_quality.") as tmp:
        train, evals = os.path.join(tmp, "train.jsonl"), os.path.join(tmp, "eval.jsonl")
        planted, kept = write_train(train, args.rows, args.plant_every, args.leaked)
        leaked = write_eval(evals, args.eval_rows, kept)
        warm(train)
        base = [sys.executable, "-m", "ftprep", "check", train, "--task", "chat", "--format", "json",
                "--isolated", "--exit-zero"]
        runs = [("plain (--ignore Q)", ["--ignore", "Q"]), ("default Q checks", []),
                ("--near-duplicates", ["--near-duplicates"]), (f"--eval ({args.eval_rows:,} rows)", ["--eval", evals]),
                ("--select secrets and PII", ["--select", SECRETS_AND_PII])]
        results = []
        for i, (label, extra) in enumerate(runs):
            m = measure([*base, *extra], os.path.join(tmp, f"run{i}.json"), runs=args.runs, timeout=args.timeout)
            if m.rc:
                with open(m.stderr, encoding="utf-8", errors="replace") as f:
                    print(f"{label}: exit {m.rc}\n{f.read()[-2000:]}", file=sys.stderr)
            results.append((label, m, codes_found(m.stdout)))
        size = os.path.getsize(train) / (1 << 20)
    print(f"{args.rows:,} chat rows ({size:,.0f} MiB), one planted problem every {args.plant_every} rows: "
          + ", ".join(f"{n:,} {k}" for k, n in planted.items()) + f"; {leaked} training rows in the eval file")
    print()
    print("| check | seconds | ratio to plain | peak RSS MiB (process) | peak MiB (tree) | Q rows found |")
    print("|---|---:|---:|---:|---:|---|")
    plain = results[0][1].wall
    for label, m, found in results:
        q = ", ".join(f"{c} {n:,}" for c, n in sorted(found.items()) if c.startswith("Q")) or "-"
        print(f"| {label} | {m.wall:.2f} | {m.wall / plain:.2f}x | {m.rss:,.0f} | {m.tree:,.0f} | {q} |")
    return 0 if all(m.rc == 0 for _, m, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
