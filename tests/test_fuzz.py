"""Hostile input never produces a traceback: random bytes and random JSON give
a report (library) and exit 0 or 1 (CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

import ftprep
from ftprep.cli import main

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=400), ext=st.sampled_from(["jsonl", "json", "csv", "tsv", "jsonl.gz", "parquet"]),
       task=st.sampled_from([None, "text", "chat", "dpo", "grpo", "custom_chat"]))
def test_random_bytes(tmp_path: Path, data: bytes, ext: str, task: str | None) -> None:
    path = tmp_path / f"x.{ext}"
    path.write_bytes(data)
    report = ftprep.check(str(path), task=task)
    assert isinstance(report, ftprep.Report)
    args = ["check", str(path), "--isolated"] + (["--task", task] if task else [])
    assert main(args) in (0, 1)


@FUZZ
@given(rows=st.lists(json_value, max_size=6), task=st.sampled_from([None, "text", "chat", "dpo", "grpo"]),
       template=st.sampled_from([None, "gemma3", "mistral_v3_tekken", "phi_4", "qwen3", "deepseek_v3"]))
def test_random_json_rows(tmp_path: Path, rows: list, task: str | None, template: str | None) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = ftprep.check(str(path), task=task, chat_template=template)
    inferred = report.files[0].task is not None
    assert report.files[0].rows == (len(rows) if inferred else 0)
    result = ftprep.convert(str(path), str(tmp_path / "out.jsonl"), task=task, chat_template=template, drop_invalid=True)
    assert result.rows_in == (len(rows) if inferred else 0)


@FUZZ
@given(rows=st.lists(st.dictionaries(st.sampled_from(["instruction", "output", "conversations", "prompt", "chosen",
                                                     "rejected", "messages", "input", "label", "tools", "images",
                                                     "chosen_messages", "rejected_messages", "preferred_output",
                                                     "non_preferred_output"]), json_value, max_size=4),
                     max_size=6))
def test_random_records_in_known_columns(tmp_path: Path, rows: list) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(rows))
    report = ftprep.check(str(path))
    assert report.files[0].rows == len(rows) or report.files[0].task is None
    # Every record of a JSON array has a line (one line: the array is not indented).
    assert all(d.line == 1 for d in report.diagnostics if d.row is not None)
    # Every public shape's columns, with random values: convert maps or refuses, never raises.
    result = ftprep.convert(str(path), str(tmp_path / "out.jsonl"), drop_invalid=True, min_rows=1)
    assert result.rows_in == (len(rows) if result.task else 0)
    assert result.written == (result.rows_written > 0)
