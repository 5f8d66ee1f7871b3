"""Records from in-memory data: polars and pandas DataFrames, pyarrow Tables,
`datasets` Datasets and DatasetDicts, and lists of dicts.

What the trainer sees of such data is what `ftprep push` uploads: the rows
written as JSON Lines. So an object becomes exactly those lines (`write_jsonl`),
and check, convert and push read them as they read a file: one engine, one set
of rules, and the load-stage findings (a date column, mixed types) judged on
the bytes the trainer's loader will parse.

The typed kinds go through Arrow, as `datasets.Dataset.from_polars` /
`from_pandas` do: a null or a pandas NaN is null, a category its string, a date
its ISO text. A polars NaN float stays NaN in Arrow and is written as null,
as JSON has no NaN. A pandas index is not data and is not written (datasets'
`from_pandas` would add a non-default index as `__index_level_0__`).

The libraries are never imported to recognise an object: its type's module
names it, so a path costs nothing here.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import typing as t

import msgspec

from ftprep.reading.tables import TABLE_BATCH

# What a kind is called in reports when no `name` is given.
LABELS = {"polars": "<polars.DataFrame>", "pandas": "<pandas.DataFrame>", "pyarrow": "<pyarrow.Table>",
          "dataset": "<datasets.Dataset>", "dataset_dict": "<DatasetDict>", "list": "<list>"}
# A row that cannot be written as JSON: an invalid JSON line, so the reader
# reports it at its row (P001), and `Written.unwritable` says why.
UNWRITABLE_LINE = b"{\n"


def kind_of(data: t.Any) -> str | None:
    """The kind of in-memory data, or None for a path (or a list of paths)."""
    module = type(data).__module__ or ""
    name = type(data).__name__
    if module.startswith("polars") and name == "DataFrame":
        return "polars"
    if module.startswith("pandas") and name == "DataFrame":
        return "pandas"
    if module.startswith("pyarrow") and name == "Table":
        return "pyarrow"
    if module.startswith("datasets") and name == "Dataset":
        return "dataset"
    if module.startswith("datasets") and name == "DatasetDict":
        return "dataset_dict"
    if isinstance(data, list) and data and not all(isinstance(x, (str, os.PathLike)) for x in data):
        return "list"
    return None


def splits(data: t.Any, name: str | None = None) -> list[tuple[str, t.Any]]:
    """(report name, data) per part: one, or each split of a DatasetDict as `<DatasetDict>[train]`."""
    kind = kind_of(data)
    label = name or LABELS[kind or "list"]
    if kind == "dataset_dict":
        return [(f"{label}[{split}]", part) for split, part in data.items()]
    return [(label, data)]


def batches(data: t.Any) -> t.Iterator[list[t.Any]]:
    """The records of one part, in batches, as Python values."""
    kind = kind_of(data)
    if kind == "list" or isinstance(data, list):
        for start in range(0, len(data), TABLE_BATCH):
            yield data[start:start + TABLE_BATCH]
        return
    if kind == "dataset":  # its own iterator: it applies any selection or shuffle (indices mapping)
        for table in data.with_format("arrow").iter(batch_size=TABLE_BATCH):
            yield table.to_pylist()
        return
    table = arrow_table(data, kind)
    for batch in table.to_batches(max_chunksize=TABLE_BATCH):
        yield batch.to_pylist()


def arrow_table(data: t.Any, kind: str | None) -> t.Any:
    import pyarrow as pa

    if kind == "polars":
        return data.to_arrow()
    if kind == "pandas":
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            # A column Arrow cannot type (mixed objects): its values as they are; `written_value` encodes them.
            return _pandas_rows(data)
    if kind == "pyarrow":
        return data
    raise TypeError(f"not in-memory data: {type(data).__name__}")


class _Rows:
    """A pandas frame Arrow refused, as records in the shape `arrow_table` returns."""

    def __init__(self, records: list[dict[str, t.Any]]) -> None:
        self.records = records

    def to_batches(self, max_chunksize: int) -> t.Iterator[_Rows]:
        for start in range(0, len(self.records), max_chunksize):
            yield _Rows(self.records[start:start + max_chunksize])

    def to_pylist(self) -> list[dict[str, t.Any]]:
        return self.records


def _pandas_rows(df: t.Any) -> _Rows:
    import math

    def cell(v: t.Any) -> t.Any:
        return None if isinstance(v, float) and math.isnan(v) else v

    return _Rows([{str(k): cell(v) for k, v in rec.items()} for rec in df.to_dict("records")])


def written_value(value: t.Any) -> t.Any:
    """msgspec's hook for values JSON does not have: a numpy value as its Python value
    (an array a list), a pandas Timestamp as ISO text like any datetime, NaT as null."""
    module = type(value).__module__ or ""
    if module.startswith("numpy") and callable(getattr(value, "tolist", None)):
        return value.tolist()
    if module.startswith("pandas") and type(value).__name__ == "NaTType":
        return None
    if isinstance(value, (datetime.date, datetime.time)):  # subclasses msgspec refuses (pandas Timestamp)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


@dataclasses.dataclass
class Written:
    """What `write_jsonl` wrote: how many rows, and the rows JSON cannot hold (row -> why)."""

    rows: int = 0
    unwritable: dict[int, str] = dataclasses.field(default_factory=dict)


def write_jsonl(data: t.Any, out: t.BinaryIO) -> Written:
    """One part's records as the JSON Lines push would upload, one record a line."""
    encoder = msgspec.json.Encoder(enc_hook=written_value)
    written = Written()
    for batch in batches(data):
        for rec in batch:
            try:
                out.write(encoder.encode(rec) + b"\n")
            except (TypeError, OverflowError, ValueError) as e:
                written.unwritable[written.rows] = str(e)
                out.write(UNWRITABLE_LINE)
            written.rows += 1
    return written


def rebuilt(records: list[dict[str, t.Any]], kind: str) -> t.Any:
    """Canonical records in the kind the data came in."""
    if kind == "list":
        return records
    if kind == "dataset":
        import datasets

        return datasets.Dataset.from_list(records)
    import pyarrow as pa

    table = pa.Table.from_pylist(records)
    if kind == "pyarrow":
        return table
    if kind == "pandas":
        return table.to_pandas()
    import polars as pl

    return pl.from_arrow(table)


__all__ = ["LABELS", "Written", "batches", "kind_of", "rebuilt", "splits", "write_jsonl", "written_value"]
