"""`check --dataset`: several files checked as ONE dataset, as the trainer loads
the files of a split (one table): the row minimum and the empty rows on the
total, duplicates across files, one task."""

from __future__ import annotations

import array
import json
import typing as t
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.engine.duplicates import duplicates_across


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def text_rows(start: int, n: int) -> list[dict]:
    return [{"instruction": f"question {i}", "output": f"answer {i}"} for i in range(start, start + n)]


@pytest.fixture
def two_shards(tmp_path: Path) -> list[Path]:
    return [write_jsonl(tmp_path / "data" / f"train-0000{k}-of-00002.jsonl", text_rows(k * 5000, 5000))
            for k in range(2)]


def codes(report: ftprep.Report) -> list[tuple[str, str]]:
    return [(d.path, d.code) for d in report.diagnostics]


def test_row_minimum_is_counted_on_the_total(two_shards: list[Path]) -> None:
    apart = ftprep.check([str(p) for p in two_shards], min_rows=8000)
    assert codes(apart) == [(str(two_shards[0]), "D002"), (str(two_shards[1]), "D002")]
    whole = ftprep.check([str(p) for p in two_shards], min_rows=8000, dataset=True)
    assert whole.diagnostics == [] and whole.rows == 10_000 and whole.ok
    short = ftprep.check([str(p) for p in two_shards], min_rows=12_000, dataset=True)
    (d,) = short.diagnostics
    assert d.code == "D002" and d.path == str(two_shards[0].parent) and d.line is None
    assert "10,000 rows in the dataset's 2 files" in d.message
    assert short.files[1].diagnostics == [d] and short.files[0].diagnostics == []  # reported once, with the last file
    (one,) = ftprep.check(str(two_shards[0]), min_rows=8000, dataset=True).diagnostics
    assert (one.code, one.path) == ("D002", str(two_shards[0])) and "5,000 rows in the dataset's 1 file;" in one.message


def test_duplicates_are_found_across_files_with_both_places(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = text_rows(0, 6)
    first = tmp_path / "data" / "a.json"
    first.parent.mkdir()
    first.write_text("[\n" + ",\n".join(json.dumps(r) for r in rows[:4]) + "\n]\n")  # rows 0..3 on lines 2..5
    csv = tmp_path / "data" / "b.csv"
    csv.write_text("instruction,output\nquestion 4,answer 4\nquestion 2,answer 2\n")  # its row 1 repeats a.json's row 2
    pq.write_table(pa.Table.from_pylist([rows[5], rows[0]]), tmp_path / "data" / "c.parquet")
    report = ftprep.check(str(tmp_path / "data" / "*"), min_rows=1, dataset=True)
    dups = [d for d in report.diagnostics if d.code == "D001"]
    assert [(Path(d.path).name, d.row, d.line, Path(d.first_path or "").name, d.first_row, d.first_line)
            for d in dups] == [("b.csv", 1, 3, "a.json", 2, 4), ("c.parquet", 1, None, "a.json", 0, 2)]
    assert dups[0].message == f"duplicate of line 4 of {first} in the trained columns"
    doc = report.to_json()
    got = [d for f in doc["files"] for d in f["diagnostics"] if d["code"] == "D001"]
    assert [d["first_path"] for d in got] == [str(first)] * 2 and got[0]["first_line"] == 4
    assert doc["version"] == 2
    # Without --dataset each file is its own dataset: no repeat across them.
    assert "D001" not in ftprep.check(str(tmp_path / "data" / "*"), min_rows=1).codes()


def test_a_duplicate_within_one_shard_names_its_own_file(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", text_rows(0, 3) + text_rows(1, 1))
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(10, 2))
    report = ftprep.check([str(a), str(b)], min_rows=1, dataset=True)
    (d,) = report.diagnostics
    assert (d.code, d.path, d.line, d.first_line, d.first_path) == ("D001", str(a), 4, 2, None)
    assert d.to_json()["first_path"] == str(a) and d.message == "duplicate of line 2 in the trained columns"


def test_repeats_beyond_max_per_code_are_counted_in_their_file(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", text_rows(0, 3))
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(0, 3))
    report = ftprep.check([str(a), str(b)], min_rows=1, dataset=True, max_per_code=1)
    assert [(d.path, d.row, d.first_row) for d in report.diagnostics] == [(str(b), 0, 0)]
    assert report.files[1].dropped == {"D001": 2} and report.warnings == 3


def test_empty_rows_are_counted_on_the_whole(tmp_path: Path) -> None:
    def d003(paths: list[Path], **kw: bool) -> list[tuple[str, str]]:
        return [(p, c) for p, c in codes(ftprep.check([str(p) for p in paths], min_rows=1, **kw)) if c == "D003"]

    empty = [{"instruction": "", "output": ""}] * 4
    a = write_jsonl(tmp_path / "a.jsonl", empty)
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(0, 6))
    # One shard all empty fails alone, but 4 of 10 rows is what the trainer's prep counts: it passes.
    assert d003([a, b]) == [(str(a), "D003")]
    assert d003([a, b], dataset=True) == []
    c = write_jsonl(tmp_path / "c.jsonl", empty * 5)  # 24 of 30 empty is 80%: still trains
    assert d003([a, b, c], dataset=True) == []
    d = write_jsonl(tmp_path / "d.jsonl", empty[:1])  # 25 of 31: over 80%, once, for the dataset
    whole = ftprep.check([str(p) for p in (a, b, c, d)], min_rows=1, dataset=True)
    (found,) = [x for x in whole.diagnostics if x.code == "D003"]
    assert found.path == str(tmp_path) and "25 of 31 rows" in found.message and found in whole.files[3].diagnostics


def test_files_of_another_task_are_refused(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", text_rows(0, 3))
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(3, 3))
    c = write_jsonl(tmp_path / "c.jsonl", [{"prompt": "p", "chosen": "c", "rejected": "r"}] * 2)
    report = ftprep.check([str(a), str(c), str(b)], min_rows=7, dataset=True)
    assert not report.ok
    s004 = [d for d in report.diagnostics if d.code == "S004"]
    assert [d.path for d in s004] == [str(c)] and "this file is dpo data (from its columns), but 2 of the dataset's 3 files are text" in s004[0].message
    # The dpo file's rows (and its repeat) are not the dataset's: 6 text rows, below 7.
    d002 = [d for d in report.diagnostics if d.code == "D002"]
    assert len(d002) == 1 and d002[0].message.startswith("6 rows in the dataset's 2 files")
    assert "D001" not in report.codes()
    # Given --task, every file is read as that task: no mix, the dpo file lacks text's columns.
    told = ftprep.check([str(a), str(c), str(b)], min_rows=1, dataset=True, task="text")
    assert "S004" not in told.codes() and "S001" in told.codes()


def test_parallel_scan_agrees_with_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftprep.engine import checker, file_scans

    a = write_jsonl(tmp_path / "a.jsonl", text_rows(0, 3000))
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(2990, 3000) + [{"instruction": 5}])
    paths = [str(a), str(b)]
    serial = ftprep.check(paths, dataset=True, workers=1, min_rows=8000).to_json()
    pooled: list[str] = []
    real = file_scans.scan_parallel

    def counted(path: str, *args: t.Any, **kwargs: t.Any) -> t.Any:
        pooled.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)  # every file through the process pool
    monkeypatch.setattr(file_scans, "scan_parallel", counted)
    parallel = ftprep.check(paths, dataset=True, workers=2, min_rows=8000).to_json()
    assert pooled == paths and parallel == serial
    found = [(d["path"], d["code"]) for f in serial["files"] for d in f["diagnostics"]]
    assert found.count((str(b), "D001")) == 10 and (str(tmp_path), "D002") in found


def test_cli_glob_and_config_key(tmp_path: Path, two_shards: list[Path], capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "data" / "train-00001-of-00002.jsonl", text_rows(5000, 4999) + text_rows(7, 1))
    assert main(["check", "data/*.jsonl", "--dataset", "--min-rows", "8000", "--isolated"]) == 0  # warnings only
    out = capsys.readouterr().out
    assert "data/train-00001-of-00002.jsonl:5000: D001 [warning] duplicate of line 8 of data/train-00000-of-00002.jsonl" in out
    assert "D002" not in out
    assert main(["check", "data", "--min-rows", "8000", "--isolated"]) == 0
    assert capsys.readouterr().out.count("D002") == 2
    (tmp_path / "pyproject.toml").write_text("[tool.ftprep]\ndataset = true\nmin-rows = 8000\n")
    assert main(["check", "data", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["code"] for f in doc["files"] for d in f["diagnostics"]] == ["D001"]


def test_duplicates_across_keeps_each_shards_rows() -> None:
    shards = [array.array("q", [1, 2]), array.array("q"), array.array("q", [3, 2, 0, 0, 1])]
    pairs, counts = duplicates_across(shards, keep=5)
    assert pairs == [(2, 1, 0, 1), (2, 4, 0, 0)] and counts == [0, 0, 2]
    assert all(len(s) == 0 for s in shards)  # the keys are held once, in the finder's array
    pairs, counts = duplicates_across([array.array("q", [7, 7, 7])], keep=1)
    assert pairs == [(0, 1, 0, 0)] and counts == [2]


def test_standard_input_is_a_shard_whose_lines_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    rows = text_rows(0, 3)
    doc = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n"  # rows on lines 2..4
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(doc.encode())))
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(5, 1) + rows[2:])
    report = ftprep.check(["-", str(b)], min_rows=1, dataset=True, stdin_format="json")
    (d,) = report.diagnostics
    assert (d.path, d.line, d.first_path, d.first_line, d.first_row) == (str(b), 2, "-", 4, 2)


def test_a_json_array_at_a_url_names_its_rows(tmp_path: Path) -> None:
    from ftprep.testing import FileServer

    rows = text_rows(0, 3)
    files = FileServer().start()
    try:
        files.add("/a.json", ("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n").encode())
        b = write_jsonl(tmp_path / "b.jsonl", rows[1:2])
        url = files.url + "/a.json"
        report = ftprep.check([url, str(b)], min_rows=1, dataset=True)
    finally:
        files.stop()
    (d,) = report.diagnostics
    assert (d.path, d.line, d.first_path, d.first_row) == (str(b), 1, url, 1)
    assert d.first_line is None and d.message == f"row 0 is a duplicate of row 1 of {url} in the trained columns"


def test_duplicates_across_in_buckets_match_the_plain_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.duplicates as duplicates

    def shards() -> list[array.array]:
        return [array.array("q", [5, 9, 5, 0]), array.array("q", [0, 9, 11]), array.array("q", [5, 12, 11])]

    plain = duplicates_across(shards(), keep=10)
    monkeypatch.setattr(duplicates, "BUCKETED", 2)  # the many-rows path: keys split into buckets
    assert duplicates_across(shards(), keep=10) == plain
    assert plain == ([(0, 2, 0, 0), (1, 1, 0, 1), (2, 0, 0, 0), (2, 2, 1, 2)], [1, 1, 2])


def test_lines_after_blank_lines_are_kept_for_the_dataset(tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text("\n\n" + "".join(json.dumps(r) + "\n\n" for r in text_rows(0, 3)))  # rows on lines 3, 5, 7
    b = write_jsonl(tmp_path / "b.jsonl", text_rows(2, 1))
    report = ftprep.check([str(a), str(b)], min_rows=1, dataset=True)
    from ftprep.engine.shards import SHARD

    assert all(SHARD not in f.stats for f in report.files)  # nothing of the shards is left in the report
    (d,) = report.diagnostics
    assert (d.path, d.line, d.first_path, d.first_line, d.first_row) == (str(b), 1, str(a), 7, 2)


@pytest.mark.parametrize("task", [None, "text"])
def test_an_empty_shard_beside_rows_is_no_error(tmp_path: Path, task: str | None) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", text_rows(0, 3))
    empty = tmp_path / "b.jsonl"
    empty.write_text("")
    assert "P004" in ftprep.check([str(a), str(empty)], min_rows=1, task=task).codes()
    report = ftprep.check([str(a), str(empty)], min_rows=1, task=task, dataset=True)
    assert report.diagnostics == [] and report.ok and report.rows == 3
    # A dataset of empty files is still nothing to train on.
    assert ftprep.check([str(empty)], min_rows=1, task=task, dataset=True).codes() == ["P004"]
