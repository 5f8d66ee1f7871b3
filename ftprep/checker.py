"""`ftprep.check`: every input to one `Report`.

Per file: sniff the format, infer the task from the columns when none is
given, scan the rows (in parallel for big JSON Lines files), then add the
dataset-level findings (missing columns, duplicates, row count, emptiness).
"""

from __future__ import annotations

import array
import collections
import glob
import gzip
import os
import typing as t
import zlib

import msgspec

from ftprep import load_report
from ftprep import tasks as task_registry
from ftprep.csvtypes import CsvTypes
from ftprep.diagnostics import Diagnostic, FileReport, Report
from ftprep.scan import AGGREGATED, RowChecker, Scan, read_stream, scan_range
from ftprep.sources import (
    SUFFIXES,
    SourceError,
    TableError,
    format_of,
    is_image_set,
    json_array,
    open_bytes,
    read_table,
    sniff_json,
)
from ftprep.tasks import Task
from ftprep.tasks.base import DEFAULT_MIN_ROWS, Finding, Options

GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
# Files below this size are scanned in-process: a pool costs more than it saves.
PARALLEL_MIN_BYTES = 48 << 20
TABLE_BATCH = 5_000
PROBE_RECORDS = 200
# Suggested mappings when a required column is missing: option -> candidates.
CANDIDATES = {
    "conversations": ("messages", "conversation", "chat", "dialog", "turns"),
    "instruction": ("prompt", "question", "query", "input"),
    "output": ("response", "completion", "answer", "target"),
    "prompt": ("question", "instruction", "query", "input"),
    "chosen": ("preferred", "accepted", "response_chosen"),
    "rejected": ("dispreferred", "response_rejected"),
}


def check(
    paths: str | os.PathLike[str] | t.Sequence[str | os.PathLike[str]],
    *,
    task: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    chat_template: str | None = None,
    min_rows: int = DEFAULT_MIN_ROWS,
    strict: bool = False,
    workers: int | None = None,
    max_per_code: int = 100_000,
    **extra: t.Any,
) -> Report:
    """Check datasets; returns a `Report` and never prints.

    `paths` may be files, globs, directories or zips of images (task
    `image`), `hf://datasets/OWNER/NAME[@REV]` or an http(s) URL.
    Raises `SourceError` when an input cannot be read at all.
    """
    opts = Options(task=task, field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt,
                   field_chosen=field_chosen, field_rejected=field_rejected, chat_template=chat_template,
                   min_rows=min_rows, workers=workers, max_per_code=max_per_code, **extra)
    if task is not None:
        if task not in task_registry.TASK_NAMES:
            raise ValueError(f"unknown task {task!r}; choose from {', '.join(task_registry.TASK_NAMES)}")
    report = Report([check_one(p, opts) for p in expand(paths, task)])
    return report.strict() if strict else report


def expand(paths: str | os.PathLike[str] | t.Sequence[str | os.PathLike[str]], task: str | None = None) -> list[str]:
    """Globs to their files, and a folder of data files to those files (a folder
    without any is an image set). Other inputs pass as they are."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for p in map(str, items):
        if "://" not in p and any(c in p for c in "*?[") and not os.path.exists(p):
            hits = sorted(glob.glob(p, recursive=True))
            if not hits:
                raise SourceError(f"{p}: no file matches")
            out += hits
        elif task != "image" and os.path.isdir(p) and (data := data_files(p)):
            out += data
        else:
            out.append(p)
    return out


# JSON files that sit beside data but are not data (tokenizers, model and Hub metadata).
NOT_DATA = frozenset({"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json",
                      "generation_config.json", "dataset_info.json", "dataset_infos.json", "package.json",
                      "package-lock.json"})


def data_files(folder: str) -> list[str]:
    """The data files below a folder, sorted; hidden folders are skipped."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files)
                  if f.lower().endswith(SUFFIXES) and f.lower() not in NOT_DATA]
    return found


def check_one(path: str, opts: Options) -> FileReport:
    if "://" in path:
        from ftprep.remote import check_remote  # issue 5: Hub repos and URLs

        return check_remote(path, opts)
    if is_image_set(path, opts.task):
        from ftprep.image import check_images  # issue 4

        return check_images(path, opts)
    return check_file(path, opts)


def check_file(path: str, opts: Options, display: str | None = None) -> FileReport:
    """Check one local data file (JSON Lines, JSON, CSV, TSV, Parquet, gzipped or not)."""
    try:
        return _check_file(path, opts, display)
    except GZIP_ERRORS as e:
        if not format_of(path)[1]:
            raise
        shown = display or path
        return FileReport(shown, opts.task, diagnostics=[undecompressable(e, shown)])


def undecompressable(e: BaseException, path: str) -> Diagnostic:
    """P010 for a .gz stream that breaks (corrupt or cut off)."""
    return Diagnostic("P010", f"cannot decompress: {e or type(e).__name__}", path,
                      hint="the .gz file is corrupt or truncated")


def _check_file(path: str, opts: Options, display: str | None = None) -> FileReport:
    fmt, gz = format_of(path)
    if not os.path.exists(path):
        raise SourceError(f"{path}: no such file")
    if os.path.isdir(path):
        raise SourceError(f"{path}: is a directory")
    if fmt == "json":
        fmt = sniff_json(path, gz)
    shown = display or path
    if fmt == "wrapped":
        report = FileReport(shown, opts.task)
        report.diagnostics.append(Diagnostic(
            "P009", "the top level is an object wrapping the records; the trainer would read it as one row", shown,
            hint="write the records as a JSON array or JSON Lines (ftprep convert does)"))
        return report
    table = None
    if fmt in ("csv", "tsv", "parquet"):
        try:
            table = read_table(path, fmt, gz)
        except TableError as e:
            report = FileReport(shown, opts.task)
            report.diagnostics.append(Diagnostic("P006", f"cannot read {fmt}: {e}", shown))
            return report
        columns: t.Collection[str] = table.columns
    elif fmt == "json":
        try:
            records = json_array(path, gz)
        except (msgspec.DecodeError, UnicodeDecodeError) as e:
            report = FileReport(shown, opts.task)
            report.diagnostics.append(Diagnostic("P001", f"invalid JSON: {e}", shown))
            return report
        if not isinstance(records, list):
            report = FileReport(shown, opts.task)
            report.diagnostics.append(Diagnostic("P009", "the top level is not an array of records", shown))
            return report
        columns = {k for r in records[:PROBE_RECORDS] if isinstance(r, dict) for k in r}
    else:
        columns = probe_jsonl(path, gz)

    name = opts.task or task_registry.infer(columns, opts)
    report = FileReport(shown, name, task_inferred=opts.task is None)
    if name is None:
        found = ", ".join(sorted(columns)[:20]) or "none"
        report.diagnostics.append(Diagnostic(
            "S004", f"cannot infer the task from the columns ({found})", shown,
            hint="pass --task text|chat|dpo|grpo and the --field-* mapping"))
        return report
    task = task_registry.get(name)
    head: list[Finding] = []
    if task.url_rules:
        if fmt not in ("json", "jsonl"):
            head.append(Finding("P007", f"{name} data is {fmt}; at a URL the trainer loads only JSON or JSON Lines",
                                None, "convert it: ftprep convert ... -o data.jsonl"))
        if os.path.getsize(path) > opts.max_url_bytes:
            head.append(Finding("P008", f"{os.path.getsize(path):,} bytes; the trainer's limit is {opts.max_url_bytes:,}",
                                None, "split the data or host it on the Hub"))
    if name in ("chat", "custom_chat") and opts.chat_template == "phi_4":
        from ftprep.tasks.chat_rules import VERSION_RISKY

        head.append(Finding("C018", VERSION_RISKY["phi_4"], None, "prefer chatml or qwen3 if the job may run on an older image"))

    if table is not None:
        scan, line_of_table = scan_table(table, fmt, task, opts)
    elif fmt == "json":
        scan = scan_records(records, task, opts)
        del records  # a token pass may read the file again: do not hold it twice
    else:
        scan = scan_jsonl(path, gz, task, opts)
    line_of: t.Callable[[int], int | None] = scan.line_of
    if fmt == "json":
        scan.found = [(None, r, *rest) for _, r, *rest in scan.found]
        line_of = _no_line
    if table is not None:
        line_of = line_of_table
    report.rows = scan.rows
    finish(report, scan, task, opts, head, set(columns), line_of)
    report.diagnostics += load_report.diagnostics(scan.types, scan.cells, fmt, task, opts, shown, line_of, (path, gz))
    report.diagnostics.sort(key=lambda d: (-1 if d.row is None else d.row))
    if opts.tokenizer or opts.max_seq_len:
        from ftprep.tokens import (
            length_diagnostics,  # issue 3: exact or estimated token lengths
        )

        # Kept per code like every other finding: at most max_per_code, the rest counted.
        kept: dict[str, int] = {}
        for d in length_diagnostics(path, task, opts, shown, report.stats):
            kept[d.code] = kept.get(d.code, 0) + 1
            if kept[d.code] <= opts.max_per_code:
                report.diagnostics.append(d)
            else:
                report.dropped[d.code] = report.dropped.get(d.code, 0) + 1
    return report


def probe_jsonl(path: str, gz: bool) -> set[str]:
    """Keys of the first records, to infer the task."""
    keys: set[str] = set()
    with open_bytes(path, gz) as f:
        head = f.read(1 << 20).removeprefix(b"\xef\xbb\xbf")
    decoder = msgspec.json.Decoder()
    for n, line in enumerate(head.split(b"\n")[:PROBE_RECORDS]):
        try:
            obj = decoder.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):
            continue
        if isinstance(obj, dict):
            keys.update(obj)
    return keys


def scan_jsonl(path: str, gz: bool, task: Task, opts: Options) -> Scan:
    size = os.path.getsize(path)
    workers = opts.workers if opts.workers is not None else (os.cpu_count() or 1)
    if gz or workers <= 1 or size < PARALLEL_MIN_BYTES:
        scan = Scan(opts.max_per_code)
        with open_bytes(path, gz) as f:
            read_stream(RowChecker(task, opts), scan, f, None, True, True)
        return scan
    return scan_parallel(path, size, task, opts, workers)


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


def scan_parallel(path: str, size: int, task: Task, opts: Options, workers: int) -> Scan:
    import concurrent.futures
    import multiprocessing

    # Ranges of ~64 MB keep each worker's memory small; order is restored on merge.
    parts = max(workers, min(256, size // (64 << 20) + 1))
    points = split_points(path, size, parts)
    task.row_type(opts)  # built before the fork, so every worker hashes rows alike
    ctx = multiprocessing.get_context("fork")
    total = Scan(opts.max_per_code)
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(scan_range, path, a, b, task.name, opts, b == size, a == 0)
                   for a, b in zip(points, points[1:])]
        for fut in futures:
            total.merge(fut.result())
    return total


def _no_line(row: int) -> None:
    return None


def scan_table(table: t.Any, fmt: str, task: Task, opts: Options) -> tuple[Scan, t.Callable[[int], int | None]]:
    """Scan a table's records; their lines (CSV) replace the pseudo lines after."""
    checker = RowChecker(task, opts)
    scan = Scan(opts.max_per_code)
    starts = array.array("q")
    if fmt in ("csv", "tsv"):  # Parquet stores its types; CSV cells are typed by pandas at load
        kept = load_report.kept_columns(task, opts)
        scan.cells = CsvTypes(table.columns if kept is None else kept)
    try:
        for records, lines in table.batches(TABLE_BATCH):
            if scan.cells is not None:
                scan.cells.batch(records)
            checker.records(scan, records)
            starts.extend(ln or 0 for ln in lines)
    except TableError as e:  # a table can break part-way: report where reading stopped
        scan.add(None, None, Finding("P006", f"cannot read {fmt} after {scan.rows:,} rows: {e}"))
    for row, message in table.broken:
        scan.add(row + 1, row, Finding("P006", message))
    def line_of(row: int) -> int | None:
        return starts[row] if row < len(starts) and starts[row] else None

    scan.found = [(None if f[1] is None else line_of(f[1]), *f[1:]) for f in scan.found]
    return scan, line_of


def scan_records(records: list[t.Any], task: Task, opts: Options) -> Scan:
    checker = RowChecker(task, opts)
    scan = Scan(opts.max_per_code)
    for start in range(0, len(records), TABLE_BATCH):
        checker.records(scan, records[start:start + TABLE_BATCH])
    return scan


def finish(report: FileReport, scan: Scan, task: Task, opts: Options, head: list[Finding],
           columns: set[str], line_of: t.Callable[[int], int | None]) -> None:
    path = report.path
    out: list[Diagnostic] = [Diagnostic(f.code, f.message, path, field=f.field, hint=f.hint) for f in head]
    counts = dict(scan.counts)
    found = scan.found
    if scan.rows == 0 and not found:
        out.append(Diagnostic("P004", "no records", path, hint="the file is empty"))
    missing = [c for c in task.mapped(opts).values() if scan.rows and scan.absent.get(c, 0) == scan.rows]
    for col in missing:
        keys = columns | scan.keys
        guess = next((c for c in CANDIDATES.get(col, ()) if c in keys), None)
        option = next((o for o, d in task.fields.items() if opts.field(o, d) == col), "")
        hint = (f"map it: --{option.replace('_', '-')} {guess}" if guess
                else f"columns found: {', '.join(sorted(keys)[:12]) or 'none'}")
        out.append(Diagnostic("S001", f"required column '{col}' is missing from every record", path,
                              field=col, hint=hint))
        found = [f for f in found if not (f[2] == "V001" and f[4] == col)]
        counts["V001"] = counts.get("V001", 0) - scan.absent[col]
    if scan.rows and not missing and task.name not in ("chat", "custom_chat") and scan.empty_rows * 5 > scan.rows * 4:
        out.append(Diagnostic("D003", f"{scan.empty_rows:,} of {scan.rows:,} rows are empty; the trainer's prep fails "
                              "above 80%", path))
    for line, row, code, message, field, hint in found:
        if code in AGGREGATED:
            n = scan.firsts.get((code, field), 1)
            if n > 1:
                message = f"{message} (and {n - 1:,} more row{'s' if n > 2 else ''})"
        out.append(Diagnostic(code, message, path, line=line, row=row, field=field, hint=hint))
    out += duplicates(scan.hashes, path, line_of)
    if 0 < scan.rows < opts.min_rows:
        out.append(Diagnostic("D002", f"{scan.rows:,} rows; the service's minimum is {opts.min_rows:,}", path,
                              hint="add data, or set --min-rows if your job's minimum differs"))
    kept: dict[str, int] = {}
    for d in out:
        kept[d.code] = kept.get(d.code, 0) + 1
    report.dropped = {c: n - kept.get(c, 0) for c, n in counts.items()
                      if c not in AGGREGATED and n - kept.get(c, 0) > 0}
    out.sort(key=lambda d: (-1 if d.row is None else d.row))
    report.diagnostics = out


def duplicates(hashes: t.Any, path: str, line_of: t.Callable[[int], int | None]) -> list[Diagnostic]:
    """D001 for each row whose trained columns repeat an earlier row."""
    out = []
    for row, first in duplicate_rows(hashes):
        line, first_line = line_of(row), line_of(first)
        where = f"line {first_line}" if first_line else f"row {first}"
        out.append(Diagnostic("D001", f"duplicate of {where} in the trained columns", path, line=line, row=row))
    return out


# Above this many rows, keys are split into buckets so that only one bucket's
# set is alive at a time (a set of 5M ints alone would take ~400 MB).
BUCKETED = 200_000
BUCKETS = 64


def duplicate_rows(hashes: t.Any) -> list[tuple[int, int]]:
    """(row, first row with the same key) for every repeat; key 0 means no key."""
    if len(hashes) < 2:
        return []
    if len(hashes) <= BUCKETED:  # the common case, no repeats: one C-level pass decides
        keys = set(hashes)
        keys.discard(0)
        if len(keys) == len(hashes) - hashes.count(0):
            return []
    if len(hashes) > BUCKETED:
        buckets: list[t.Any] = [array.array("q") for _ in range(BUCKETS)]
        put = [b.append for b in buckets]
        for h in hashes:
            put[h & (BUCKETS - 1)](h)
        repeated: set[int] = set()
        for bucket in buckets:
            if len(set(bucket)) != len(bucket):
                repeated.update(h for h, n in collections.Counter(bucket).items() if n > 1)
        del buckets
        repeated.discard(0)
        if not repeated:
            return []
    else:
        repeated = None  # type: ignore[assignment]
    first: dict[int, int] = {}
    pairs = []
    for row, h in enumerate(hashes):
        if h == 0 or (repeated is not None and h not in repeated):
            continue
        j = first.setdefault(h, row)
        if j != row:
            pairs.append((row, j))
    return pairs


__all__ = ["check", "check_file", "SourceError"]
