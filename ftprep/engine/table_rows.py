"""A table's batches into the row engine: the bridge from Arrow's CSV blocks to
`RowChecker`, one function (`feed`), so that a columnar consumer can take the
blocks in its place.
"""

from __future__ import annotations

import typing as t

from ftprep.engine.arrow_scan import json_lines
from ftprep.engine.row_checker import RowChecker
from ftprep.engine.scan_state import Scan
from ftprep.reading.tables import block_records


def table_lines(block: t.Any) -> list[bytes] | None:
    """A pyarrow Table of string columns as the JSON lines `RowChecker.records`
    would encode its records into. polars' NDJSON writer spells keys, strings and
    nulls as msgspec does (tests/test_csv_agreement.py holds it to that), from
    Arrow's buffers without a Python object per cell. None where it would not:
    polars renames a column without a name."""
    if not all(block.column_names):
        return None
    return json_lines(block)


def feed(checker: RowChecker, scan: Scan, block: t.Any) -> None:
    """One batch into the row engine: records (the `csv` module's), or an Arrow
    block as JSON lines where no cell needs decoding (a conversation cell is
    json-loaded by `RowChecker.records`), else as records."""
    if isinstance(block, list):
        checker.records(scan, block)
    elif checker.conversation is None and (lines := table_lines(block)):
        checker.lines(scan, lines, False)
    else:
        checker.records(scan, block_records(block))


__all__ = ["feed", "table_lines"]
