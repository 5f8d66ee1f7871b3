"""The load stage's findings for one file: type inference (ftprep.engine.inference,
ftprep.engine.csvtypes) and datasets' chunked reading of JSON Lines.
"""

from __future__ import annotations

import os
import typing as t

import msgspec

from ftprep.engine import inference
from ftprep.engine.csvtypes import CsvTypes
from ftprep.disk.inputs import open_bytes
from ftprep.tasks.base import Finding


def kept_columns(task: t.Any, opts: t.Any) -> list[str] | None:
    """The columns prep keeps and str()s (GRPO keeps its extra columns: all)."""
    if task.name == "grpo":
        return None
    return list(dict.fromkeys(task.mapped(opts).values()))


# datasets' JsonConfig.chunksize: JSON Lines are read, and typed, 10 MiB at a time,
# every later chunk cast to the first chunk's types.
JSON_CHUNK = 10 << 20


def first_chunk_dates(source: tuple[str, bool], types: inference.ColumnTypes, kept: t.Collection[str] | None,
                      place: inference.Place) -> list[tuple[int, Finding]]:
    """Columns whose values are all ISO dates in datasets' first chunk of a JSON
    Lines file but not after it: the load then fails. Only files over one chunk
    whose column starts with a date and holds other strings are read again
    (its first chunk only)."""
    file, gz = source
    candidates = []
    for col, counts in types.count.items():
        first = types.first[col]
        if "[]" in col or (kept is not None and col not in kept) or not (counts.get("date") and counts.get("string")):
            continue
        others = [rows[0] for k, rows in first.items() if k not in ("date", "null") and rows]
        if first["date"][0] < min(others):
            candidates.append(col)
    if not candidates or (not gz and os.path.getsize(file) <= JSON_CHUNK):
        return []
    with open_bytes(file, gz) as f:
        batch = f.read(JSON_CHUNK)
        if len(batch) < JSON_CHUNK:
            return []
        batch += f.readline()
    decode = msgspec.json.Decoder().decode
    values: dict[str, list[t.Any]] = {c: [] for c in candidates}
    for line in batch.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        try:
            obj = decode(line) if line.strip() else None
        except (msgspec.DecodeError, UnicodeDecodeError):
            continue
        if isinstance(obj, dict):
            for c in candidates:
                values[c].append(obj.get(c))
    out = []
    for col in candidates:
        present = [v for v in values[col] if v is not None]
        if present and all(inference.kind_of(v) == "date" for v in present):
            later = types.first[col]["string"][0]
            out.append((later, Finding(
                "L006", f"column '{col}' holds only ISO dates in datasets' first 10 MiB chunk ({len(present):,} "
                f"rows) but other text later (first at {place(later)}): datasets 2.21 (the validator's) and 5.2 "
                "type the column as timestamps from that chunk and fail on the first later non-date "
                "(ArrowInvalid: Failed to parse string ... as a scalar of type timestamp[s])", col,
                "write Parquet, which keeps strings as strings (ftprep convert -o data.parquet)")))
    return out


def diagnostics(types: inference.ColumnTypes, cells: CsvTypes | None, fmt: str, task: t.Any, opts: t.Any,
                path: str, line_of: t.Callable[[int], int | None],
                source: tuple[str, bool] | None = None) -> list[t.Any]:
    """The type-inference diagnostics of one file, placed at their first row.
    `source`: the file read and whether it is gzipped (for the chunk test)."""
    from ftprep.core.diagnostics import Diagnostic

    def place(row: int) -> str:
        line = line_of(row)
        return f"line {line}" if line else f"record {row + 1}"

    if fmt in ("csv", "tsv"):
        found = cells.findings(task.name, place) if cells is not None else []
    elif fmt in ("json", "jsonl"):
        found = inference.json_findings(types, kept_columns(task, opts), fmt == "json", place)
        if fmt == "jsonl" and source is not None:
            found += first_chunk_dates(source, types, kept_columns(task, opts), place)
    else:  # Parquet stores its types: nothing is inferred
        found = []
    out = []
    for row, f in found:
        line = line_of(row)
        out.append(Diagnostic(f.code, f.message, path, line=line, row=row, field=f.field, hint=f.hint))
    return out
