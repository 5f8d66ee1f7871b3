"""In-memory data (polars, pandas, pyarrow, datasets, lists of dicts) through check, convert, load and push."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.verbs.push import push

KINDS = ["polars", "pandas", "pyarrow", "dataset", "list"]
LABELS = {"polars": "<polars.DataFrame>", "pandas": "<pandas.DataFrame>", "pyarrow": "<pyarrow.Table>",
          "dataset": "<datasets.Dataset>", "list": "<list>"}
MAPPING = {"field_instruction": "question", "field_output": "answer"}


def made(kind: str, records: list[dict]):
    """`records` as the in-memory kind `kind`."""
    if kind == "list":
        return [dict(r) for r in records]
    if kind == "polars":
        import polars as pl

        return pl.DataFrame(records)
    if kind == "pandas":
        import pandas as pd

        return pd.DataFrame(records)
    if kind == "pyarrow":
        import pyarrow as pa

        return pa.Table.from_pylist(records)
    import datasets

    return datasets.Dataset.from_list(records)


def qa(n: int = 6, empty_at: int | None = None) -> list[dict]:
    return [{"question": f"q{i}", "answer": "" if i == empty_at else f"a{i}"} for i in range(n)]


def as_records(data) -> list[dict]:
    """Whatever kind, its rows as dicts (to compare kinds with one assertion)."""
    module = type(data).__module__
    if isinstance(data, list):
        return data
    if module.startswith("polars"):
        return data.to_dicts()
    if module.startswith("pandas"):
        return data.to_dict("records")
    if module.startswith("pyarrow"):
        return data.to_pylist()
    return data.to_list()


@pytest.mark.parametrize("kind", KINDS)
def test_check_names_the_bad_row_by_index(kind: str) -> None:
    report = ftprep.check(made(kind, qa(empty_at=3)), task="text", min_rows=1, **MAPPING)
    assert [f.path for f in report.files] == [LABELS[kind]]
    [d] = report.diagnostics
    assert (d.code, d.row, d.line, d.field, d.path) == ("V002", 3, None, "answer", LABELS[kind])
    assert report.rows == 6


def test_check_dataset_dict_reports_each_split_and_a_name_replaces_the_kind() -> None:
    import datasets

    dd = datasets.DatasetDict({"train": datasets.Dataset.from_list(qa(empty_at=1)),
                               "test": datasets.Dataset.from_list(qa(4, empty_at=2))})
    report = ftprep.check(dd, task="text", min_rows=1, **MAPPING)
    assert [f.path for f in report.files] == ["<DatasetDict>[train]", "<DatasetDict>[test]"]
    assert [[(d.code, d.row) for d in f.diagnostics] for f in report.files] == [[("V002", 1)], [("V002", 2)]]
    named = ftprep.check(dd, task="text", min_rows=1, name="squad", **MAPPING)
    assert [f.path for f in named.files] == ["squad[train]", "squad[test]"]


def test_a_list_of_paths_is_still_paths(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"instruction": "q", "output": ""}) + "\n")
    [d] = ftprep.check([str(f)], task="text", min_rows=1).diagnostics
    assert (d.path, d.line, d.row) == (str(f), 1, 0)


def test_duplicates_and_messages_name_rows_not_lines() -> None:
    rows = [{"instruction": "same", "output": "x"}, {"instruction": "other", "output": "y"},
            {"instruction": "same", "output": "x"}]
    [d] = ftprep.check(made("polars", rows), task="text", min_rows=1).diagnostics
    assert (d.code, d.row, d.first_row, d.first_line) == ("D001", 2, 0, None)
    assert "row 0" in d.message and "line" not in d.message


def test_types_are_judged_as_push_writes_them() -> None:
    import polars as pl

    dates = pl.DataFrame({"instruction": ["a", "b"], "output": [datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)]})
    [d] = ftprep.check(dates, task="text", min_rows=1).diagnostics
    assert (d.code, d.row, d.field) == ("L001", 0, "output")  # written as ISO text, read back as timestamps
    assert "line" not in d.message
    nan = pl.DataFrame({"instruction": ["a", "b"], "output": ["fine", None]})
    assert [(d.code, d.row) for d in ftprep.check(nan, task="text", min_rows=1).diagnostics] == [("V001", 1)]
    import pandas as pd

    floats = pd.DataFrame({"instruction": ["a", "b"], "output": [1.5, float("nan")]})  # NaN is null, as in datasets
    assert [(d.code, d.row) for d in ftprep.check(floats, task="text", min_rows=1).diagnostics] == \
        [("V004", 0), ("V001", 1)]
    cats = pd.DataFrame({"instruction": pd.Categorical(["a", "b"]), "output": ["x", "y"]})
    assert ftprep.check(cats, task="text", min_rows=1).diagnostics == []


def test_a_value_json_cannot_hold_is_a_finding_at_its_row() -> None:
    rows = [{"instruction": "a", "output": "x"}, {"instruction": "b", "output": object()}]
    [d] = ftprep.check(rows, task="text", min_rows=1).diagnostics
    assert (d.code, d.row, d.line, d.severity) == ("P001", 1, None, "error")
    assert "cannot be written as JSON" in d.message
    conv = ftprep.convert(rows, task="text", min_rows=1, drop_invalid=True)
    assert conv.data == [{"instruction": "a", "output": "x"}]


@pytest.mark.parametrize("kind", KINDS)
def test_convert_returns_the_same_kind_with_canonical_columns(kind: str) -> None:
    src = made(kind, qa(3))
    conv = ftprep.convert(src, task="text", min_rows=1, **MAPPING)
    assert conv.written and conv.output is None and conv.rows_written == 3
    assert type(conv.data) is type(src)
    assert as_records(conv.data) == [{"instruction": f"q{i}", "output": f"a{i}"} for i in range(3)]
    assert conv.report.files[0].path == LABELS[kind]


def test_convert_chat_from_sharegpt_and_dataset_dict() -> None:
    import datasets

    chats = [{"messages": [{"from": "human", "value": f"hi {i}"}, {"from": "gpt", "value": f"yo {i}"}]}
             for i in range(2)]
    conv = ftprep.convert(made("polars", chats), task="chat", min_rows=1)
    assert conv.data.columns == ["conversations"]
    assert conv.data.to_dicts()[1]["conversations"] == [{"role": "user", "content": "hi 1"},
                                                      {"role": "assistant", "content": "yo 1"}]
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_list(qa(3)), "test": datasets.Dataset.from_list(qa(2))})
    both = ftprep.convert(dd, task="text", min_rows=1, **MAPPING)
    assert isinstance(both.data, datasets.DatasetDict) and both.rows_written == 5
    assert both.data["test"].column_names == ["instruction", "output"]
    with pytest.raises(ValueError, match="splits"):
        ftprep.convert(dd, "out.jsonl", task="text", **MAPPING)


def test_convert_with_errors_returns_no_data_and_a_path_still_needs_an_output(tmp_path: Path) -> None:
    conv = ftprep.convert(made("pandas", qa(3, empty_at=0)), task="text", min_rows=1, **MAPPING)
    assert not conv.written and conv.data is None
    assert [(d.code, d.row) for d in conv.report.diagnostics] == [("V002", 0)]
    with pytest.raises(TypeError, match="output"):
        ftprep.convert(str(tmp_path / "a.jsonl"), task="text")


def test_convert_to_a_file_writes_what_the_jsonl_source_writes(tmp_path: Path) -> None:
    src = tmp_path / "raw.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in qa(4)))
    ftprep.convert(str(src), str(tmp_path / "from_file.jsonl"), task="text", min_rows=1, **MAPPING)
    conv = ftprep.convert(made("pyarrow", qa(4)), str(tmp_path / "from_table.jsonl"), task="text", min_rows=1,
                          **MAPPING)
    assert conv.output == str(tmp_path / "from_table.jsonl") and conv.data is None
    assert (tmp_path / "from_table.jsonl").read_bytes() == (tmp_path / "from_file.jsonl").read_bytes()


def test_load_gives_polars_for_every_kind() -> None:
    import polars as pl

    for kind in KINDS:
        df = ftprep.load(made(kind, qa(2)), task="text", min_rows=1, **MAPPING)
        assert isinstance(df, pl.DataFrame) and df.to_dicts() == [{"instruction": "q0", "output": "a0"},
                                                                  {"instruction": "q1", "output": "a1"}]
    with pytest.raises(ValueError, match=r"^<list>: 1 error"):
        ftprep.load(qa(2, empty_at=1), task="text", min_rows=1, **MAPPING)


def test_push_of_a_dataframe_uploads_the_file_the_jsonl_push_uploads(tmp_path: Path, hub) -> None:
    from huggingface_hub import HfApi

    src = tmp_path / "raw.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in qa(5)))
    from_file, from_frame = (f"alice/mem-{uuid.uuid4().hex[:8]}" for _ in range(2))
    push(str(src), repo=from_file, task="text", min_rows=1, **MAPPING)
    result = push(made("polars", qa(5)), repo=from_frame, task="text", min_rows=1, **MAPPING)
    assert result.rows == 5
    api = HfApi()
    a = Path(api.hf_hub_download(from_file, "data/train.jsonl", repo_type="dataset")).read_bytes()
    b = Path(api.hf_hub_download(from_frame, "data/train.jsonl", repo_type="dataset")).read_bytes()
    assert a == b and b.count(b"\n") == 5
    import datasets

    with pytest.raises(ValueError, match="one"):
        push(datasets.DatasetDict({"train": made("dataset", qa(2))}), repo=from_frame, task="text", **MAPPING)


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({"question": TEXT, "answer": TEXT, "extra": st.one_of(st.none(), TEXT)}),
                min_size=1, max_size=6),
       st.sampled_from(["polars", "list", "pyarrow"]))
def test_every_string_written_comes_from_the_source(records: list[dict], kind: str) -> None:
    conv = ftprep.convert(made(kind, records), task="text", min_rows=1, drop_invalid=True, **MAPPING)
    source = {v for r in records for v in r.values() if isinstance(v, str)}
    if conv.written:
        out = as_records(conv.data)
        assert out and all(set(r) == {"instruction", "output"} for r in out)
        assert {v for r in out for v in r.values()} <= source
    else:
        assert conv.report.errors


def test_recognising_a_path_imports_no_dataframe_library() -> None:
    code = ("import sys; from ftprep.reading.memory import kind_of; "
            "assert kind_of('a.jsonl') is None and kind_of(['a.jsonl']) is None and kind_of([{}]) == 'list'; "
            "print(sorted(m for m in ('polars', 'pandas', 'pyarrow', 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_readme_example_prints_what_it_says(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### DataFrames, Arrow tables and datasets", 1)[1]
    found = re.search(r"```python\n(.*?)```.*?```text\n(.*?)```", section, re.DOTALL)
    assert found, "the section's example or its stated output is gone"
    code, stated = found.groups()
    r = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == stated


def test_values_arrow_cannot_type_are_written_as_push_would() -> None:
    import numpy as np
    import pandas as pd

    mixed = pd.DataFrame({"instruction": ["a", "b", "c", "d"], "output": ["x", 3, pd.Timestamp("2024-01-01"), pd.NaT]})
    found = [(d.code, d.row) for d in ftprep.check(mixed, task="text", min_rows=1).diagnostics]
    assert found == [("V004", 1), ("L004", 1), ("V001", 3)]  # the mixed column as JSON holds it; NaT is null
    rows = [{"instruction": "a", "output": np.int64(3)}, {"instruction": "b", "output": np.array(["x"])}]
    found = [(d.code, d.row) for d in ftprep.check(rows, task="text", min_rows=1).diagnostics]
    assert found == [("V004", 0), ("V003", 1), ("L004", 1)]  # a numpy array is a list, not its one item


def test_task_inferred_from_the_columns_and_the_image_task_refused() -> None:
    report = ftprep.check(made("pandas", [{"instruction": "a", "output": ""}]), min_rows=1)
    assert report.files[0].task == "text" and report.files[0].task_inferred
    assert [(d.code, d.row) for d in report.diagnostics] == [("V002", 0)]
    with pytest.raises(ValueError, match="not in-memory data"):
        ftprep.check(made("polars", qa(1)), task="image")
