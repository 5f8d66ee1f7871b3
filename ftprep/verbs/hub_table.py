"""A Hub dataset's Parquet files read as one table, streamed over HTTP range requests.

`load_dataset` of a Parquet repo copies every file into a cache and converts
it to Arrow before a row can be checked. When reading the files directly gives
the rows `load_dataset` would give, they are read here instead, a row group at
a time through `huggingface_hub`'s file system, and nothing is written to disk.

That holds when the first config is plain Parquet (no features to cast, no
column or row filters) and every data file of every split has one schema made
of types that come out of `datasets` as they come out of pyarrow. Anything
else (JSON Lines, CSV, images, a schema only `datasets` can unify) returns no
`HubTable`, and the caller loads the dataset as the trainer does.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.errors import TableError, transported
from ftprep.core.options import Progress
from ftprep.reading.formats import first_line

if t.TYPE_CHECKING:
    import pyarrow as pa

# Bytes fetched per range request: a row group of a Hub shard is read in a few.
BLOCK = 8 << 20


@dataclasses.dataclass(frozen=True)
class DataFile:
    split: str
    path: str  # in the Hub file system: datasets/OWNER/NAME@SHA/FILE
    size: int
    meta: t.Any  # its pyarrow FileMetaData, read once when planning


class HubTable:
    """The data files of a config's splits, in the order `load_dataset` concatenates
    them, read as one Parquet `Table`: `columns`, `broken`, `unclosed` and `batches`
    (records) for the row scan; `parquet_groups`, `parquet_schema`, `parquet_frame` and
    `arrow_batches` (RecordBatches of the row groups, numbered over all the files) for
    a columnar one. One row group is in memory at a time, one file open.

    `progress` is told ("check", bytes read through, total bytes of the data files)."""

    def __init__(self, url: str, files: list[DataFile], schema: pa.Schema, fs: t.Any,
                 progress: Progress | None = None) -> None:
        self.path = url  # not a local file: a columnar scan reads it in this process
        self.fmt = "parquet"
        self.files, self.schema, self.fs, self.progress = files, schema, fs, progress
        self.columns = list(schema.names)
        self.broken: list[tuple[int, str]] = []
        self.unclosed: list[tuple[int, str]] = []
        self.total = sum(f.size for f in files)
        # Why a file could not be read on (the load fails there too, and the caller loads to say how).
        self.failed: str | None = None
        # Row group g of the whole table: (file index, group in that file).
        self.index = [(i, g) for i, f in enumerate(files) for g in range(f.meta.num_row_groups)]
        self.ends = [sum(f.size for f in files[:i]) + min(end, files[i].size)
                     for i, f in enumerate(files) for end in group_ends(f.meta)]
        self.opened: tuple[int, t.Any, t.Any] | None = None  # (file index, raw file, ParquetFile)
        self.done = 0

    def parquet_groups(self) -> list[int]:
        return [self.files[i].meta.row_group(g).num_rows for i, g in self.index]

    def parquet_schema(self) -> pa.Schema:
        return self.schema

    def parquet_frame(self, group: int, columns: t.Sequence[str] | None = None) -> None:
        return None  # polars reads local files: the row groups come as RecordBatches

    def arrow_batches(self, columns: t.Sequence[str] | None = None, groups: t.Sequence[int] | None = None,
                      size: int = 1 << 20) -> t.Iterator[pa.RecordBatch]:
        """The row groups' rows (`groups`: these only, numbered over all the files; `columns`:
        these only) as RecordBatches of at most `size` rows. Raises TableError where a file
        cannot be read on."""
        if self.progress is not None and self.done == 0:
            self.progress("check", 0, self.total)
        for group in range(len(self.index)) if groups is None else groups:
            where, local = self.index[group]
            try:
                parquet = self.parquet(where)
                for batch in parquet.iter_batches(batch_size=size, row_groups=[local], columns=columns,
                                                  use_threads=False):
                    yield as_loaded(batch)
            except Exception as e:
                self.close()
                if transported(e):  # no connection: the caller says the Hub cannot be reached
                    raise
                # A file broken part-way (pyarrow's errors), or the Hub refusing a range.
                self.failed = f"{self.files[where].path.split('/', 3)[-1]}: {first_line(e)}"
                raise TableError(self.failed) from None
            if local == self.files[where].meta.num_row_groups - 1:
                self.close()  # its last group: the next file's reads start
            # The table's last group read: every byte is through (the footers after it too).
            self.done = self.total if group == len(self.index) - 1 else max(self.done, self.ends[group])
            if self.progress is not None:
                self.progress("check", self.done, self.total)

    def record_batches(self, size: int) -> t.Iterator[pa.RecordBatch]:
        """Every row, in order, as RecordBatches of at most `size` rows."""
        yield from self.arrow_batches(size=size)
        if self.progress is not None:  # empty files have no group to end on
            self.progress("check", self.total, self.total)

    def batches(self, size: int) -> t.Iterator[tuple[list[dict[str, t.Any]], list[int | None]]]:
        """(records, lines) batches, as `Table.batches` gives them; a Hub row has no line."""
        for batch in self.record_batches(size):
            records = batch.to_pylist()
            yield records, [None] * len(records)

    def parquet(self, where: int) -> t.Any:
        """File `where` opened for reading (its footer known from planning: not read again)."""
        import pyarrow.parquet as pq

        if self.opened is None or self.opened[0] != where:
            self.close()
            raw = self.fs.open(self.files[where].path, "rb", block_size=BLOCK)
            # No pre-buffering: the file system's blocks are the buffer.
            self.opened = (where, raw, pq.ParquetFile(raw, metadata=self.files[where].meta, pre_buffer=False))
        return self.opened[2]

    def close(self) -> None:
        if self.opened is not None:
            self.opened[1].close()
            self.opened = None


def group_ends(meta: t.Any) -> list[int]:
    """Where each row group's data ends in the file: how far a read has got, in bytes."""
    ends = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        end = 0
        for c in range(group.num_columns):
            chunk = group.column(c)
            start = min(x for x in (chunk.dictionary_page_offset, chunk.data_page_offset) if x is not None)
            end = max(end, start + chunk.total_compressed_size)
        ends.append(end)
    return ends


def as_loaded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch as the load path's JSON Lines reads back: NaN and infinity are null in JSON."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in batch.columns:
        if pa.types.is_floating(column.type) and column.null_count < len(column):
            finite = pc.is_finite(column)
            if not pc.all(finite).as_py():
                column = pc.if_else(finite, column, pa.scalar(None, column.type))
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def plain(kind: pa.DataType) -> bool:
    """Whether `datasets` hands values of this type on as pyarrow's `to_pylist` does
    (strings, numbers, booleans, nulls, and lists and structs of them; floats only at
    the top, where `as_loaded` treats NaN as the JSON round trip of the load path does)."""
    import pyarrow as pa

    def inner(k: pa.DataType, top: bool) -> bool:
        if pa.types.is_floating(k):
            return top and not pa.types.is_float16(k)
        if (pa.types.is_string(k) or pa.types.is_large_string(k) or pa.types.is_integer(k)
                or pa.types.is_boolean(k) or pa.types.is_null(k)):
            return True
        if pa.types.is_list(k) or pa.types.is_large_list(k):
            return inner(k.value_type, False)
        if pa.types.is_struct(k):
            return all(inner(k.field(i).type, False) for i in range(k.num_fields))
        return False

    return inner(kind, True)


def hub_table(repo: str, config: str | None, sha: str | None, cache: str,
              progress: Progress | None = None) -> HubTable | None:
    """The config's Parquet files as one `HubTable`, or None where only `load_dataset`
    reads them exactly (the caller then loads them). Reads the files' footers only."""
    import datasets
    import pyarrow.parquet as pq
    from huggingface_hub import HfFileSystem

    try:
        builder = datasets.load_dataset_builder(repo, config, revision=sha, cache_dir=cache)
    except Exception:  # the load fails too, and says why (H002)
        return None
    cfg = builder.config
    if builder.name != "parquet" or cfg.features is not None or cfg.columns is not None or cfg.filters is not None:
        return None
    fs = HfFileSystem()
    files: list[DataFile] = []
    schema = None
    for split, urls in (cfg.data_files or {}).items():
        for url in urls:
            if not url.startswith("hf://") or not url.endswith(".parquet"):
                return None
            path = url.removeprefix("hf://")
            try:
                size = int(fs.info(path)["size"])
                with fs.open(path, "rb", block_size=1 << 16) as f:
                    meta = pq.read_metadata(f)
                found = meta.schema.to_arrow_schema()
            except Exception:  # a file the load cannot read either: it says how (H002)
                return None
            if meta.num_row_groups and not meta.row_group(0).num_rows:
                return None  # datasets reads in batches of the first group's size: 0 fails the load
            if not same_features(found):
                return None
            found = found.remove_metadata()
            if schema is None:
                if len(set(found.names)) < len(found.names) or not all(plain(field.type) for field in found):
                    return None
                schema = found
            elif not found.equals(schema):  # datasets casts or refuses: only the load knows which
                return None
            files.append(DataFile(str(split), path, size, meta))
    if schema is None:
        return None
    return HubTable(f"hf://datasets/{repo}", files, schema, fs, progress)


def same_features(schema: pa.Schema) -> bool:
    """Whether the features `datasets` reads from the file's metadata are the ones its
    bare Arrow schema gives: else `datasets` casts the rows (images, class labels, ...)."""
    import datasets

    try:
        return bool(datasets.Features.from_arrow_schema(schema) ==
                    datasets.Features.from_arrow_schema(schema.remove_metadata()))
    except Exception:
        return False


__all__ = ["BLOCK", "DataFile", "HubTable", "as_loaded", "group_ends", "hub_table", "plain", "same_features"]
