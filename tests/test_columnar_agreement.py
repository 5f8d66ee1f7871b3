"""The Parquet check through Arrow batches (polars' JSON lines into the row
engine, only the mapped columns read, row groups in worker processes) must give
the very report of the records path it replaces (each row a Python dict, encoded
back to JSON), kept here as the reference: on every golden case whose rows the
trainer could load as Parquet, and on random rows of every row task."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq
import pytest
from golden_args import case_args
from hypothesis import HealthCheck, given, settings, strategies as st

import ftprep
from ftprep.core.options import Options
from ftprep.engine import file_scans, parquet_scan
from ftprep.engine.arrow_scan import plain
from ftprep.tasks import get

GOLDEN = Path(__file__).parent / "golden"


def _loadable(case: Path) -> bool:
    """A local JSON Lines case whose rows pyarrow (the trainer's JSON reader) loads as one table."""
    args = case_args(case)
    if not (case / "input.jsonl").exists() or {"serve", "hub", "convert"} & set(args) or args.get("task") == "image":
        return False
    try:
        pajson.read_json(case / "input.jsonl")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return False
    return True


CASES = sorted(c for c in GOLDEN.iterdir() if c.is_dir() and _loadable(c)) if GOLDEN.exists() else []


def test_most_golden_cases_take_part() -> None:
    assert len(CASES) >= 40


def _reports(path: Path, monkeypatch: pytest.MonkeyPatch, **args: object) -> tuple[dict, dict]:
    """(columnar report, records-path report) of one Parquet file."""
    args.setdefault("min_rows", 1)
    fast = ftprep.check(str(path), **args).to_json()
    with monkeypatch.context() as m:
        m.setattr(file_scans, "columnar", lambda *a: False)
        slow = ftprep.check(str(path), **args).to_json()
    return fast, slow


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_rows_as_parquet(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "input.parquet"
    pq.write_table(pajson.read_json(case / "input.jsonl"), target, row_group_size=3)
    args = case_args(case)
    fast, slow = _reports(target, monkeypatch, **args)
    assert fast == slow


# -- random rows --------------------------------------------------------------
WORDS = ["", " ", "\t\n", "hello there", "Hello there", "The answer is 4.", "<|im_start|>", "[INST] hi",
         "contact me at ann@example.com", "key AKIAIOSFODNN7EXAMPLE", "password=hunter2hunter2", "```python\nx",
         "é\u200b", "{{name}}", "TODO", "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok", "null"]
text = st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=12))
role = st.one_of(st.none(), st.sampled_from(["user", "assistant", "system", "bot", "", "User"]))
message = st.one_of(st.none(), st.fixed_dictionaries({"role": role, "content": text}))
conversation = st.one_of(st.none(), st.lists(message, max_size=5))
MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))

LAYOUTS = {
    "text": ({"instruction": text, "output": text}, {}),
    "custom_text": ({"q": text, "a": text, "note": text}, {"field_instruction": "q", "field_output": "a"}),
    "dpo": ({"prompt": text, "chosen": text, "rejected": text, "extra": text}, {}),
    "grpo": ({"prompt": text, "answer": text, "score": st.one_of(st.none(), st.integers(-3, 3))}, {}),
    "chat": ({"conversations": conversation, "id": st.integers(0, 3)}, {}),
    "custom_chat": ({"dialog": conversation}, {"field_conversation": "dialog"}),
}


def _schema(columns: dict) -> pa.Schema:
    kinds = {"conversations": MESSAGES, "dialog": MESSAGES, "score": pa.int64(), "id": pa.int64()}
    return pa.schema([(c, kinds.get(c, pa.string())) for c in columns])


@pytest.mark.parametrize("task", sorted(LAYOUTS))
def test_random_rows_agree(task: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    columns, args = LAYOUTS[task]
    schema = _schema(columns)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=30))
    def agree(rows: list[dict]) -> None:
        rows = rows + rows[:3]  # duplicates, also across row groups
        path = tmp_path_factory.mktemp("rows") / "rows.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=4)
        mp = pytest.MonkeyPatch()
        try:
            fast, slow = _reports(path, mp, task=task, **args)
        finally:
            mp.undo()
        assert fast == slow

    agree()


def test_row_groups_in_workers_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's merged scans equal one process's: a duplicate across two workers'
    row groups is found, and findings keep their rows."""
    rows = [{"instruction": f"question {i}", "output": WORDS[i % len(WORDS)]} for i in range(400)]
    rows[390] = dict(rows[5])
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=25)
    monkeypatch.setattr(parquet_scan, "PARALLEL_MIN_PARQUET", 0)
    monkeypatch.setattr(parquet_scan, "PART_ROWS", 60)
    fast, slow = _reports(path, monkeypatch, task="text", workers=2)
    assert fast == slow
    assert any(d["code"] == "D001" and d["row"] == 390 for d in fast["files"][0]["diagnostics"])


def test_a_broken_row_group_stops_the_scan_where_it_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"instruction": f"question {i}", "output": "an answer"} for i in range(100)]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=10, compression="none")
    data = bytearray(path.read_bytes())
    at = data.find(b"question 55")
    data[at - 40:at + 200] = b"\xff" * 240  # the pages of a middle row group
    path.write_bytes(bytes(data))
    # The records path read batches of 5,000 rows across row groups and lost them all;
    # row group by row group, the 50 rows before the broken one are checked.
    serial = ftprep.check(str(path), task="text", min_rows=1).to_json()
    monkeypatch.setattr(parquet_scan, "PARALLEL_MIN_PARQUET", 0)
    monkeypatch.setattr(parquet_scan, "PART_ROWS", 20)
    pooled = ftprep.check(str(path), task="text", min_rows=1, workers=2).to_json()
    assert serial == pooled
    assert serial["files"][0]["rows"] == 50
    assert [d["message"][:35] for d in serial["files"][0]["diagnostics"]] == ["cannot read parquet after 50 rows: "]


def test_plain_types() -> None:
    assert plain(MESSAGES) and plain(pa.int32()) and plain(pa.large_string())
    assert not plain(pa.binary()) and not plain(pa.timestamp("s")) and not plain(pa.float32())
    assert not plain(pa.dictionary(pa.int8(), pa.string()))


def test_a_conversation_as_json_text_is_loaded_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"conversations": json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])},
            {"conversations": json.dumps([{"role": "user", "content": "hi"}])}]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    fast, slow = _reports(path, monkeypatch, task="chat")
    assert fast == slow
    assert [d["row"] for d in fast["files"][0]["diagnostics"] if d["code"] == "C001"] == []
    assert os.path.exists(path)


POOLED = """
import json, sys
import ftprep
from ftprep.engine import file_scans, parquet_scan
parquet_scan.PARALLEL_MIN_PARQUET, parquet_scan.PART_ROWS = 0, 60
idle = parquet_scan.polars_idle()
pooled = ftprep.check(sys.argv[1], task="text", workers=2, min_rows=1).to_json()
file_scans.columnar = lambda *a: False
reference = ftprep.check(sys.argv[1], task="text", workers=1, min_rows=1).to_json()
print(json.dumps([idle, pooled == reference, pooled["files"][0]["rows"]]))
"""


def test_workers_forked_from_a_fresh_process_run_polars_and_agree(tmp_path: Path) -> None:
    """A parent that has not run polars forks workers that read with polars (the fast
    route); their merged report is the records path's."""
    import subprocess
    import sys

    rows = [{"instruction": f"question {i}", "output": WORDS[i % len(WORDS)]} for i in range(400)]
    rows[390] = dict(rows[5])
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=25)
    out = subprocess.run([sys.executable, "-c", POOLED, str(path)], capture_output=True, text=True, timeout=300,
                         check=True)
    assert json.loads(out.stdout) == [True, True, 400]
