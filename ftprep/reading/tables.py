"""CSV, TSV and Parquet files read as batches of records, in bounded memory.

A table that cannot be read on is a `TableError` (P006, or P011 for a header
whose quote never closes); records a quote swallowed are found by
ftprep.reading.unclosed_quotes.
"""

from __future__ import annotations

import os
import typing as t

from ftprep.core.bounds import Bounds
from ftprep.core.errors import DecompressionCapped, SourceError, TableError
from ftprep.disk.inputs import open_bytes
from ftprep.reading.formats import first_line
from ftprep.reading.unclosed_quotes import Lines, unclosed

# Records handed on at a time from a table (CSV, TSV, Parquet).
TABLE_BATCH = 5_000
# A CSV this big (on disk) is read by Arrow's parser; a smaller one by the `csv`
# module alone, so that a small check never imports numpy and pyarrow.
ARROW_MIN_BYTES = 4 << 20


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
        self._groups: list[int] | None = None

    def batches(self, size: int) -> t.Iterator[tuple[list[dict[str, t.Any]], list[int | None]]]:
        """(records, start line of each) batches; raises TableError when reading cannot go on."""
        if self.fmt != "parquet":
            for block, starts in self.blocks(size):
                yield (block if isinstance(block, list) else block_records(block)), starts
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

    def blocks(self, size: int) -> t.Iterator[tuple[t.Any, list[int | None]]]:
        """A CSV's (records, start line of each) batches of `size` rows, the records
        a pyarrow Table where Arrow's reader proved them (ftprep.reading.csv_blocks),
        else a list of dicts from the `csv` module, which reads on from the first
        batch Arrow did not hand on."""
        if self.fmt == "parquet":
            yield from self.batches(size)
            return
        handed: int | None = 0
        if (self.columns and len(set(self.columns)) == len(self.columns)
                and os.path.getsize(self.path) >= ARROW_MIN_BYTES):
            from ftprep.reading.csv_blocks import read_blocks

            handed = yield from read_blocks(self.path, self.gz, self.bounds, self.delimiter, self.columns, size)
            if handed is None:
                return
        yield from self._csv(size, handed or 0)

    @property
    def delimiter(self) -> str:
        return "\t" if self.fmt == "tsv" else ","

    def parquet_groups(self) -> list[int]:
        """The rows of each of a Parquet file's row groups (empty without pyarrow)."""
        if self.fmt != "parquet" or self.frame is not None:
            return []
        if self._groups is None:
            try:
                meta = self._parquet().metadata
            except Exception as e:  # pyarrow's own error family
                raise TableError(first_line(e)) from None
            self._groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        return self._groups

    def arrow_batches(self, columns: t.Sequence[str] | None = None,
                      groups: t.Sequence[int] | None = None) -> t.Iterator[t.Any]:
        """A Parquet file's `pyarrow.RecordBatch`es, row group by row group (`groups`:
        these only; `columns`: these only), so that memory holds one row group at most.
        Raises TableError when reading cannot go on."""
        try:
            parquet = self._parquet()
            chosen = range(parquet.metadata.num_row_groups) if groups is None else groups
            for group in chosen:
                # A whole row group at a time: slicing it into small batches costs more than it saves.
                yield from parquet.read_row_group(group, columns=columns, use_threads=False).to_batches()
        except Exception as e:  # pyarrow's own error family
            raise TableError(first_line(e)) from None

    def parquet_schema(self) -> t.Any:
        """A Parquet file's `pyarrow.Schema`; raises TableError when it cannot be read."""
        try:
            return self._parquet().schema_arrow
        except Exception as e:  # pyarrow's own error family
            raise TableError(first_line(e)) from None

    def parquet_frame(self, group: int, columns: t.Sequence[str] | None) -> t.Any:
        """One row group of a Parquet file on disk as a polars DataFrame (polars' own
        reader, faster than pyarrow's plus a conversion), or None when polars cannot
        read it: the caller reads it with pyarrow, whose answer (rows or error) stands."""
        if not isinstance(self.path, (str, os.PathLike)):
            return None
        import polars as pl

        sizes = self.parquet_groups()
        try:
            lazy = pl.scan_parquet(os.fspath(self.path))
            if columns is not None:
                lazy = lazy.select(columns)
            return lazy.slice(sum(sizes[:group]), sizes[group]).collect()
        except Exception:  # polars' error family: pyarrow gives the reference answer
            return None

    def _parquet(self) -> t.Any:
        import pyarrow.parquet as pq

        # A path or an open (fsspec) file alike; no pre-buffering: memory stays near one row group.
        return pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)

    def _csv(self, size: int, skip: int = 0) -> t.Iterator[tuple[list[dict[str, t.Any]], list[int | None]]]:
        """The reference reader; the first `skip` rows (whole batches) were handed on already."""
        import csv
        import io

        csv.field_size_limit(1 << 30)  # chat rows in a cell easily pass the 128 KiB default
        width, delimiter = len(self.columns), self.delimiter
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
                        if row > skip:
                            yield records, starts
                        records, starts = [], []
            except csv.Error as e:
                raise TableError(f"line {reader.line_num}: {e}") from None
            except UnicodeDecodeError as e:
                raise TableError(f"near line {reader.line_num + 1}: invalid UTF-8 ({e.reason})") from None
            except DecompressionCapped:
                if records and row > skip:  # the rows read before the bound are checked too
                    yield records, starts
                raise
            if records and row > skip:
                yield records, starts


def block_records(block: t.Any) -> list[dict[str, t.Any]]:
    """A pyarrow Table of string columns (Arrow's CSV reader) as the `csv` module path's records."""
    values = [column.to_pylist() for column in block.columns]
    return [dict(zip(block.column_names, row)) for row in zip(*values)]


def read_table(path: str | os.PathLike[str], fmt: str, gz: bool, bounds: Bounds | None = None) -> Table:
    """Open a CSV, TSV or Parquet file: its columns now, its records in batches."""
    if fmt == "parquet":
        try:
            try:
                import pyarrow.parquet as pq
            except ImportError:
                import polars as pl

                frame = pl.read_parquet(os.fspath(path))
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
