"""Where records come from: file formats, sniffing, and record iterators.

JSON Lines is not read here: the scanner streams it in blocks (ftprep.scan).
CSV, TSV and Parquet go through polars, which is fast on flat tables; a JSON
array is decoded whole with msgspec. Every iterator yields
`(line, row, record)` with `line` None where a format has no lines.
"""

from __future__ import annotations

import gzip
import os
import typing as t
from pathlib import Path

import msgspec

FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet",
}
SUFFIXES = tuple(FORMATS) + tuple(f"{s}.gz" for s in FORMATS if s != ".parquet")


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


def open_bytes(path: str | os.PathLike[str], gz: bool) -> t.BinaryIO:
    try:
        if gz:
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None


def sniff_json(path: str | os.PathLike[str], gz: bool) -> str:
    """A `.json` file may hold an array or JSON Lines; `datasets` reads both.
    A single object that wraps the records (`{"data": [...]}`) is "wrapped":
    the trainer would see one row."""
    with open_bytes(path, gz) as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{") and os.path.getsize(path) < (256 << 20):
        with open_bytes(path, gz) as f:
            data = f.read().removeprefix(b"\xef\xbb\xbf")
        try:
            doc = msgspec.json.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return "jsonl"
        if isinstance(doc, dict) and wrapped_key(doc):
            return "wrapped"
    return "jsonl"


def wrapped_key(doc: dict[str, t.Any]) -> str | None:
    return next((k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)), None)


class TableError(Exception):
    pass


def read_table(path: str | os.PathLike[str], fmt: str, gz: bool) -> t.Any:
    """A polars DataFrame of a CSV, TSV or Parquet file, every CSV cell as text
    (the trainer's `datasets` CSV reader sees text too; ftprep does not guess)."""
    import polars as pl

    try:
        if fmt == "parquet":
            return pl.read_parquet(path)
        source: t.Any = path
        if gz:
            with gzip.open(path, "rb") as f:
                source = f.read()
        return pl.read_csv(source, separator="\t" if fmt == "tsv" else ",", infer_schema=False,
                           encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False)
    except (OSError, FileNotFoundError) as e:
        raise SourceError(f"{path}: {e}") from None
    except Exception as e:  # polars raises its own ComputeError / ParquetError family
        raise TableError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None


def csv_line_starts(path: str | os.PathLike[str], gz: bool, sep: str = ",") -> list[int] | None:
    """1-based start line of each CSV record, honouring quoted newlines."""
    import csv
    import io

    with open_bytes(path, gz) as f:
        text = io.TextIOWrapper(f, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text, delimiter=sep)
        starts = []
        try:
            next(reader)
        except StopIteration:
            return []
        while True:
            start = reader.line_num + 1
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                return None
            starts.append(start)
    return starts


def json_array(path: str | os.PathLike[str], gz: bool) -> list[t.Any]:
    with open_bytes(path, gz) as f:
        data = f.read()
    return msgspec.json.decode(data.removeprefix(b"\xef\xbb\xbf"))
