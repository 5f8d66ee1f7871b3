"""The record conversion behind `ftprep.convert` (ftprep.verbs.convert): raw data to the canonical columns.

Records stream from the source, are mapped by `shapes`, written to a
temporary JSON Lines file and checked there with the same engine as `check`.
Diagnostics point back at the source lines. The output is renamed into place
only when the data is clean (or `drop_invalid` removes the bad rows), so a
failure or a crash leaves nothing half-written.
"""

from __future__ import annotations

import array
import dataclasses
import os
import typing as t

import msgspec

from ftprep.core import schema as contract
from ftprep.core.schema import JOB_FIELDS

from ftprep.engine import shapes
from ftprep import tasks as task_registry
from ftprep.engine.checker import check_file
from ftprep.core.diagnostics import ERROR, Diagnostic, FileReport, Report
from ftprep.core.results import Conversion
from ftprep.disk.outputs import discard, publish, sweep, temp_file
from ftprep.reading.read_findings import SourceFindings, too_deep, unreadable
from ftprep.reading.records import Source, guarded_records
from ftprep.engine.remedies import Dedupe, TextFix, without
from ftprep.engine.secrets_scan import Redaction
from ftprep.engine.source_findings import ColumnGauge, json_lines
from ftprep.core.bounds import bounds_of
from ftprep.core.options import Options
from ftprep.tasks.base import a, kind

# Written rows checked against the published schema (a guard against drift).
# jsonschema walks a row in Python at ~0.2 ms a message: rows longer than
# CONTRACT_ROW_BYTES stay out of the sample, so one huge row cannot cost minutes.
CONTRACT_SAMPLE = 100
CONTRACT_ROW_BYTES = 1 << 16


def convert_records(src: str, dst: str, opts: Options, task: str | None, chat_template: str | None,
                    drop_invalid: bool, min_rows: int) -> Conversion:
    """Convert one data file of records (not images) to the canonical columns of `task`."""
    out_fmt = _output_format(dst, task)
    columns, records = guarded_records(src, bounds_of(opts))
    name = task or task_registry.infer(columns, opts)
    if name is None:
        report = Report([FileReport(src, None, task_inferred=True, diagnostics=[Diagnostic(
            "S004", f"cannot infer the task from the columns ({', '.join(columns[:20]) or 'none'})", src,
            hint="pass --task and the --field-* mapping")])])
        if not columns:  # nothing decoded to an object: what broke, and where, is the news
            report.files[0].diagnostics += unreadable(records, opts.max_per_code, report.files[0])
        return Conversion(report, None, "", "", 0, 0, 0, False, {})
    if out_fmt not in task_registry.get(name).writes:  # the URL tasks: JSON Lines only
        raise ValueError("custom_* data is loaded from a URL as JSON or JSON Lines: write .jsonl")
    records, sample = _peek(records)
    shape = shapes.detect(name, columns, opts, sample)
    normalize = shapes.mapper(name, shape, opts)
    canonical = Options(task=name, chat_template=chat_template, min_rows=min_rows, tokenizer=opts.tokenizer,
                        max_seq_len=opts.max_seq_len)

    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    sweep(folder)  # temporaries of writers killed before they could clean up
    source_lines = array.array("q")
    source_rows = array.array("q")
    source = SourceFindings(opts.max_per_code)
    head = source.kept
    notes = shapes.Notes(src)
    skipped = 0
    rows_in = 0
    gauge = ColumnGauge(task_registry.get(name), opts)
    encoder = msgspec.json.Encoder()
    # The remedies run in this order: the text repaired first (a key garbled by mojibake
    # is then found), redacted next, and deduplicated last, on the text as it is written.
    fixing = TextFix() if opts.fix_text else None
    redaction = Redaction() if opts.redact else None
    dedupe = Dedupe(task_registry.get(name), canonical, opts.near_duplicates) if opts.dedupe else None
    fd, tmp = temp_file(folder, ".jsonl")
    deduped = ""
    try:
        with os.fdopen(fd, "wb") as f:
            for line, row, rec in records:
                rows_in += 1
                if isinstance(rec, Diagnostic):
                    source.add(rec)
                    continue
                if not isinstance(rec, dict):
                    source.add(Diagnostic("P005", f"record is {a(kind(rec))}, not an object", src,
                                           line=line, row=row))
                    continue
                gauge.source(rec)
                try:
                    out, changed = normalize(rec)
                    if fixing is not None and out is not None:
                        out = fixing.row(out, line, row)
                    if redaction is not None and out is not None:
                        out = redaction.row(out, line, row)
                    encoded = encoder.encode(out) if out is not None else b""
                except shapes.Unmappable as e:
                    source.add(Diagnostic(e.code, str(e), src, line=line, row=row, field=e.field,
                                          hint=e.hint or "fix the record, or map other columns with --field-*"))
                    continue
                except RecursionError:  # a JSON string in it, or the record itself, too deep to walk
                    source.add(too_deep(src, line, row))
                    continue
                notes.add(changed, line, row)
                if out is None:  # dropped by design (a KTO row labelled undesirable): reported by `notes`
                    skipped += 1
                    continue
                gauge.written(out)
                if dedupe is not None:
                    dedupe.add(encoded, out)
                f.write(encoded + b"\n")
                source_lines.append(line or 0)
                source_rows.append(row)
        remedied = [r.diagnostic(src) for r in (fixing, redaction) if r is not None]
        if dedupe is not None:  # the check below sees the rows the trainer will
            marks = dedupe.dropped()
            remedied.append(dedupe.diagnostic(src, marks, source_lines, source_rows))
            if dedupe.exact + dedupe.near:
                deduped, source_lines, source_rows = without(tmp, marks, source_lines, source_rows)
                skipped += dedupe.exact + dedupe.near
        checked = check_file(deduped or tmp, canonical, display=src)
        if out_fmt == "parquet":  # Parquet stores string columns as strings: no date inference at load
            checked.diagnostics = [d for d in checked.diagnostics if d.code != "L001"]
        mapped = [_to_source(d, src, source_lines, source_rows) for d in checked.diagnostics]
        mapped = gauge.missing(mapped, checked.dropped, columns, src)
        mapped, head = json_lines(src, mapped), json_lines(src, head)
        if head and not source_rows:  # every record failed before mapping: "no records" says nothing
            mapped = [d for d in mapped if d.code != "P004"]
        # The row minimum is about what would be written, judged below.
        mapped = [d for d in mapped if d.code != "D002"]
        diags = head + notes.diagnostics() + [d for d in remedied if d is not None] + mapped
        dropped = dict(checked.dropped)
        for code, n in source.dropped.items():
            dropped[code] = dropped.get(code, 0) + n
        file_report = FileReport(src, name, rows=rows_in, task_inferred=task is None,
                                 diagnostics=sorted(diags, key=lambda d: -1 if d.row is None else d.row),
                                 dropped=dropped)
        report = Report([file_report])
        # Rows the check found errors in; rows that failed before it (head) never reached the file.
        bad = {d.row for d in mapped if d.severity == ERROR and d.row is not None}
        if checked.hidden_error_rows:  # errors beyond the cap of shown findings: their rows are bad too
            bad.update(source_rows[r] for r in checked.hidden_error_rows if r < len(source_rows))
        n_bad = len(bad) + source.bad_rows
        file_level = [d for d in diags if d.severity == ERROR and d.row is None]
        kept = rows_in - n_bad - skipped if drop_invalid else rows_in - skipped
        thinned = drop_invalid or (dedupe is not None and dedupe.exact + dedupe.near > 0)
        if 0 < kept < min_rows:
            file_report.diagnostics.insert(0, Diagnostic(
                "D002", f"{kept:,} rows {'to write' if thinned else 'in the source'}; the service's minimum is "
                f"{min_rows:,}", src, hint="add data, or set --min-rows if your job's minimum differs"))
        job = JOB_FIELDS[task_registry.base_of(name)]
        if file_level or (n_bad and not drop_invalid):
            return Conversion(report, None, name, shape, rows_in, 0, n_bad, False, job)
        if _writable(source_rows, bad) == 0:  # an empty output would train nothing: not written
            file_report.diagnostics.insert(0, Diagnostic(
                "P004", f"no rows to write: all {rows_in:,} source rows were dropped or refused", src,
                hint="see the findings above; fix or map the rows"))
            return Conversion(report, None, name, shape, rows_in, 0, rows_in, False, job)
        written = _finish(deduped or tmp, dst, out_fmt, bad, source_rows, name)
        return Conversion(report, dst, name, shape, rows_in, written, rows_in - written, True, job,
                          rows_deduplicated=dedupe.exact + dedupe.near if dedupe is not None else 0)
    finally:
        discard(tmp)
        if deduped:
            discard(deduped)


def _peek(records: Source) -> tuple[Source, dict[str, t.Any] | None]:
    """The first record (for shape detection), without losing it."""
    import itertools

    first = next(records, None)
    if first is None:
        return iter(()), None
    rec = first[2] if isinstance(first[2], dict) else None
    return itertools.chain([first], records), rec


def _output_format(dst: str, task: str | None) -> str:
    lower = dst.lower()
    if lower.endswith(".jsonl") or lower.endswith(".ndjson"):
        return "jsonl"
    if lower.endswith(".parquet"):
        return "parquet"
    if lower.endswith(".json") and task_registry.from_url(task):
        return "jsonl"
    raise ValueError(f"{dst}: the output must end in .jsonl or .parquet")


def _to_source(d: Diagnostic, src: str, lines: array.array, rows: array.array) -> Diagnostic:
    """A finding on the converted rows, moved to the source rows and lines."""
    if d.row is None:
        return dataclasses.replace(d, path=src, line=None)

    def line_of(r: int) -> int | None:
        return (lines[r] or None) if r < len(lines) else None

    def row_of(r: int) -> int:
        return rows[r] if r < len(rows) else r

    d = d.placed(line_of, row_of, path=src)
    if d.hint and "ftprep convert" in d.hint:  # printed by convert itself: it cannot map this value
        d = dataclasses.replace(d, hint="convert cannot map this value: fix the record, or map other columns with --field-*")
    return d


def _writable(source_rows: array.array, bad: set[int]) -> int:
    """How many mapped rows survive the `bad` ones (source rows are ascending)."""
    import bisect

    hit = sum(1 for b in bad if (k := bisect.bisect_left(source_rows, b)) < len(source_rows) and source_rows[k] == b)
    return len(source_rows) - hit


def _finish(tmp: str, dst: str, fmt: str, bad: set[int], source_rows: array.array, task: str) -> int:
    """Write the checked rows (minus the `bad` source rows) to `dst`, atomically:
    everything is staged beside `dst` and renamed into place last."""
    folder = os.path.dirname(os.path.abspath(dst))
    fd, staged = temp_file(folder, ".jsonl")
    written = 0
    sample: list[dict[str, t.Any]] = []
    try:
        with open(tmp, "rb") as src, os.fdopen(fd, "wb") as out:
            for i, line in enumerate(src):
                if source_rows[i] not in bad:
                    out.write(line)
                    written += 1
                    if len(sample) < CONTRACT_SAMPLE and len(line) <= CONTRACT_ROW_BYTES:
                        sample.append(msgspec.json.decode(line))
        broken = contract.conforms(task, sample)
        if broken:  # a bug in ftprep, never in the data: refuse to write it
            raise RuntimeError(f"canonical {task} rows break schemas/{task}: {broken[0]}")
        if fmt == "parquet":
            import polars as pl

            fd, parquet = temp_file(folder, ".parquet")
            os.close(fd)
            try:
                # Streams: scan the JSON Lines and sink to Parquet without loading it whole.
                pl.scan_ndjson(staged, infer_schema_length=None).sink_parquet(parquet)
                publish(parquet, dst)
            finally:
                discard(parquet)
        else:
            publish(staged, dst)
    finally:
        discard(staged)
    return written
