"""The reading ladder (ftprep.reading.ladder.open_data): each rung on a small
file, and agreement with the two readers that climb it today, `check` (its
early findings, its inferred task) and the record reader (its columns, its
records, its first finding)."""

from __future__ import annotations

import dataclasses
import gzip
import sys
import json
from pathlib import Path

import pytest

import ftprep
from ftprep.core.bounds import Bounds, DecompressionCapped
from ftprep.disk.inputs import SourceError
from ftprep.reading.ladder import Opening, open_data
from ftprep.reading.records import read_records
from ftprep.reading.unclosed_quotes import UNCLOSED_HINT

CHAT = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
TEXT = {"instruction": "q", "output": "a", "extra": 1}


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data.encode() if isinstance(data, str) else data))
    elif isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return str(path)


def lines(*records: object) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def records_of(path: str) -> tuple[list[str], list[object]]:
    columns, source = read_records(path)
    return columns, [rec for _, _, rec in source]


@pytest.mark.parametrize("name", ["d.jsonl", "d.ndjson", "d.jsonl.gz", "lines.json"])
def test_json_lines_give_their_keys(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, "\ufeff" + lines(TEXT, {"instruction": "r", "output": "b", "z": None}))
    got = open_data(path)
    assert (got.fmt, got.gz, got.columns) == ("jsonl", name.endswith(".gz"), ["extra", "instruction", "output", "z"])
    assert got.finding is None and got.table is None and got.records is None
    assert got.columns == records_of(path)[0]
    assert ftprep.check(path, min_rows=1).files[0].task == "text"


def test_a_json_array_gives_its_records(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", json.dumps([CHAT, TEXT, "not a record"], indent=2))
    got = open_data(path)
    assert (got.fmt, got.columns, got.records) == ("json", ["conversations", "extra", "instruction", "output"],
                                                   [CHAT, TEXT, "not a record"])
    assert got.finding is None
    assert records_of(path)[0] == got.columns


@pytest.mark.parametrize(("doc", "fmt", "records"), [
    ({"data": [TEXT, TEXT]}, "wrapped", [TEXT, TEXT]),
    (CHAT, "record", [CHAT]),
])
def test_an_object_the_trainer_reads_as_one_row_is_p009_with_its_records(
        tmp_path: Path, doc: dict[str, object], fmt: str, records: list[object]) -> None:
    path = write(tmp_path, "d.json", json.dumps(doc, indent=1))
    got = open_data(path)
    assert (got.fmt, got.records) == (fmt, records)
    assert got.finding is not None and got.finding.code == "P009" and got.finding.path == path
    # check reports exactly that finding, alone; the record reader reads the records on.
    assert ftprep.check(path, min_rows=1).files[0].diagnostics == [got.finding]
    assert records_of(path) == (got.columns, records)


def test_a_json_array_that_does_not_decode_is_p001(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", '[{"instruction": "q", "output": "a"},\n{"instruction": ')
    got = open_data(path, shown="shown.json")
    assert got.finding is not None and got.finding.code == "P001" and got.finding.path == "shown.json"
    assert got.finding.message.startswith("invalid JSON: ")
    assert ftprep.check(path).files[0].diagnostics == [dataclasses.replace(got.finding, path=path)]
    assert records_of(path) == ([], [open_data(path).finding])


def test_a_table_gives_its_header_in_order_and_its_batches(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "output,instruction\na,q\nb,r\n")
    got = open_data(path)
    assert (got.fmt, got.columns, got.finding) == ("csv", ["output", "instruction"], None)
    assert got.table is not None
    assert list(got.table.batches(10)) == [([{"output": "a", "instruction": "q"},
                                            {"output": "b", "instruction": "r"}], [2, 3])]
    assert records_of(path)[0] == got.columns
    tsv = open_data(write(tmp_path, "d.tsv.gz", "instruction\toutput\nq\ta\n"))
    assert (tsv.fmt, tsv.gz, tsv.columns) == ("tsv", True, ["instruction", "output"])


def test_a_header_whose_quote_never_closes_is_p011_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", 'instruction,"output\nq,a\nr,b\n')
    got = open_data(path)
    assert got.finding is not None
    assert (got.finding.code, got.finding.line, got.finding.hint) == ("P011", 1, UNCLOSED_HINT)
    assert ftprep.check(path).files[0].diagnostics == [got.finding]
    assert records_of(path) == ([], [got.finding])


def test_a_parquet_file_that_is_not_one_is_p006(tmp_path: Path) -> None:
    path = write(tmp_path, "d.parquet", b"PAR1 but not really")
    got = open_data(path)
    assert got.finding is not None and got.finding.code == "P006"
    assert got.finding.message.startswith("cannot read parquet: ")
    assert ftprep.check(path).files[0].diagnostics == [got.finding]


def test_a_parquet_file_gives_its_schema_columns(tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    path = str(tmp_path / "d.parquet")
    pl.DataFrame({"prompt": ["p"], "chosen": ["c"], "rejected": ["r"]}).write_parquet(path)
    got = open_data(path)
    assert (got.fmt, got.columns, got.finding) == ("parquet", ["prompt", "chosen", "rejected"], None)
    assert records_of(path)[0] == got.columns


def test_what_the_ladder_cannot_open_it_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown file type"):
        open_data(write(tmp_path, "d.txt", "x"))
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(SourceError):
        open_data(str(tmp_path / "dir.jsonl"))
    # A JSON array past the decompression bound: the caller says P014 at the line reached.
    path = write(tmp_path, "d.json.gz", "[" + " " * 5000 + "\n" * 10 + "]")
    with pytest.raises(DecompressionCapped):
        open_data(path, Bounds(size=1000))
    assert isinstance(open_data(path), Opening)


OPENED: list[str] = []
WATCHED: set[str] = set()


def _count_opens(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and str(args[0]) in WATCHED:
        OPENED.append(str(args[0]))


sys.addaudithook(_count_opens)  # an audit hook cannot be removed; it counts only WATCHED paths


@pytest.mark.parametrize(("name", "data"), [
    ("array.json", json.dumps([TEXT] * 3)),
    ("wrapped.json", json.dumps({"data": [TEXT] * 3}, indent=1)),
    ("array.json.gz", json.dumps([TEXT] * 3)),
    ("d.csv", "instruction,output\nq,a\n"),
    ("d.jsonl", lines(TEXT)),
])
def test_the_ladder_opens_the_file_once(tmp_path: Path, name: str, data: str) -> None:
    path = write(tmp_path, name, data)
    WATCHED.add(path)
    OPENED.clear()
    open_data(path)
    assert OPENED == [path]
