"""What a user's code sees of ftprep, for mypy (tests/test_typing.py); never run.

Every `assert_type` fails the test if a public name turns into `Any` again (the
lazy `__getattr__` of ftprep/__init__.py hides the real names from type
checkers unless they are imported for them). Every `# type: ignore[...]` marks
a call mypy must reject: with `warn_unused_ignores` the test fails when mypy
stops rejecting it.
"""

from __future__ import annotations

from typing import assert_type

import polars as pl

import ftprep
from ftprep.core.results import PushResult
from ftprep.engine.lengths import Stats
from ftprep.engine.renderer import RenderResult
from ftprep.verbs.submit import Submission


def library_use() -> None:
    report = ftprep.check("train.jsonl", task="chat", chat_template="qwen3")
    assert_type(report, ftprep.Report)
    assert_type(report.files[0], ftprep.FileReport)
    assert_type(report.files[0].diagnostics[0], ftprep.Diagnostic)
    assert_type(ftprep.check(["a.jsonl", "b.csv"], strict=True, max_seq_len=4096), ftprep.Report)

    conversion = ftprep.convert("raw.csv", "train.jsonl", task="text", drop_invalid=True)
    assert_type(conversion, ftprep.Conversion)
    assert_type(conversion.report, ftprep.Report)
    assert_type(ftprep.load("raw.csv", task="text"), pl.DataFrame)

    assert_type(ftprep.push("train.jsonl", repo="me/data", task="chat"), PushResult)
    assert_type(ftprep.submit("train.jsonl", name="j", task="chat", model="m", hours=1, dry_run=True), Submission)
    assert_type(ftprep.render("train.jsonl", task="chat"), RenderResult)
    assert_type(ftprep.stats("train.jsonl", task="chat"), Stats)
    assert_type(ftprep.Client(api_key="k"), ftprep.Client)


def mistakes() -> None:
    # A misspelled keyword is not swallowed by a `**extra: Any`.
    ftprep.check("train.jsonl", chat_templat="qwen3")  # type: ignore[call-arg]
    ftprep.convert("raw.csv", "out.jsonl", tsk="text")  # type: ignore[call-arg]
    ftprep.push("train.jsonl", repo="me/data", chat_templat="x")  # type: ignore[call-arg]
    # A keyword of the wrong type.
    ftprep.check("train.jsonl", max_seq_len="4096")  # type: ignore[arg-type]
    ftprep.check("train.jsonl", strict="yes")  # type: ignore[arg-type]
    # The report is not a list, and a push needs its repo.
    ftprep.check("train.jsonl").append(1)  # type: ignore[attr-defined]
    ftprep.push("train.jsonl")  # type: ignore[call-arg]
    # Names ftprep does not export.
    ftprep.chek("train.jsonl")  # type: ignore[attr-defined]
