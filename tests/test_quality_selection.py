"""--select and --ignore for every quality (Q) and reward (G) code, on its golden case.

`ignore=CODE` must remove exactly that code's findings and leave every other
finding as it was; `select=CODE` must keep exactly that code's findings. The
codes covered are checked against the registry, so a new Q or G code with a
golden case is covered without a list to keep up, and one without is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from golden_args import case_args

import ftprep
from ftprep.core.codes import CODES

GOLDEN = Path(__file__).parent / "golden"
# Codes only convert gives (its report is their golden); convert takes no selection. Q005
# (--dedupe) and Q027 (--fix-text) come with the remedies' branch.
CONVERT_ONLY = {"Q005", "Q016", "Q027"}
FAMILIES = ("Q", "G")


def _cases() -> list[Path]:
    return sorted(c for c in GOLDEN.iterdir() if c.is_dir() and c.name.startswith(FAMILIES)
                  and not case_args(c).get("convert"))


CASES = _cases()


def _check(case: Path, **selection: Any) -> list[dict]:
    """The diagnostics of the golden case checked with `selection` (run from its folder, as the goldens are)."""
    args = case_args(case)
    args.setdefault("min_rows", 1)
    if "reward_time_limit" in args:  # the too-slow case loops forever: any limit finds it, a short one thrice fast
        args["reward_time_limit"] = min(args["reward_time_limit"], 0.3)
    source = next(p.name for p in sorted(case.iterdir()) if p.name.startswith("input"))
    old = os.getcwd()
    os.chdir(case)
    try:
        report = ftprep.check(source, **{**args, **selection}).to_json()  # the selection tried wins over the case's
    finally:
        os.chdir(old)
    return [d for f in report["files"] for d in f["diagnostics"]]


def test_every_quality_and_reward_code_is_covered() -> None:
    covered = {c.name.split("-")[0] for c in CASES}
    wanted = {code for code in CODES if code.startswith(FAMILIES)} - CONVERT_ONLY
    assert covered == wanted
    # A code listed as convert-only has golden cases, and all of them are conversions.
    for code in CONVERT_ONLY & set(CODES):
        own = [c for c in GOLDEN.iterdir() if c.is_dir() and c.name.split("-")[0] == code]
        assert own and all(case_args(c).get("convert") for c in own), code
    assert "Q016" in CODES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_ignore_removes_the_code_and_select_keeps_only_it(case: Path) -> None:
    code = case.name.split("-")[0]
    every = _check(case)
    own = [d for d in every if d["code"] == code]
    assert own, f"{case.name} does not show {code}"
    ignored = _check(case, ignore=[code])
    assert ignored == [d for d in every if d["code"] != code]
    selected = _check(case, select=[code])
    assert selected == own
