"""Where records come from: file formats, sniffing, and record iterators.

JSON Lines is not read here: the scanner streams it in blocks (ftprep.engine.scan).
CSV, TSV and Parquet go through polars, which is fast on flat tables; a JSON
array is decoded whole with msgspec. Every iterator yields
`(line, row, record)` with `line` None where a format has no lines.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import msgspec

# Opening files lives in ftprep.disk.inputs; its names are re-exported for the readers here and beyond.
from ftprep.disk.inputs import STDIN_FORMATS, SourceError, local_file, not_regular, open_bytes, stdin_copy  # noqa: F401
from ftprep.core.bounds import Bounds, DecompressionCapped, TooDeep, bounds_of  # noqa: F401
from ftprep.disk.streams import BoundedGzip, array_elements  # noqa: F401
from ftprep.reading.jsonl_head import PROBE_RECORDS, HeadFirst, probe_jsonl, probed_jsonl  # noqa: F401

FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet",
}
# Records handed on at a time from a table (CSV, TSV, Parquet).
TABLE_BATCH = 5_000
SUFFIXES = tuple(FORMATS) + tuple(f"{s}.gz" for s in FORMATS if s != ".parquet")


def is_image_set(path: str, task: str | None = None) -> bool:
    """An input the image task reads: `--task image`, or (no task given) a zip or a
    folder not named like a data file. A folder named `x.jsonl` is a mistake, not images."""
    if task is not None or "://" in path:
        return task == "image"
    lower = path.lower().rstrip("/\\")
    if lower.endswith(SUFFIXES):
        return False
    return os.path.isdir(path) or lower.endswith(".zip")


def format_of(path: str | os.PathLike[str]) -> tuple[str, bool]:
    """(format, gzipped) from the file name."""
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            if fmt == "parquet" and gz:
                break
            return fmt, gz
    raise SourceError(f"{path}: unknown file type; expected one of {', '.join(SUFFIXES)}")


def sniff_json(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> str:
    """A `.json` file may hold an array or JSON Lines; `datasets` reads both.
    A single object that wraps the records (`{"data": [...]}`) is "wrapped",
    one that is itself a record (`{"conversations": [...messages]}`) is
    "record": the trainer would see one row either way. A file too deep or too
    big to decode here is left to the line scanner, which reports where."""
    with open_bytes(path, gz, bounds) as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{") and os.path.getsize(path) < (256 << 20):
        try:
            with open_bytes(path, gz, bounds) as f:
                data = f.read().removeprefix(b"\xef\xbb\xbf")
            doc = msgspec.json.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, DecompressionCapped):
            return "jsonl"
        if isinstance(doc, dict) and one_record(doc, multiline=b"\n" in data.strip()):
            return "record"
        if isinstance(doc, dict) and wrapped_key(doc):
            return "wrapped"
    return "jsonl"


def one_record(doc: dict[str, t.Any], multiline: bool) -> bool:
    """An object that is itself one record, not a wrapper of records: its list
    holds messages (one conversation, as axolotl's `conversation.json`), or it
    has no list of objects and spans several lines (a pretty-printed record)."""
    key = wrapped_key(doc)
    if key is None:
        return multiline
    return all(("role" in m or "from" in m) and ("content" in m or "value" in m) for m in doc[key])


def wrapped_key(doc: dict[str, t.Any]) -> str | None:
    return next((k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)), None)


class TableError(Exception):
    """A table that cannot be read on: P006, or the code and line given."""

    def __init__(self, message: str, code: str = "P006", line: int | None = None) -> None:
        super().__init__(message)
        self.code, self.line = code, line


class Table:
    """A CSV, TSV or Parquet file read as batches of records, in bounded memory.

    CSV and TSV stream through the `csv` module, with the exact line where
    each record starts; an empty cell is null, as the trainer's pandas-based
    loader reads it. Parquet streams row groups through pyarrow when it is
    installed (it comes with `datasets`), else polars reads it whole.
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str, gz: bool, columns: list[str], frame: t.Any = None,
                 bounds: Bounds | None = None) -> None:
        self.path, self.fmt, self.gz, self.columns, self.frame = path, fmt, gz, columns, frame
        self.bounds = bounds
        # (row index within the file, message) of records the reader had to repair.
        self.broken: list[tuple[int, str]] = []
        # (line where the quote opened, message): records an unclosed quote swallowed (P011).
        self.unclosed: list[tuple[int, str]] = []

    def batches(self, size: int) -> t.Iterator[tuple[list[dict[str, t.Any]], list[int | None]]]:
        """(records, start line of each) batches; raises TableError when reading cannot go on."""
        if self.fmt != "parquet":
            yield from self._csv(size)
            return
        try:
            if self.frame is None:
                import pyarrow.parquet as pq

                # No pre-buffering and no reader threads: memory stays near one row group.
                parquet = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)
                for batch in parquet.iter_batches(batch_size=size, use_threads=False):
                    records = batch.to_pylist()
                    yield records, [None] * len(records)
            else:
                for start in range(0, self.frame.height, size):
                    records = self.frame.slice(start, size).to_dicts()
                    yield records, [None] * len(records)
        except Exception as e:  # pyarrow's and polars' own error families
            raise TableError(first_line(e)) from None

    def _csv(self, size: int) -> t.Iterator[tuple[list[dict[str, t.Any]], list[int | None]]]:
        import csv
        import io

        csv.field_size_limit(1 << 30)  # chat rows in a cell easily pass the 128 KiB default
        width = len(self.columns)
        delimiter = "\t" if self.fmt == "tsv" else ","
        with open_bytes(self.path, self.gz, self.bounds) as f:
            text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
            lines = Lines(text)
            reader = csv.reader(lines.lines, delimiter=delimiter)
            records: list[dict[str, t.Any]] = []
            starts: list[int | None] = []
            row = 0
            try:
                next(reader, None)  # the header, read by read_table
                while True:
                    start = reader.line_num + 1
                    lines.record.clear()
                    try:
                        cells = next(reader)
                    except StopIteration:
                        break
                    if not cells:
                        continue  # a blank line is no record
                    if reader.line_num > start:  # a quoted cell ran past a line ending
                        why = unclosed(cells, lines.record, width, delimiter, start, reader.line_num, lines.ended)
                        if why:
                            self.unclosed.append((start, why))
                            continue  # not a row anyone would train on: P011 stands for it
                    if len(cells) > width:
                        self.broken.append((row, f"{len(cells)} fields, the header has {width}; pandas refuses the file"))
                    values = [c if c != "" else None for c in cells[:width]] + [None] * (width - len(cells))
                    records.append(dict(zip(self.columns, values)))
                    starts.append(start)
                    row += 1
                    if len(records) >= size:
                        yield records, starts
                        records, starts = [], []
            except csv.Error as e:
                raise TableError(f"line {reader.line_num}: {e}") from None
            except UnicodeDecodeError as e:
                raise TableError(f"near line {reader.line_num + 1}: invalid UTF-8 ({e.reason})") from None
            except DecompressionCapped:
                if records:  # the rows read before the bound are checked too
                    yield records, starts
                raise
            if records:
                yield records, starts


class Lines:
    """A text's lines for `csv.reader` (iterate `lines`). It keeps the raw lines of the
    record being read (`record`), and notes when the lines run out: a record the reader
    returns after that ended inside a quoted field, the file ended before the quote closed."""

    def __init__(self, text: t.Iterable[str]) -> None:
        self.ended = False
        self.record: list[str] = []
        self.lines = self._lines(text)

    def _lines(self, text: t.Iterable[str]) -> t.Iterator[str]:
        keep = self.record.append  # a generator: cheaper per line than a __next__ method
        for line in text:
            keep(line)
            yield line
        self.ended = True


# A multi-line record is a swallow when no CSV writer could have written it (a
# quote closes mid-field) and at least SWALLOW_LINES of its lines, SWALLOW_SHARE
# of them, look like rows of the file: the header's number of fields, and no
# quote (a quote would have closed the cell sooner).
SWALLOW_LINES = 5
SWALLOW_SHARE = 0.8
UNCLOSED_HINT = 'close the quote, or double a quote that is part of the text ("")'


def unclosed(cells: list[str], raw: list[str], width: int, delimiter: str, start: int, end: int,
             at_eof: bool) -> str | None:
    """Why a record spanning lines `start`..`end` is an unclosed quote, or None when it
    reads as a multi-line cell. pandas (the trainer's CSV reader) fails on a quote still
    open at the end of the file ("EOF inside string"); a quote closed by a stray one
    further on reads every row between as one cell. A record a CSV writer could have
    written (strictly parseable) is never a finding, whatever its cells hold."""
    import csv

    spanned = end - start + 1
    if at_eof:
        return (f"a quoted field opened on line {start:,} is never closed: it runs {spanned:,} lines to the end "
                "of the file, swallowing every row after it; the trainer's CSV reader (pandas) fails on it "
                "(EOF inside string)")
    if width < 2:
        return None  # one column: no delimiter tells a row from a line of text
    inner = [ln for c in cells if "\n" in c for ln in c.replace("\r\n", "\n").split("\n")]
    if len(inner) < SWALLOW_LINES:
        return None
    alike = sum(1 for ln in inner if '"' not in ln and ln.count(delimiter) == width - 1)
    if alike < SWALLOW_SHARE * len(inner):
        return None
    try:
        for _ in csv.reader(raw, delimiter=delimiter, strict=True):
            pass
        return None
    except csv.Error:
        pass
    return (f"a quoted field opened on line {start:,} runs {spanned:,} lines to line {end:,}, where a stray quote "
            f"closes it; {alike:,} of its lines look like rows of this file, and the trainer would read them "
            "as one cell")


def first_line(e: BaseException) -> str:
    """An exception's first non-empty line, or its type's name."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def read_table(path: str | os.PathLike[str], fmt: str, gz: bool, bounds: Bounds | None = None) -> Table:
    """Open a CSV, TSV or Parquet file: its columns now, its records in batches."""
    if fmt == "parquet":
        try:
            try:
                import pyarrow.parquet as pq
            except ImportError:
                import polars as pl

                frame = pl.read_parquet(path)
                return Table(path, fmt, gz, list(frame.columns), frame)
            return Table(path, fmt, gz, list(pq.ParquetFile(path).schema_arrow.names))
        except FileNotFoundError as e:
            raise SourceError(f"{path}: {e}") from None
        except Exception as e:
            raise TableError(first_line(e)) from None
    import csv
    import io

    csv.field_size_limit(1 << 30)
    with open_bytes(path, gz, bounds) as f:
        lines = Lines(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
        try:
            header = next(csv.reader(lines.lines, delimiter="\t" if fmt == "tsv" else ","), [])
        except (csv.Error, UnicodeDecodeError) as e:
            raise TableError(f"the header: {e}") from None
        if header and lines.ended:  # the header's own quote never closed
            raise TableError(unclosed(header, lines.record, len(header), ",", 1, len(lines.record), True) or "",
                             "P011", 1)
    return Table(path, fmt, gz, header, bounds=bounds)


def json_array(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> list[t.Any]:
    """A JSON file's top-level value. When a record is nested too deeply to
    decode, the array is decoded record by record and that one is a TooDeep."""
    with open_bytes(path, gz, bounds) as f:
        data = f.read().removeprefix(b"\xef\xbb\xbf")
    try:
        return msgspec.json.decode(data)
    except RecursionError:
        pass
    decoder = msgspec.json.Decoder()
    out: list[t.Any] = []
    for start, end in array_elements(data):
        part = data[start:end]
        try:
            out.append(decoder.decode(part))
        except RecursionError:
            lead = len(part) - len(part.lstrip())
            out.append(TooDeep(data.count(b"\n", 0, start + lead) + 1))
    return out
