"""The reading ladder: what a local data file is, before its rows are read.

The name gives the format (`format_of`); a `.json` file is sniffed (an array,
JSON Lines, an object wrapping the records, or one record); a table's header
is read, a JSON file decoded, a JSON Lines file's first records probed for
their keys. What stops the trainer before any row is an early finding: a
table that cannot be read (P006, P011 for a quote left open in the header),
JSON that does not decode (P001), a top level that is not an array of records
(P009). `check` and the record reader (convert, render, stats) both start here.
"""

from __future__ import annotations

import dataclasses
import typing as t

import msgspec

from ftprep.core.bounds import Bounds
from ftprep.core.diagnostics import Diagnostic
from ftprep.disk.inputs import local_file
from ftprep.reading.formats import format_of
from ftprep.core.errors import TableError
from ftprep.reading.json_documents import json_document
from ftprep.reading.jsonl_head import PROBE_RECORDS, HeadFirst, probed_jsonl
from ftprep.reading.tables import Table, read_table
from ftprep.reading.unclosed_quotes import UNCLOSED_HINT

TABLE_FORMATS = ("csv", "tsv", "parquet")
# A `.json` object that the trainer would read as one row: (message, hint) of its P009.
ONE_ROW = {
    "record": ("the top level is one record (an object), not an array of records; the trainer reads one row",
               "ftprep convert reads it as one record and writes JSON Lines; add the other records"),
    "wrapped": ("the top level is an object wrapping the records; the trainer would read it as one row",
                "write the records as a JSON array or JSON Lines (ftprep convert does)"),
}


@dataclasses.dataclass
class Opening:
    """What the ladder found in one file.

    `fmt`: "jsonl", "json" (an array), "csv", "tsv", "parquet", or, for a `.json`
    object, "record" (it is one record) or "wrapped" (it wraps the records).
    `columns`: the keys of the first records (a table's header, in its order;
    sorted for JSON and JSON Lines). `table`: the open table, whose records are
    read in batches. `records`: a JSON file's records (the array, the wrapped
    list, or the one record in a list). `finding`: what the trainer stops at
    before any row; `check` reports it alone. A "record" or "wrapped" file has
    its P009 and its records both: convert reads them on, to write JSON Lines.
    """

    fmt: str
    gz: bool
    columns: list[str] = dataclasses.field(default_factory=list)
    table: Table | None = None
    records: list[t.Any] | None = None
    finding: Diagnostic | None = None
    # JSON Lines: the file still open, its probed head buffered, for the one pass over the rows
    # (None when a .gz bound was hit in the head: the pass opens it again and reports the bound).
    head: HeadFirst | None = None


def open_data(path: str, bounds: Bounds | None = None, shown: str | None = None) -> Opening:
    """Climb the ladder for the local file `path`; findings name `shown` (default:
    `path`). Raises SourceError (an unknown suffix, not a regular file), and, from
    a .gz, DecompressionCapped (a JSON array or a CSV header past the bound) and
    the gzip errors: the caller reports those (P014, P010) as it does for the rows."""
    fmt, gz = format_of(path)
    local_file(path)
    where = shown or path
    if fmt in TABLE_FORMATS:
        try:
            table = read_table(path, fmt, gz, bounds)
        except TableError as e:
            return Opening(fmt, gz, finding=Diagnostic(e.code, f"cannot read {fmt}: {e}", where, line=e.line,
                                                       hint=UNCLOSED_HINT if e.code == "P011" else None))
        return Opening(fmt, gz, list(table.columns), table=table)
    if fmt == "json":
        try:
            fmt, records = json_document(path, gz, bounds)
        except (msgspec.DecodeError, UnicodeDecodeError) as e:
            return Opening("json", gz, finding=Diagnostic("P001", f"invalid JSON: {e}", where))
        if fmt != "jsonl":
            if not isinstance(records, list):
                return Opening(fmt, gz, finding=Diagnostic("P009", "the top level is not an array of records", where))
            columns = sorted({k for r in records[:PROBE_RECORDS] if isinstance(r, dict) for k in r})
            finding = None
            if fmt in ONE_ROW:
                message, hint = ONE_ROW[fmt]
                finding = Diagnostic("P009", message, where, hint=hint)
            return Opening(fmt, gz, columns, records=records, finding=finding)
    keys, head = probed_jsonl(path, gz, bounds)  # one open: the rows are read on from the probed head
    return Opening("jsonl", gz, sorted(keys), head=head)


__all__ = ["Opening", "open_data"]
