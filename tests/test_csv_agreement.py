"""Arrow's block reader of CSV (ftprep.reading.csv_blocks) against the `csv`
module reader it stands in for: the same records, start lines, repaired and
swallowed records and errors, and the same JSON report, on every golden CSV,
on the JSON Lines goldens written as CSV by pandas and polars, and on
generated CSV text (quoted line breaks, CRLF, bare CR, blank lines, a BOM,
empty cells, doubled and stray quotes, unclosed quotes, ragged records, NUL,
bytes that are not UTF-8), read in tiny blocks and batches so that every cut
and every give-up point is crossed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.core.errors import TableError
from ftprep.reading import csv_blocks, tables

sys.path.insert(0, str(Path(__file__).parent))
from test_golden import CASES, case_args, case_input, run_case  # noqa: E402

FAST, SLOW = 0, 1 << 62


class Spy:
    """Counts the files Arrow's reader read to the end, and those it gave up on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole = self.gave_up = 0
        real = csv_blocks.read_blocks

        def spied(*args, **kwargs):  # type: ignore[no-untyped-def]
            handed = yield from real(*args, **kwargs)
            if handed is None:
                self.whole += 1
            else:
                self.gave_up += 1
            return handed

        monkeypatch.setattr(csv_blocks, "read_blocks", spied)


def both(monkeypatch: pytest.MonkeyPatch, run):  # type: ignore[no-untyped-def]
    """`run()` through the reference reader, then through Arrow's."""
    monkeypatch.setattr(tables, "ARROW_MIN_BYTES", SLOW)
    reference = run()
    monkeypatch.setattr(tables, "ARROW_MIN_BYTES", FAST)
    return reference, run()


CSV_CASES = [c for c in CASES if case_input(c).endswith((".csv", ".tsv"))]
JSONL_CASES = [c for c in CASES if case_input(c) == "input.jsonl" and "serve" not in case_args(c)
               and "hub" not in case_args(c)]


@pytest.mark.parametrize("case", CSV_CASES, ids=[c.name for c in CSV_CASES])
def test_golden_csv_agrees(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference, fast = both(monkeypatch, lambda: run_case(case))
    assert fast == reference
    assert reference == json.loads((case / "expected.json").read_text())


def test_golden_csv_mostly_read_by_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreement above is not the reference agreeing with itself: Arrow reads
    the plain cases to the end and gives up only on the broken ones."""
    spy = Spy(monkeypatch)
    monkeypatch.setattr(tables, "ARROW_MIN_BYTES", FAST)
    for case in CSV_CASES:
        run_case(case)
    assert spy.whole >= 4 and spy.gave_up >= 2, (spy.whole, spy.gave_up)


def as_csv(case: Path, writer: str, out: Path) -> Path | None:
    """A JSON Lines golden's records as a CSV, nested values as JSON text (None: no records)."""
    records = []
    for line in (case / "input.jsonl").read_bytes().splitlines():
        try:
            rec = msgspec.json.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(rec, dict):
            records.append(rec)
    if not records:
        return None
    columns = list(dict.fromkeys(k for r in records for k in r))

    def cell(v):  # type: ignore[no-untyped-def]
        return v if isinstance(v, str) or v is None else json.dumps(v, ensure_ascii=False)

    rows = [{c: cell(r.get(c)) for c in columns} for r in records]
    path = out / f"{case.name}.{writer}.csv"
    if writer == "pandas":
        import pandas as pd

        pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    else:
        import polars as pl

        pl.DataFrame(rows, schema={c: pl.String for c in columns}).write_csv(path)
    return path


def check_json(path: Path, args: dict) -> dict:
    args = dict(args)
    args.setdefault("min_rows", 1)
    return ftprep.check(str(path), **args).to_json()


@pytest.mark.parametrize("writer", ["pandas", "polars"])
def test_jsonl_goldens_as_csv_agree(writer: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spy = Spy(monkeypatch)
    compared = 0
    for case in JSONL_CASES:
        path = as_csv(case, writer, tmp_path)
        if path is None:
            continue
        args = case_args(case)
        if args.get("convert") or case.name.startswith("G"):
            continue  # convert's own keywords; reward functions run per row, covered by their goldens
        monkeypatch.chdir(case)
        reference, fast = both(monkeypatch, lambda: check_json(path, args))
        assert fast == reference, case.name
        compared += 1
    assert compared >= 50 and spy.whole >= compared * 0.8, (compared, spy.whole, spy.gave_up)


# -- generated CSV text -------------------------------------------------------

CELL = st.one_of(
    st.text(st.sampled_from('ab é,\n"\t\r'), max_size=8),
    st.sampled_from(["", " ", "NA", "001", "true", "[1, 2]", '[{"role":"user","content":"hi"}]', "x\r\ny", "\n\n"]),
)


@st.composite
def csv_text(draw, sep: str = ",") -> bytes:  # type: ignore[no-untyped-def]
    width = draw(st.integers(1, 3))
    newline = draw(st.sampled_from(["\n", "\r\n", "\n", "\r\n", "\r"]))
    header = ["instruction", "output", "extra"][:width]
    out = [sep.join(header) + newline]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "ragged", "stray", "raw"]))
        if kind == "blank":
            out.append(newline)
            continue
        if kind == "raw":
            out.append(draw(st.text(st.sampled_from('a,"\n\r'), max_size=10)))
            continue
        cells = [draw(CELL) for _ in range(width + (draw(st.sampled_from([-1, 1])) if kind == "ragged" else 0))]
        quoted = []
        for c in cells:
            if kind == "stray" and draw(st.booleans()):
                quoted.append(c + '"x')
            elif any(ch in c for ch in sep + '"\n\r') or draw(st.booleans()):
                quoted.append('"' + c.replace('"', '""') + '"')
            else:
                quoted.append(c)
        out.append(sep.join(quoted) + draw(st.sampled_from([newline, newline, "\n", "\r\n"])))
    text = "".join(out)
    if draw(st.booleans()) and text.endswith(("\n", "\r")):
        text = text.rstrip("\r\n")  # no line break at the end
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    damage = draw(st.sampled_from([None, None, None, b"\xff", b"\x00", b'"']))
    if damage is not None and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + damage + data[at:]
    return data


def table_reading(path: Path, size: int, gz: bool = False) -> tuple:
    """Everything a Table tells its readers: batches, repaired and swallowed records, the error."""
    try:
        table = tables.read_table(path, "tsv" if ".tsv" in path.name else "csv", gz)
    except TableError as e:
        return ("header", str(e), e.code, e.line)
    got, error = [], None
    try:
        for records, starts in table.batches(size):
            got.append((records, starts))
    except TableError as e:
        error = str(e)
    return got, table.broken, table.unclosed, error


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_text(), size=st.integers(1, 4), block=st.sampled_from([8, 32, 1 << 20]),
       long=st.sampled_from([12, 40, csv_blocks.LONG]))
def test_generated_csv_reads_alike(data: bytes, size: int, block: int, long: int, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    monkeypatch.setattr(csv_blocks, "BLOCK", block)
    monkeypatch.setattr(csv_blocks, "LONG", long)
    reference, fast = both(monkeypatch, lambda: table_reading(path, size))
    assert fast == reference


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_text("\t"), size=st.integers(1, 4), block=st.sampled_from([8, 1 << 20]))
def test_generated_tsv_gz_reads_alike(data: bytes, size: int, block: int, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(data))
    monkeypatch.setattr(csv_blocks, "BLOCK", block)
    reference, fast = both(monkeypatch, lambda: table_reading(path, size, gz=True))
    assert fast == reference


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_text(), task=st.sampled_from(["text", "chat"]))
def test_generated_csv_reports_alike(data: bytes, task: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    monkeypatch.setattr(csv_blocks, "BLOCK", 16)
    args = {"task": task} if task == "text" else {"task": "chat", "field_conversation": "instruction"}
    reference, fast = both(monkeypatch, lambda: check_json(path, args))
    assert fast == reference


def test_an_na_string_beside_a_conversation_as_json_text_counts(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A chat column's JSON text is decoded before its cells are typed: its NA strings are
    still read as null by pandas (L002), in both readers."""
    path = tmp_path / "t.csv"
    path.write_bytes(b'instruction\nNA\n","\n"[1, 2]"\n')
    args = {"task": "chat", "field_conversation": "instruction"}
    reference, fast = both(monkeypatch, lambda: check_json(path, args))
    assert fast == reference
    assert ("L002", 2) in {(d["code"], d["line"]) for d in reference["files"][0]["diagnostics"]}


def test_arrow_reads_crlf_blank_lines_and_quoted_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start lines across CRLF, blank lines (skipped, still counted) and line
    breaks inside quoted cells, read by Arrow to the end."""
    path = tmp_path / "t.csv"
    path.write_bytes(b'\xef\xbb\xbfa,b\r\n1,"x\r\ny"\r\n\r\n\r\n2,\r\n"3\n\n",z\r\n\n4,w')
    spy = Spy(monkeypatch)
    monkeypatch.setattr(csv_blocks, "BLOCK", 8)
    reference, fast = both(monkeypatch, lambda: table_reading(path, 2))
    assert fast == reference
    assert [s for _, starts in fast[0] for s in starts] == [2, 6, 7, 11]
    assert fast[0][0][0] == [{"a": "1", "b": "x\r\ny"}, {"a": "2", "b": None}]
    assert (spy.whole, spy.gave_up) == (1, 0)


def test_arrow_gives_up_on_a_stray_quote_after_whole_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{i},x{i}" for i in range(10)]
    rows[7] = '7,x"7'  # the csv module keeps the quote as text: Arrow cannot prove it reads it alike
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "\n".join(rows) + "\n")
    spy = Spy(monkeypatch)
    reference, fast = both(monkeypatch, lambda: table_reading(path, 3))
    assert fast == reference
    assert fast[0][2][0][1] == {"a": "7", "b": 'x"7'}
    assert (spy.whole, spy.gave_up) == (0, 1)


@pytest.mark.parametrize("block", [8, 1 << 20])
def test_arrow_gives_up_on_a_long_record(block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record of LONG bytes or more (a huge cell, or a quote that never closes and
    would grow the block to the end of the file) is the `csv` module's to read."""
    path = tmp_path / "t.csv"
    rows = [f"{i},x{i}" for i in range(9)]
    rows[6] = "6," + "y" * 300
    path.write_text("a,b\n" + "\n".join(rows) + '\n7,"never closed\n' + "8,z\n" * 50)
    monkeypatch.setattr(csv_blocks, "BLOCK", block)
    handed: list[int] = []  # the rows Arrow handed on before the `csv` module read on
    real = tables.Table._csv

    def reference(self, size, skip=0):  # type: ignore[no-untyped-def]
        handed.append(skip)
        return real(self, size, skip)

    monkeypatch.setattr(tables.Table, "_csv", reference)
    for long, rows_handed in ((200, 6), (1 << 20, 9)):
        monkeypatch.setattr(csv_blocks, "LONG", long)
        spy = Spy(monkeypatch)

        def run() -> tuple:
            handed.clear()
            return table_reading(path, 3)

        reference, fast = both(monkeypatch, run)
        assert fast == reference
        assert fast[2] and fast[2][0][0] == 11  # the unclosed quote, as the csv module reports it
        assert (spy.whole, spy.gave_up, handed) == (0, 1, [rows_handed])


def test_small_files_never_import_arrow(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "t.csv"
    path.write_text("instruction,output\nhi,there\n")
    script = ("import sys, ftprep; ftprep.check(sys.argv[1], task='text');"
              "print(sorted(m for m in ('pyarrow', 'numpy', 'polars') if m in sys.modules))")
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


# -- pandas' typing of CSV cells, column-wise ---------------------------------

TYPED_CELL = st.one_of(st.none(), st.sampled_from(["NA", "null", "nan", "001", "16", " 7 ", "+3", "-0", "1.5", "1e3",
                                                   ".5", "inf", "true", "False", "x", "", "٣", "9" * 20, "1_000"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=st.lists(st.lists(TYPED_CELL, min_size=1, max_size=1).map(lambda c: c * 3) | st.lists(TYPED_CELL),
                        min_size=1, max_size=3), rows=st.integers(1, 23), cut=st.integers(1, 9),
       chunk=st.integers(1, 7), mixed=st.booleans())
def test_csv_types_column_wise_agree(columns: list, rows: int, cut: int, chunk: int, mixed: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """CsvTypes over Arrow blocks (and blocks followed by records, as when Arrow's
    reader gives up) finds what it finds over the records, chunk by chunk."""
    import pyarrow as pa

    from ftprep.engine import csvtypes

    monkeypatch.setattr(csvtypes, "CSV_CHUNK", chunk)
    names = [f"c{i}" for i in range(len(columns))]
    cells = [[col[(r * 7 + k) % len(col)] if col else None for k, col in enumerate(columns)] for r in range(rows)]
    records = [dict(zip(names, row)) for row in cells]
    reference = csvtypes.CsvTypes([*names, "absent"])
    for i in range(0, rows, cut):
        reference.batch(records[i:i + cut])
    fast = csvtypes.CsvTypes([*names, "absent"])
    for i in range(0, rows, cut):
        if mixed and i >= rows // 2:
            fast.batch(records[i:i + cut])
        else:
            fast.block(pa.table({n: pa.array([r[n] for r in records[i:i + cut]], pa.string()) for n in names}))
    assert fast.findings("text") == reference.findings("text")
    assert (fast.na, fast.na_count, fast.changed, fast.changed_count, fast.dtype) == (
        reference.na, reference.na_count, reference.changed, reference.changed_count, reference.dtype)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True),
       rows=st.lists(st.lists(st.one_of(st.none(), st.text()), min_size=3, max_size=3), min_size=1, max_size=6))
def test_block_lines_are_the_records_lines(names: list[str], rows: list[list[str | None]]) -> None:
    """The bridge that writes an Arrow block as JSON lines with polars writes
    the bytes msgspec writes for the same records (the row engine reads both)."""
    import pyarrow as pa

    from ftprep.engine.table_rows import table_lines

    block = pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})
    records = [dict(zip(names, r)) for r in rows]
    written = table_lines(block)
    assert written == (msgspec.json.Encoder().encode_lines(records).split(b"\n")[:-1] if all(names) else None)


def test_decompression_bound_reports_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .csv.gz past --max-decompressed: the rows before the bound and the P014, as the `csv` module reads them."""
    import gzip

    rows = "".join(f'row {i},"answer\n{i}"\n' for i in range(40_000))
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(("instruction,output\n" + rows).encode()))
    spy = Spy(monkeypatch)
    args = {"task": "text", "max_decompressed": 300_000}
    reference, fast = both(monkeypatch, lambda: check_json(path, args))
    assert fast == reference
    assert "P014" in {d["code"] for f in fast["files"] for d in f["diagnostics"]}
    assert spy.gave_up == 1


def test_truncated_gz_reports_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .csv.gz cut short: Arrow's reader, reading ahead, meets the break sooner; the report is the reference's."""
    import gzip

    rows = "".join(f'row {i},"answer {i * 7919 % 10007}"\n' for i in range(60_000))
    whole = gzip.compress(("instruction,output\n" + rows).encode())
    path = tmp_path / "t.csv.gz"
    path.write_bytes(whole[:len(whole) * 2 // 3])
    spy = Spy(monkeypatch)

    def run() -> object:
        try:
            return check_json(path, {"task": "text"})
        except Exception as e:  # the same failure, if it is one
            return type(e).__name__, str(e)

    reference, fast = both(monkeypatch, run)
    assert fast == reference
    assert spy.gave_up == 1
