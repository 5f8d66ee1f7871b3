"""One local data file to one `FileReport`.

Per file: sniff the format, infer the task from the columns when none is
given, scan the rows (ftprep.engine.file_scans; in parallel for big JSON
Lines files), then add the dataset-level findings (missing columns,
duplicates, row count, emptiness). The rows are read once: the JSON Lines
probe's head is read on by the scan, and the token counts of
`--tokenizer/--max-seq-len` are made in the scan's pass.
"""

from __future__ import annotations

import contextlib
import os
import typing as t


from ftprep.engine import answer_tally, load_report
from ftprep import tasks as task_registry
from ftprep.engine.columns import missing_column
from ftprep.core.diagnostics import Diagnostic, FileReport, duplicate_message
from ftprep.engine.duplicates import first_duplicates
from ftprep.engine.pairs_quality import answer_languages, length_bias
from ftprep.engine.file_scans import Tokens, scan_jsonl, scan_records, scan_table
from ftprep.engine.leak_checks import leak_checks
from ftprep.reading.elements import element_lines
from ftprep.core.bounds import bounds_of, capped
from ftprep.core.errors import DecompressionCapped
from ftprep.core.options import Options
from ftprep.engine.scan_state import AGGREGATED, Scan
from ftprep.engine.shards import SHARD, Shard
from ftprep.reading.formats import format_of
from ftprep.reading.ladder import Opening, open_data
from ftprep.reading.read_findings import GZIP_ERRORS, undecompressable
from ftprep.tasks import Task
from ftprep.tasks.base import Finding

# Files below this size are scanned in-process: a pool costs more than it saves.
PARALLEL_MIN_BYTES = 48 << 20
# Where rows start: given the rows that have findings, a row -> line lookup.
Placer = t.Callable[[t.Collection[int]], t.Callable[[int], t.Optional[int]]]


def check_file(path: str, opts: Options, display: str | None = None) -> FileReport:
    """Check one local data file (JSON Lines, JSON, CSV, TSV, Parquet, gzipped or not)."""
    try:
        report = _check_file(path, opts, display)
    except DecompressionCapped as e:  # before any record: the JSON array or the CSV header
        shown = display or path
        message, hint = capped(e)
        report = FileReport(shown, opts.task, diagnostics=[Diagnostic("P014", message, shown, line=e.line, hint=hint)])
    except GZIP_ERRORS as e:
        if not format_of(path)[1]:
            raise
        shown = display or path
        report = FileReport(shown, opts.task, diagnostics=[undecompressable(e, shown)])
    if display is None and report.task and "tokens" not in report.stats:
        from ftprep.engine.lengths import estimate_later

        # A page drawn later from a check run without token options: the estimate, on demand.
        report.stats["tokens_later"] = estimate_later(path, report.task, opts)
    return report


def _check_file(path: str, opts: Options, display: str | None = None) -> FileReport:
    with contextlib.ExitStack() as files:
        return _check_open(path, opts, display or path, files)


def check_table(table: t.Any, opts: Options, shown: str) -> FileReport:
    """Check a table opened elsewhere (a Hub dataset's Parquet files read as one):
    anything with the `columns`, `broken`, `unclosed` and `batches` of a Parquet `Table`."""
    with contextlib.ExitStack() as files:
        return _check_opening(Opening("parquet", False, columns=list(table.columns), table=table), shown, opts,
                              shown, files)


def _check_open(path: str, opts: Options, shown: str, files: contextlib.ExitStack) -> FileReport:
    return _check_opening(open_data(path, bounds_of(opts), shown), path, opts, shown, files)


def _check_opening(opening: Opening, path: str, opts: Options, shown: str, files: contextlib.ExitStack) -> FileReport:
    if opening.head is not None:  # one open: the probe's head is read on by the scan
        files.enter_context(opening.head)
    if opening.finding is not None:  # the trainer stops before any row (P001, P006, P009, P011)
        return FileReport(shown, opts.task, diagnostics=[opening.finding])
    fmt, gz, table, records, stream = opening.fmt, opening.gz, opening.table, opening.records, opening.head
    columns: t.Collection[str] = opening.columns
    del opening  # a JSON array's records are held once, by `records`

    name = opts.task or task_registry.infer(columns, opts)
    report = FileReport(shown, name, task_inferred=opts.task is None)
    if name is None:
        found = ", ".join(sorted(columns)[:20]) or "none"
        report.diagnostics.append(Diagnostic(
            "S004", f"cannot infer the task from the columns ({found})", shown,
            hint="pass --task text|chat|dpo|grpo and the --field-* mapping"))
        if fmt == "jsonl" and not columns:  # no record decoded: say where each line breaks
            from ftprep.reading.parse_errors import parse_errors

            decoded, found_lines, report.dropped = parse_errors(path, gz, opts, shown)
            report.diagnostics += found_lines
            if not decoded and not found_lines:  # nothing at all: that, not the task, is the problem
                report.diagnostics = [Diagnostic("P004", "no records", shown, hint="the file is empty")]
        return report
    task = task_registry.get(name)
    if task.kind != task_registry.ROWS:  # an image task handed a data file (standard input, a URL)
        raise ValueError(f"{shown}: the {name} task takes {task.takes}")
    head = head_findings(path, fmt, task, opts)
    tokens: Tokens = None
    if opts.tokenizer or opts.max_seq_len or opts.count_lengths:  # in the scan's pass (a bad tokenizer fails here)
        from ftprep.engine.lengths import check_tally

        tokens = check_tally(task, opts, shown, columns)
    if table is not None:
        scan, line_of_table = scan_table(table, fmt, task, opts, tokens)
    elif fmt == "json":
        scan = scan_records(records or [], task, opts, tokens)  # a JSON document always has its records
        del records  # the lines of the rows with findings are looked up in the raw bytes: do not hold both
    else:
        scan = scan_jsonl(path, gz, task, opts, stream, tokens, parallel_min=PARALLEL_MIN_BYTES)
    placer: Placer = lambda rows: scan.line_of
    lines = ElementLines(path, gz)
    if fmt == "json":  # a record's line is found in the raw bytes, for the rows that have findings
        scan.found = [f._replace(line=None) for f in scan.found]
        placer = lines
    if table is not None:
        placer = lambda rows: line_of_table  # noqa: E731
    report.rows = scan.rows
    # The loader's type inference, per column; a JSON array's rows get their lines like every finding.
    load = load_report.diagnostics(scan.types, scan.cells, fmt, task, opts, shown,
                                   scan.line_of if fmt == "jsonl" else placer(()) if table is not None else _no_line,
                                   (path, gz))
    lengths: list[Diagnostic] = []
    if tokens is not None and (opts.tokenizer or opts.max_seq_len):  # count_lengths alone reports nothing
        from ftprep.engine.lengths import length_findings

        lengths = length_findings(tokens[1])
    lines.want(r for d in load + lengths for r in (d.row, *(d.rows or ())) if r is not None)
    finish(report, scan, task, opts, head, set(columns), placer)
    if fmt == "json" and load:
        line_of = placer(())
        load = [d.placed(line_of) for d in load]
    report.diagnostics += load
    leak_checks(report, path, task, opts, shown, placer)  # Q001-Q004, from the rows' signatures
    report.diagnostics.sort(key=lambda d: (-1 if d.row is None else d.row))
    if tokens is not None:
        report.stats["tokens"] = tokens[1]
        report.diagnostics += kept_per_code(report, lengths, opts, placer if fmt == "json" else None)
    return report


def head_findings(path: str, fmt: str, task: Task, opts: Options) -> list[Finding]:
    """The file-level findings known before any row is read: size and format at a URL, risky templates."""
    head: list[Finding] = []
    if task.url_rules:
        if fmt not in ("json", "jsonl"):
            head.append(Finding("P007", f"{task.name} data is {fmt}; at a URL the trainer loads only JSON or "
                                "JSON Lines", None, "convert it: ftprep convert ... -o data.jsonl"))
        if os.path.getsize(path) > opts.max_url_bytes:
            head.append(Finding("P008", f"{os.path.getsize(path):,} bytes; the trainer's limit is "
                                f"{opts.max_url_bytes:,}", None, "split the data or host it on the Hub"))
    if task.base == "chat" and opts.chat_template == "phi_4":
        from ftprep.tasks.chat_rules import VERSION_RISKY

        head.append(Finding("C018", VERSION_RISKY["phi_4"], None,
                            "prefer chatml or qwen3 if the job may run on an older image"))
    return head


def kept_per_code(report: FileReport, found: list[Diagnostic], opts: Options,
                  placer: Placer | None) -> list[Diagnostic]:
    """Findings made after the scan (T001/T002/T003), kept per code like every other
    finding (at most max_per_code, the rest counted); `placer`: a JSON array's lines."""
    kept: dict[str, int] = {}
    out: list[Diagnostic] = []
    for d in found:
        kept[d.code] = kept.get(d.code, 0) + 1
        if kept[d.code] <= opts.max_per_code:
            out.append(d)
        else:
            report.dropped[d.code] = report.dropped.get(d.code, 0) + 1
    if placer is not None and out:  # their records' lines, like every other finding's
        line_of = placer({d.row for d in out if d.row is not None})
        out = [d.placed(line_of) for d in out]
    return out


class ElementLines:
    """A JSON array's record lines, found in one read of its raw bytes for all the
    rows asked for so far and named beforehand (`want`); a row not named reads again."""

    def __init__(self, path: str, gz: bool) -> None:
        self.path, self.gz = path, gz
        self.wanted: set[int] = set()
        self.asked: set[int] | None = None
        self.known: dict[int, int] = {}

    def want(self, rows: t.Iterable[int]) -> None:
        self.wanted.update(rows)

    def __call__(self, rows: t.Collection[int]) -> t.Callable[[int], int | None]:
        if self.asked is None or not self.asked.issuperset(rows):
            self.asked = {*(self.asked or ()), *rows, *self.wanted}
            self.known = element_lines(self.path, self.gz, self.asked)
        return self.known.get


def _no_line(row: int) -> None:
    return None


def finish(report: FileReport, scan: Scan, task: Task, opts: Options, head: list[Finding],
           columns: set[str], placer: Placer) -> None:
    path = report.path
    out: list[Diagnostic] = [Diagnostic(f.code, f.message, path, field=f.field, hint=f.hint) for f in head]
    counts = dict(scan.counts)
    found = scan.found
    if scan.rows == 0 and not found:
        out.append(Diagnostic("P004", "no records", path, hint="the file is empty"))
    # Rows that are not objects (a bad JSON line) cannot hide a missing column.
    records = scan.rows - scan.unparsed
    missing = [c for c in task.mapped(opts).values() if records and scan.absent.get(c, 0) == records]
    for col in missing:
        out.append(missing_column(task, opts, col, columns | scan.keys, path))
        found = [f for f in found if not (f.code == "V001" and f.field == col)]
        counts["V001"] = counts.get("V001", 0) - scan.absent[col]
    # One file of a dataset (--dataset): D001, D002 and D003 are made over all its files (ftprep.engine.shards).
    whole = not opts.dataset
    if whole and scan.rows and not missing and task.base != "chat" and scan.empty_rows * 5 > scan.rows * 4:
        out.append(Diagnostic("D003", f"{scan.empty_rows:,} of {scan.rows:,} rows are empty; the trainer's prep fails "
                              "above 80%", path))
    for f in found:
        many: dict[str, t.Any] = {}
        if f.code in AGGREGATED:  # one finding for every row with this cause
            key = (f.code, f.field)
            many = {"count": scan.firsts.get(key, 1), "rows": tuple(scan.places.get(key, ()))}
        out.append(Diagnostic(f.code, f.message, path, line=f.line, row=f.row, field=f.field, hint=f.hint,
                              column=f.column, **many))
    pairs, counts["D001"] = first_duplicates(scan.hashes, opts.max_per_code) if whole else ([], 0)
    if whole and 0 < scan.rows < opts.min_rows:
        out.append(Diagnostic("D002", f"{scan.rows:,} rows; the service's minimum is {opts.min_rows:,}", path,
                              hint="add data, or set --min-rows if your job's minimum differs"))
    out += answer_languages(scan.pairs, path, opts)  # Q031: the scan's sampled pairs, judged once here
    if scan.pairs is not None and scan.pairs.pairs:  # DPO: length bias, a statistic and above its threshold a warning
        report.stats["pairs"] = scan.pairs.stats()
        out += length_bias(scan.pairs, path)
    out += answer_tally.findings(scan, path)  # refusal share (Q021), truncated answers (Q026)
    kept: dict[str, int] = {"D001": len(pairs)}
    for d in out:
        kept[d.code] = kept.get(d.code, 0) + 1
    report.dropped = {c: n - kept.get(c, 0) for c, n in counts.items()
                      if c not in AGGREGATED and n - kept.get(c, 0) > 0}
    # Lines are looked up, once, for the findings that lack some: all of a JSON
    # array's, the rows an aggregated finding stands for, both rows of a duplicate.
    unplaced = [i for i, d in enumerate(out) if (d.line is None and d.row is not None) or d.rows is not None]
    wanted = {r for i in unplaced for r in (out[i].row, *(out[i].rows or ())) if r is not None}
    wanted.update(r for pair in pairs for r in pair)
    line_of = placer(wanted) if wanted else scan.line_of
    for i in unplaced:
        out[i] = out[i].placed(line_of)
    out += duplicates(pairs, path, line_of)
    out.sort(key=lambda d: (-1 if d.row is None else d.row))
    report.diagnostics = out
    if not whole:
        empty = None if missing or task.base == "chat" else scan.empty_rows
        shard_lines = placer
        if placer(()) == scan.line_of:  # JSON Lines: keep the lines' gaps, not the whole scan with its findings
            gaps = Scan(0, gaps=scan.gaps)
            shard_lines = lambda rows: gaps.line_of  # noqa: E731
        report.stats[SHARD] = Shard(scan.hashes, scan.rows, empty, shard_lines)
    if scan.hidden:
        report.hidden_error_rows = scan.hidden


def duplicates(pairs: list[tuple[int, int]], path: str, line_of: t.Callable[[int], int | None]) -> list[Diagnostic]:
    """D001 for each row whose trained columns repeat an earlier row: both rows, by line where known."""
    out = []
    for row, first in pairs:
        first_line = line_of(first)
        out.append(Diagnostic("D001", duplicate_message(row, first, first_line), path, line=line_of(row), row=row,
                              first_line=first_line, first_row=first))
    return out


__all__ = ["check_file", "check_table", "finish", "head_findings", "scan_jsonl", "scan_records", "scan_table"]
