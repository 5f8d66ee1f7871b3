"""Reporters: exact strings for text and github, and the JSON contract."""

from __future__ import annotations

import io
import json

from ftprep.core.diagnostics import Diagnostic, FileReport, Report
from ftprep.output.reporters import REPORTERS


def sample() -> Report:
    f = FileReport("data/train.jsonl", "chat", rows=3, task_inferred=True, diagnostics=[
        Diagnostic("C012", "gemma3 raises: roles must alternate", "data/train.jsonl", line=2, row=1,
                   field="$.conversations[0].role", hint="merge consecutive turns of the same role"),
        Diagnostic("D001", "duplicate of line 1 in the trained columns", "data/train.jsonl", line=3, row=2,
                   first_line=1, first_row=0),
    ])
    return Report([f])


def render(name: str, report: Report) -> str:
    out = io.StringIO()
    REPORTERS[name](report, out)
    return out.getvalue()


def test_text() -> None:
    assert render("text", sample()) == (
        "data/train.jsonl: task chat (inferred), 3 rows\n"
        "data/train.jsonl:2: C012 [error] gemma3 raises: roles must alternate [$.conversations[0].role] "
        "(hint: merge consecutive turns of the same role)\n"
        "data/train.jsonl:3: D001 [warning] duplicate of line 1 in the trained columns\n"
        "FAILED: 1 file(s), 3 rows, 1 error(s), 1 warning(s)\n"
    )


def test_github() -> None:
    assert render("github", sample()) == (
        "::error file=data/train.jsonl,line=2,title=C012 template-raises::gemma3 raises: roles must alternate "
        "[$.conversations[0].role] (hint: merge consecutive turns of the same role)\n"
        "::warning file=data/train.jsonl,line=3,title=D001 duplicate-row::duplicate of line 1 in the trained columns\n"
        "ftprep: 1 file(s), 3 rows, 1 error(s), 1 warning(s)\n"
    )


def test_json() -> None:
    doc = json.loads(render("json", sample()))
    assert doc == {
        "version": 2,
        "summary": {"files": 1, "rows": 3, "errors": 1, "warnings": 1},
        "files": [{"path": "data/train.jsonl", "task": "chat", "task_inferred": True, "rows": 3, "diagnostics": [
            {"code": "C012", "severity": "error", "message": "gemma3 raises: roles must alternate", "path": "data/train.jsonl",
             "line": 2, "row": 1,
             "field": "$.conversations[0].role", "hint": "merge consecutive turns of the same role", "stage": "template",
             "count": 1, "lines": [2], "rows": [1], "first_line": None, "first_row": None},
            {"code": "D001", "severity": "warning", "message": "duplicate of line 1 in the trained columns",
             "path": "data/train.jsonl", "line": 3, "row": 2, "field": None, "hint": None, "stage": "train",
             "count": 1, "lines": [3], "rows": [2], "first_line": 1, "first_row": 0, "first_path": "data/train.jsonl"},
        ]}],
    }


def test_strict_counts_warnings_as_errors_and_capped_counts() -> None:
    report = sample()
    report.files[0].dropped = {"D001": 5, "C012": 2}
    assert report.summary() == {"files": 1, "rows": 3, "errors": 3, "warnings": 6}
    strict = report.strict()
    assert strict.summary() == {"files": 1, "rows": 3, "errors": 9, "warnings": 0}
    assert "5 more D001 not shown" in render("text", report)


def test_unknown_code_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        Diagnostic("Z999", "nope")
