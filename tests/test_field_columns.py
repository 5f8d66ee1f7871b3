"""Text and DPO rows in Parquet judged column-wise (ftprep.engine.field_columns):
the report is the one the row engine gives the same rows as JSON lines (the
bridge) and as records (test_conversation_columns._three), on random rows full of what the rules look for, with
droppable columns and dates; clean rows never become JSON lines."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conversation_columns import TEXTS, _three

import ftprep
from ftprep.engine import arrow_scan, language

DATES = ["2024-01-05", "2023-12-31T10:00:00", "12/31/2023"]
text = st.one_of(st.none(), st.sampled_from(TEXTS + DATES), st.text(max_size=8))
long = st.sampled_from([x for x in TEXTS if len(x) >= 40])
# (task, columns, options): the layouts, with the droppable columns the trainer drops
LAYOUTS = {
    "text": ({"instruction": st.one_of(text, long), "output": st.one_of(text, long, long),
              "input": st.sampled_from(["", None, "more context"])}, {}),
    "custom_text": ({"q": text, "a": st.one_of(text, long)}, {"field_instruction": "q", "field_output": "a"}),
    "dpo": ({"prompt": st.one_of(text, long), "chosen": st.one_of(text, long),
             "rejected": st.one_of(text, long, st.just("Paris")), "system": st.sampled_from(["", None, "Be brief."])},
            {}),
}


@pytest.mark.parametrize("ignore", [None, "Q"])
@pytest.mark.parametrize("task", sorted(LAYOUTS))
def test_random_rows_agree(task: str, ignore: str | None, tmp_path_factory: pytest.TempPathFactory) -> None:
    columns, args = LAYOUTS[task]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=40), st.integers(1, 9), st.integers(2, 12))
    def agree(rows: list, group: int, run: int) -> None:
        rows = rows + [dict(r, **{c: "" for c in ("input", "system") if c in r}) for r in rows[:3]]
        path = tmp_path_factory.mktemp("rows") / "rows.parquet"
        schema = pa.schema([(c, pa.string()) for c in columns])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=group)
        mp = pytest.MonkeyPatch()
        try:
            mp.setattr(language, "SAMPLE", 5)
            fast, bridge, records = _three(path, mp, task=task, ignore=ignore, **args)
            assert fast == bridge == records
            mp.setattr(arrow_scan, "SLICE", run)  # (see test_conversation_columns)
            fast, bridge, _ = _three(path, mp, task=task, ignore=ignore, **args)
        finally:
            mp.undo()
        assert fast == bridge

    agree()


def test_clean_rows_are_not_written_as_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only flagged rows are written; a duplicate of a clean row whose droppable column holds
    data is found."""
    monkeypatch.setattr(arrow_scan, "SLICE", 100)
    rows = [{"instruction": f"Question number {i}?", "output": "An answer that ends well.", "input": ""}
            for i in range(1000)]
    rows[10]["output"] = "Dear {customer_name}, here it is."
    rows[500] = dict(rows[20], input="some context")  # S003 (a dropped column), and a duplicate of row 20
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=300)
    written: list[int] = []
    real = arrow_scan.json_lines
    monkeypatch.setattr(arrow_scan, "json_lines", lambda r: written.append(len(r)) or real(r))
    fast = ftprep.check(str(path), task="text", min_rows=1).to_json()
    assert sum(written) == 2  # rows 10 and 500
    codes = {(d["code"], d.get("row")) for d in fast["files"][0]["diagnostics"]}
    assert ("V010", 10) in codes and ("D001", 500) in codes and any(c == "S003" for c, _ in codes)
    monkeypatch.setattr(arrow_scan, "json_lines", real)
    assert (fast, fast) == _three(path, monkeypatch, task="text")[1:]


def test_a_pair_with_one_answer_twice_is_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"prompt": f"Question {i}?", "chosen": "Yes, it is.", "rejected": "No, it is not."} for i in range(40)]
    rows[7]["rejected"] = rows[7]["chosen"]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=16)
    fast, bridge, records = _three(path, monkeypatch, task="dpo")
    assert fast == bridge == records
    assert [(d["code"], d["row"]) for d in fast["files"][0]["diagnostics"]] == [("V005", 7)]


def test_a_column_of_dates_is_counted_in_row_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates are counted in row order until a column meets a non-date, over the rows the row
    type decodes, flagged or not: the types, and so the report, are the row engine's."""
    monkeypatch.setattr(arrow_scan, "SLICE", 10)
    rows = [{"instruction": DATES[i % 3] if i < 35 else f"Question {i}", "output": "Fine, thanks."} for i in range(80)]
    rows[3]["output"] = "Dear {customer_name}, fine."  # a flagged row among the dates
    rows[5]["output"] = None
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=16)
    fast, bridge, records = _three(path, monkeypatch, task="text")
    assert fast == bridge
    monkeypatch.setattr(arrow_scan, "SLICE", 5000)
    assert _three(path, monkeypatch, task="text")[0] == records


def test_the_pair_tallies_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Q030 (the chosen answer longer in most pairs), Q031 and Q026 from clean DPO rows."""
    monkeypatch.setattr(language, "SAMPLE", 30)
    french = "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié, étape {}."
    cut = "This answer was cut off at the maximum length of the generator and ends in the middle of a wor"
    rows = [{"prompt": f"How can I reset my password on the company portal, please tell me? ({i})",
             "chosen": (french if i % 2 else cut).format(i), "rejected": "No."} for i in range(300)]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=64)
    fast, bridge, records = _three(path, monkeypatch, task="dpo")
    assert fast == bridge == records
    codes = [d["code"] for d in fast["files"][0]["diagnostics"]]
    assert {"Q030", "Q031", "Q026"} <= set(codes)
