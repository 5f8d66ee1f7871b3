"""The rows of one local file through the scan, by format: JSON Lines (streamed,
in parallel for big files), tables (CSV, TSV, Parquet) and JSON arrays.

With `tokens` (a `LengthTally` and the `Stats` it fills, ftprep.engine.lengths)
the same rows are counted in tokens in the same pass, into `scan.lengths`:
a check reads its file once however many features are on. Parallel workers
count their own block and the counts merge with the scans.
"""

from __future__ import annotations

import array
import dataclasses
import os
import typing as t

from ftprep.core.bounds import TooDeep, bounds_of, capped
from ftprep.core.errors import DecompressionCapped, TableError
from ftprep.core.options import Options, Progress
from ftprep.core.diagnostics import Diagnostic
from ftprep.engine import load_report
from ftprep.engine.csvtypes import CsvTypes
from ftprep.disk.inputs import open_bytes
from ftprep.engine.forked_pool import in_order, worker_count
from ftprep.engine.jsonl_scan import read_stream, scan_range
from ftprep.engine.parquet_scan import scan_parquet
from ftprep.engine.row_checker import RowChecker
from ftprep.engine.scan_state import Scan
from ftprep.engine.table_rows import feed
from ftprep.reading.tables import TABLE_BATCH, block_records
from ftprep.reading.unclosed_quotes import UNCLOSED_HINT
from ftprep.reading.jsonl_head import HeadFirst
from ftprep.reading.read_findings import capped_diagnostic, too_deep
from ftprep.tasks import Task
from ftprep.tasks.base import Finding

if t.TYPE_CHECKING:
    from ftprep.engine.length_stats import Stats
    from ftprep.engine.lengths import LengthTally
    from ftprep.engine.row_render import RowRenderer

Tokens = t.Optional[tuple["LengthTally", "Stats"]]


def scan_jsonl(path: str, gz: bool, task: Task, opts: Options, head: HeadFirst | None = None,
               tokens: Tokens = None, *, parallel_min: int) -> Scan:
    """`head`: the file as the probe left it open (its head buffered), read on here.
    An uncompressed file of `parallel_min` bytes or more is scanned by a pool."""
    size = os.path.getsize(path)
    workers = worker_count(opts.workers)
    if gz or workers <= 1 or size < parallel_min:
        checker = RowChecker(task, opts)
        scan = Scan(opts.max_per_code)
        if tokens is not None:
            checker.tally, scan.lengths = tokens
        progress = opts.progress
        try:
            # A HeadFirst reads as the file it fronts.
            with t.cast("t.BinaryIO", head) if head is not None else open_bytes(path, gz, bounds_of(opts)) as f:
                step = None if progress is None else read_bytes(f, size, progress)
                read_stream(checker, scan, f, None, True, True, step)
        except DecompressionCapped as e:  # the rows before it stay checked
            message, hint = capped(e)
            scan.add(e.line, None, Finding("P014", message, None, hint))
            if tokens is not None:  # the record reader's stand-in for the rest, as `ftprep stats` counts it
                tokens[0].records(tokens[1], [(e.line, 0, capped_diagnostic(e, tokens[1].path))])
        if progress is not None:  # the pass is over, also when a bound stopped it early
            progress("check", size, size)
        return scan
    if head is not None:
        head.close()  # each worker opens its own range
    return scan_parallel(path, size, task, opts, workers, tokens)


def read_bytes(f: t.Any, size: int, progress: Progress) -> t.Callable[[], None]:
    """A `read_stream` step that tells `progress` how many bytes of the file on
    disk were read: the position of the file under the probe's buffered head and
    under a .gz's decompressor, so that `done` ends at the file's `size`."""
    inner = getattr(f, "rest", f)  # HeadFirst reads on from the open file
    raw = getattr(inner, "fileobj", None) or inner  # a GzipFile reads from the compressed file
    tell = raw.tell
    progress("check", 0, size)

    def step() -> None:
        progress("check", tell(), size)

    return step


def split_points(path: str, size: int, parts: int) -> list[int]:
    points = [0]
    with open(path, "rb") as f:
        for i in range(1, parts):
            f.seek(max(size * i // parts, points[-1]))
            f.readline()
            pos = f.tell()
            if pos >= size:
                break
            if pos > points[-1]:
                points.append(pos)
    points.append(size)
    return points


def scan_parallel(path: str, size: int, task: Task, opts: Options, workers: int, tokens: Tokens = None) -> Scan:
    # Ranges of ~64 MB keep each worker's memory small; order is restored on merge.
    parts = max(workers, min(256, size // (64 << 20) + 1))
    points = split_points(path, size, parts)
    task.row_type(opts)  # built before the fork, so every worker hashes rows alike
    total = Scan(opts.max_per_code)
    # Each worker counts the tokens of its range (the tokenizer is loaded before the fork).
    plan = None if tokens is None else (tokens[1].path, t.cast("RowRenderer", tokens[0].rows).columns)
    if tokens is not None:
        total.lengths = tokens[1]
    progress = opts.progress
    if progress is not None:
        progress("check", 0, size)
    sent = dataclasses.replace(opts, progress=None)  # the workers report nothing: a callback may not pickle
    jobs = [(path, a, b, task.name, sent, b == size, a == 0, plan) for a, b in zip(points, points[1:])]

    def finished(done: int) -> None:
        if progress is not None:
            progress("check", done, size)

    def take(part: Scan) -> bool:
        total.merge(part)
        return False

    in_order(workers, scan_range, jobs, [b - a for a, b in zip(points, points[1:])], finished, take)
    return total


def scan_table(table: t.Any, fmt: str, task: Task, opts: Options,
               tokens: Tokens = None) -> tuple[Scan, t.Callable[[int], int | None]]:
    """Scan a table's records; their lines (CSV) replace the pseudo lines after.
    Parquet goes as Arrow batches (ftprep.engine.parquet_scan) unless tokens are counted."""
    if columnar(table, fmt, tokens):
        return scan_parquet(table, task, opts), _no_line
    checker = RowChecker(task, opts)
    scan = Scan(opts.max_per_code)
    starts = array.array("q")
    if fmt in ("csv", "tsv"):  # Parquet stores its types; CSV cells are typed by pandas at load
        kept = load_report.kept_columns(task, opts)
        scan.cells = CsvTypes(table.columns if kept is None else kept)
    where = "" if tokens is None else tokens[1].path
    scan.lengths = None if tokens is None else tokens[1]

    def count(records: t.Iterable[tuple[int | None, int, t.Any]]) -> None:
        if tokens is not None:
            tokens[0].records(tokens[1], records)

    capped_at = None
    progress = opts.progress
    if progress is not None:  # a table's rows are not counted before they are read
        progress("rows", 0, None)
    try:
        # Any table with batches (a Hub dataset's too); a CSV's may come as Arrow blocks.
        for block, lines in getattr(table, "blocks", table.batches)(TABLE_BATCH):
            if progress is not None and scan.rows:
                progress("rows", scan.rows, None)
            arrow = not isinstance(block, list)
            if scan.cells is not None:  # before the check, which json-loads conversation cells in place
                scan.cells.block(block) if arrow else scan.cells.batch(block)
            starts.extend(ln or 0 for ln in lines)
            if tokens is None:
                feed(checker, scan, block)
                continue
            records = block_records(block) if arrow else block
            broken = dict(table.broken)
            count([(line, row, Diagnostic("P006", broken[row], where, line=line, row=row) if row in broken
                    else rec) for row, (rec, line) in enumerate(zip(records, lines), scan.rows)])
            checker.records(scan, records)
    except TableError as e:  # a table can break part-way: report where reading stopped
        scan.add(None, None, Finding("P006", f"cannot read {fmt} after {scan.rows:,} rows: {e}"))
        count([(None, scan.rows, Diagnostic("P006", f"cannot read {fmt} after {scan.rows:,} rows: {e}", where))])
    except DecompressionCapped as e:
        message, hint = capped(e)
        scan.add(e.line, None, Finding("P014", message, None, hint))
        capped_at = e
    if progress is not None:
        progress("rows", scan.rows, scan.rows)
    for row, message in table.broken:
        scan.add(row + 1, row, Finding("P006", message))

    def line_of(row: int) -> int | None:
        return starts[row] if row < len(starts) and starts[row] else None

    scan.found = [f if f.row is None else f._replace(line=line_of(f.row)) for f in scan.found]
    for line, message in table.unclosed:  # file-level (no row) so that convert refuses even --drop-invalid
        scan.add(line, None, Finding("P011", message, None, UNCLOSED_HINT))
        if capped_at is None:  # the record reader stops at a bound: what it read last is the P014
            count([(line, scan.rows, Diagnostic("P011", message, where, line=line, hint=UNCLOSED_HINT))])
    if capped_at is not None:
        count([(capped_at.line, 0, capped_diagnostic(capped_at, where))])
    return scan, line_of


def columnar(table: t.Any, fmt: str, tokens: Tokens) -> bool:
    """Whether a table is scanned as Arrow batches: Parquet read by pyarrow, no tokens
    counted (the token tally takes records)."""
    return fmt == "parquet" and tokens is None and getattr(table, "frame", None) is None


def _no_line(row: int) -> int | None:
    return None  # a Parquet row has no line


def scan_records(records: list[t.Any], task: Task, opts: Options, tokens: Tokens = None) -> Scan:
    """A JSON array's records (lines are found later, for the rows that need one)."""
    checker = RowChecker(task, opts)
    scan = Scan(opts.max_per_code)
    scan.lengths = None if tokens is None else tokens[1]
    progress = opts.progress
    for start in range(0, len(records), TABLE_BATCH):
        if progress is not None:
            progress("rows", start, len(records))
        batch = records[start:start + TABLE_BATCH]
        if tokens is not None:
            where = tokens[1].path
            tokens[0].records(tokens[1], [(None, row, too_deep(where, r.line, row) if isinstance(r, TooDeep) else r)
                                          for row, r in enumerate(batch, start)])
        checker.records(scan, batch)
    if progress is not None:
        progress("rows", len(records), len(records))
    return scan


__all__ = ["Tokens", "columnar", "scan_jsonl", "scan_parallel", "scan_records", "scan_table", "split_points"]
