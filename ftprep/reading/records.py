"""The one reader of records: every input format to (line, row, record or
Diagnostic), for convert, render and stats.

A record that cannot be read is a `Diagnostic` in the stream, never an
exception: a broken .gz is one P010, a decompression bound one P014 at the
line reached, a record too deep to decode one P013, and the rows before
them still arrive.
"""

from __future__ import annotations

import typing as t

import msgspec

from ftprep.reading.read_findings import GZIP_ERRORS, undecompressable
from ftprep.core.diagnostics import Diagnostic
from ftprep.core.bounds import Bounds, TooDeep
from ftprep.core.errors import DecompressionCapped, TableError
from ftprep.disk.streams import numbered_lines
from ftprep.reading.read_findings import capped_diagnostic, too_deep
from ftprep.reading.parse_errors import decode_error
from ftprep.disk.inputs import open_bytes
from ftprep.reading.jsonl_head import HeadFirst
from ftprep.reading.ladder import open_data
from ftprep.reading.tables import TABLE_BATCH
from ftprep.reading.unclosed_quotes import UNCLOSED_HINT

Source = t.Iterator[tuple[int | None, int, t.Any]]


def read_records(path: str, bounds: Bounds | None = None) -> tuple[list[str], Source]:
    """(columns seen in the first records, iterator of (line, row, record or Diagnostic))."""
    opening = open_data(path, bounds)
    fmt, df = opening.fmt, opening.table
    if df is not None:

        def table() -> Source:
            i = 0
            try:
                for records, lines in df.batches(TABLE_BATCH):
                    broken = dict(df.broken)  # filled as each batch is read
                    for rec, line in zip(records, lines):
                        if i in broken:
                            yield line, i, Diagnostic("P006", broken[i], path, line=line, row=i)
                        else:
                            yield line, i, rec
                        i += 1
            except TableError as e:
                yield None, i, Diagnostic("P006", f"cannot read {fmt} after {i:,} rows: {e}", path)
            for line, message in df.unclosed:  # no row: convert refuses, even with --drop-invalid
                yield line, i, Diagnostic("P011", message, path, line=line, hint=UNCLOSED_HINT)

        return opening.columns, table()
    if opening.records is not None:  # a JSON array; a wrapped object or one record is read on (convert writes rows)
        return opening.columns, ((None, i, too_deep(path, r.line, i) if isinstance(r, TooDeep) else r)
                                 for i, r in enumerate(opening.records))
    if opening.finding is not None:  # the trainer stops before any row: P001, P006, P009, P011
        return [], iter([(None, 0, opening.finding)])
    return opening.columns, _jsonl(path, opening.gz, bounds, opening.head)


def _jsonl(path: str, gz: bool, bounds: Bounds | None = None, head: HeadFirst | None = None) -> Source:
    decoder = msgspec.json.Decoder()
    row = 0
    # A HeadFirst reads as the file it fronts.
    with t.cast("t.BinaryIO", head) if head is not None else open_bytes(path, gz, bounds) as f:
        for n, raw in numbered_lines(f):
            if n == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            text = raw.strip()
            if not text:
                continue
            try:
                yield n, row, decoder.decode(text)
            except (msgspec.DecodeError, UnicodeDecodeError) as e:
                bad = decode_error(text, e, truncated=not raw.endswith(b"\n"), lead=len(raw) - len(raw.lstrip()))
                yield n, row, Diagnostic(bad.code, bad.message, path, line=n, row=row, hint=bad.hint, column=bad.column)
            except RecursionError:
                yield n, row, too_deep(path, n, row)
            row += 1


def guarded_records(path: str, bounds: Bounds | None = None) -> tuple[list[str], Source]:
    """`read_records`, where a broken .gz stream is one P010 record and a bound
    hit one P014 record (at the line reached), never an exception."""
    try:
        columns, records = read_records(path, bounds)
    except GZIP_ERRORS as e:
        return [], iter([(None, 0, undecompressable(e, path))])
    except DecompressionCapped as e:
        return [], iter([(None, 0, capped_diagnostic(e, path))])
    return columns, _guarded(records, path)


def _guarded(records: Source, src: str) -> Source:
    """Records until a .gz stream breaks or hits its bound; then one P010 or P014 and stop."""
    try:
        yield from records
    except GZIP_ERRORS as e:
        yield None, 0, undecompressable(e, src)
    except DecompressionCapped as e:
        yield e.line, 0, capped_diagnostic(e, src)


__all__ = ["Source", "guarded_records", "read_records"]
