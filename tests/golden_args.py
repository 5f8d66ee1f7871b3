"""A golden case's check arguments, with the files it names (eval data, reward code) beside its input."""
from __future__ import annotations

import json
from pathlib import Path


def case_args(case: Path) -> dict:
    p = case / "args.json"
    args = json.loads(p.read_text()) if p.exists() else {}
    if "eval" in args:
        args["eval"] = str(case / args["eval"])
    if "reward_func" in args:
        named = args["reward_func"]
        args["reward_func"] = [str(case / f) for f in ([named] if isinstance(named, str) else named)]
    return args
