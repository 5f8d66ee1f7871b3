"""Where records come from: file formats, sniffing, and record iterators.

JSON Lines is not read here: the scanner streams it in blocks (ftprep.scan).
CSV, TSV and Parquet go through polars, which is fast on flat tables; a JSON
array is decoded whole with msgspec. Every iterator yields
`(line, row, record)` with `line` None where a format has no lines.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import msgspec

from ftprep.limits import Bounds, BoundedGzip, DecompressionCapped, TooDeep, array_elements, bounds_of

FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet",
}
# Records read to infer the task from their keys.
PROBE_RECORDS = 200
SUFFIXES = tuple(FORMATS) + tuple(f"{s}.gz" for s in FORMATS if s != ".parquet")


def is_image_set(path: str, task: str | None = None) -> bool:
    """An input the image task reads: `--task image`, a folder, or a zip."""
    return task == "image" or (("://" not in path) and (os.path.isdir(path) or path.lower().endswith(".zip")))


class SourceError(Exception):
    """The input cannot be read at all (missing, a directory, unknown type): exit 2."""


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


def open_bytes(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> t.BinaryIO:
    """The file's bytes; a .gz decompressed within `bounds` (the defaults when None)."""
    try:
        if gz:
            return BoundedGzip(path, bounds or Bounds())  # type: ignore[return-value]
        return open(path, "rb")
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None


def probe_jsonl(path: str, gz: bool, bounds: Bounds | None = None) -> set[str]:
    """Keys of the first records, to infer the task: the first megabyte, and at
    least the first whole line however long it is."""
    keys: set[str] = set()
    try:
        with open_bytes(path, gz, bounds) as f:
            head = f.read(1 << 20)
            if b"\n" not in head:
                head += f.readline()
    except DecompressionCapped:
        return keys  # the scan reports it, at its line
    head = head.removeprefix(b"\xef\xbb\xbf")
    decoder = msgspec.json.Decoder()
    for line in head.split(b"\n")[:PROBE_RECORDS]:
        try:
            obj = decoder.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(obj, dict):
            keys.update(obj)
    return keys


def sniff_json(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> str:
    """A `.json` file may hold an array or JSON Lines; `datasets` reads both.
    A single object that wraps the records (`{"data": [...]}`) is "wrapped":
    the trainer would see one row. A file too deep or too big to decode here
    is left to the line scanner, which reports where."""
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
        if isinstance(doc, dict) and wrapped_key(doc):
            return "wrapped"
    return "jsonl"


def wrapped_key(doc: dict[str, t.Any]) -> str | None:
    return next((k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)), None)


class TableError(Exception):
    pass


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
        with open_bytes(self.path, self.gz, self.bounds) as f:
            text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter="\t" if self.fmt == "tsv" else ",")
            records: list[dict[str, t.Any]] = []
            lines: list[int | None] = []
            row = 0
            try:
                next(reader, None)  # the header, read by read_table
                while True:
                    start = reader.line_num + 1
                    try:
                        cells = next(reader)
                    except StopIteration:
                        break
                    if not cells:
                        continue  # a blank line is no record
                    if len(cells) > width:
                        self.broken.append((row, f"{len(cells)} fields, the header has {width}; pandas refuses the file"))
                    values = [c if c != "" else None for c in cells[:width]] + [None] * (width - len(cells))
                    records.append(dict(zip(self.columns, values)))
                    lines.append(start)
                    row += 1
                    if len(records) >= size:
                        yield records, lines
                        records, lines = [], []
            except csv.Error as e:
                raise TableError(f"line {reader.line_num}: {e}") from None
            except UnicodeDecodeError as e:
                raise TableError(f"near line {reader.line_num + 1}: invalid UTF-8 ({e.reason})") from None
            except DecompressionCapped:
                if records:  # the rows read before the bound are checked too
                    yield records, lines
                raise
            if records:
                yield records, lines


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
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        try:
            header = next(csv.reader(text, delimiter="\t" if fmt == "tsv" else ","), [])
        except (csv.Error, UnicodeDecodeError) as e:
            raise TableError(f"the header: {e}") from None
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
