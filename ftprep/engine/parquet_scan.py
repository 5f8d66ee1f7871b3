"""A Parquet file's rows through the row engine (ftprep.engine.arrow_scan),
reading only the columns the task trains, row group by row group.

A big file's row groups are scanned by worker processes and the scans merged
in file order (as ftprep.engine.file_scans.scan_parallel does for the byte
ranges of JSON Lines). Each worker opens the file itself and reads only its
own row groups, so memory stays near one row group per worker.
"""

from __future__ import annotations

import dataclasses
import os
import typing as t

from ftprep.core.errors import TableError
from ftprep.core.options import Options
from ftprep.engine.arrow_scan import ArrowRows, Part, unreadable
from ftprep.engine.forked_pool import in_order, worker_count
from ftprep.engine.scan_state import Scan
from ftprep.tasks import Task

# A Parquet file this big (on disk, compressed) is scanned by a pool of processes.
PARALLEL_MIN_PARQUET = 16 << 20
# Row groups handed to one worker at a time, by rows: small enough to share the work out.
PART_ROWS = 100_000


def scan_parquet(table: t.Any, task: Task, opts: Options) -> Scan:
    """A Parquet table's rows (ftprep.reading.tables.Table) through the row engine,
    reading only the columns the task trains (GRPO: all, its extras reach the reward
    functions); by a pool of processes when the file is big and on disk."""
    columns = read_columns(table.columns, task, opts)
    try:
        groups = table.parquet_groups()
    except TableError as e:
        scan = Scan(opts.max_per_code)
        unreadable(scan, 0, e)
        return scan
    total = sum(groups)
    workers = worker_count(opts.workers)
    path = table.path
    on_disk = isinstance(path, (str, os.PathLike)) and os.path.isfile(path)
    if workers > 1 and on_disk and len(groups) > 1 and os.path.getsize(path) >= PARALLEL_MIN_PARQUET:
        return scan_pool(path, parts_of(groups, workers), task, opts, workers, columns, groups)
    rows = ArrowRows(task, opts)
    progress = opts.progress
    if progress is not None:
        progress("rows", 0, total)
    try:
        for _ in read_groups(table, rows, columns, range(len(groups))):
            if progress is not None:
                progress("rows", rows.seen, total)
    except TableError as e:  # a table can break part-way: report where reading stopped
        rows.flush()
        unreadable(rows.scan, rows.scan.rows, e)
    rows.flush()
    if progress is not None:
        progress("rows", rows.scan.rows, rows.scan.rows)
    scan = rows.scan
    scan.found = [f if f.row is None else f._replace(line=None) for f in scan.found]
    return scan


def read_groups(table: t.Any, rows: ArrowRows, columns: list[str] | None, groups: t.Iterable[int]) -> t.Iterator[int]:
    """Feed these row groups to `rows`, yielding after each: read by polars where the
    file is on disk and its types are plain (written as `to_pylist` would give them),
    by pyarrow otherwise or where polars fails. Raises TableError where reading stops."""
    schema = table.parquet_schema()
    chosen = schema if columns is None else [schema.field(c) for c in columns]
    fast = rows.bridged(pa_schema(chosen)) if chosen else False
    for group in groups:
        frame = table.parquet_frame(group, columns) if fast else None
        if frame is not None:
            rows.frame(frame)
        else:
            for batch in table.arrow_batches(columns, [group]):
                rows.batch(batch)
        yield group


def pa_schema(fields: t.Iterable[t.Any]) -> t.Any:
    import pyarrow as pa

    return pa.schema(list(fields))


def read_columns(names: t.Sequence[str], task: Task, opts: Options) -> list[str] | None:
    """The columns a check reads (None: all): those the task maps and those its row
    type knows (the columns the trainer renames or drops, whose rules S002 and S003
    read); every column for a task whose whole row is trained."""
    if hasattr(task.module, "row_hash"):
        return None
    known = getattr(task.row_type(opts), "__struct_encode_fields__", None)
    if known is None:
        return None
    wanted = set(task.mapped(opts).values()) | set(known)
    kept = [c for c in names if c in wanted]
    return kept or None


def parts_of(groups: t.Sequence[int], workers: int) -> list[list[int]]:
    """Runs of consecutive row groups of about PART_ROWS rows (at least one part per worker)."""
    total = sum(groups)
    size = max(1, min(PART_ROWS, -(-total // workers)))
    parts: list[list[int]] = [[]]
    held = 0
    for i, n in enumerate(groups):
        if held >= size:
            parts.append([])
            held = 0
        parts[-1].append(i)
        held += n
    return parts



def polars_idle() -> bool:
    """Whether no polars thread pool runs in this process yet (its threads are named
    polars-N, tokio-rt-worker, async-executor; importing polars starts none of them).
    A child forked while one runs inherits its locks without its threads: polars hangs there."""
    try:
        names = [open(f"/proc/self/task/{tid}/comm").read() for tid in os.listdir("/proc/self/task")]
    except OSError:
        return False
    return not any(n.startswith(("tokio-rt", "async-exec")) or (n.startswith("polars-") and
                                                                  not n.startswith("polars-ooc")) for n in names)


def scan_groups(path: str, groups: list[int], task: str, opts: Options, columns: list[str] | None,
                native: bool = False) -> Part:
    """Scan these row groups of a Parquet file (in a forked worker process). `native`:
    polars may run here (see `polars_idle`); else pyarrow reads them and the records
    path checks them."""
    from ftprep.reading.tables import Table
    from ftprep.tasks import get

    rows = ArrowRows(get(task), opts, native=native)
    try:
        for _ in read_groups(Table(path, "parquet", False, []), rows, columns, groups):
            pass
    except TableError as e:
        rows.flush()
        return Part(rows.scan, str(e))
    rows.flush()
    return Part(rows.scan)


def scan_pool(path: str, parts: list[list[int]], task: Task, opts: Options, workers: int,
              columns: list[str] | None, groups: list[int]) -> Scan:
    """The parts (runs of row groups; `groups`: the rows of each) scanned by `workers`
    processes, merged in order; reading that breaks in one part ends the scan there,
    as it would in one process."""
    total = sum(groups)
    task.row_type(opts)  # built before the fork, so every worker hashes rows alike
    scan = Scan(opts.max_per_code)
    progress = opts.progress
    if progress is not None:
        progress("rows", 0, total)
    sent = dataclasses.replace(opts, progress=None)  # the workers report nothing: a callback may not pickle
    native = polars_idle()  # (before the fork)
    sizes = [sum(groups[g] for g in part) for part in parts]

    def finished(done: int) -> None:
        if progress is not None:
            progress("rows", min(done, total), total)

    def take(part: Part) -> bool:
        scan.merge(part.scan)
        if part.error is not None:
            unreadable(scan, scan.rows, TableError(part.error))
        return part.error is not None

    in_order(workers, scan_groups, [(path, part, task.name, sent, columns, native) for part in parts], sizes,
             finished, take)
    if progress is not None:
        progress("rows", scan.rows, scan.rows)
    scan.found = [f if f.row is None else f._replace(line=None) for f in scan.found]
    return scan


__all__ = ["PARALLEL_MIN_PARQUET", "parts_of", "polars_idle", "read_columns", "scan_groups", "scan_parquet", "scan_pool"]
