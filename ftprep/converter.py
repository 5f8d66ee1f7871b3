"""`ftprep.convert` and `ftprep.load`: raw data to the canonical columns.

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
import tempfile
import typing as t

import msgspec

from ftprep import contract, shapes
from ftprep import tasks as task_registry
from ftprep.checker import (
    GZIP_ERRORS,
    TABLE_BATCH,
    check_file,
    probe_jsonl,
    undecompressable,
)
from ftprep.diagnostics import ERROR, Diagnostic, FileReport, Report
from ftprep.files import publish
from ftprep.scan import decode_error
from ftprep.sources import (
    SourceError,
    TableError,
    format_of,
    is_image_set,
    json_array,
    open_bytes,
    read_table,
    sniff_json,
    wrapped_key,
)
from ftprep.tasks.base import DEFAULT_MIN_ROWS, Options, a, kind

# Written rows checked against the published schema (a guard against drift).
CONTRACT_SAMPLE = 100
# API option names (camelCase) for the canonical columns of each task.
JOB_FIELDS = {
    "text": {"fieldInstruction": "instruction", "fieldOutput": "output"},
    "chat": {"fieldConversation": "conversations"},
    "dpo": {"fieldPrompt": "prompt", "fieldChosen": "chosen", "fieldRejected": "rejected"},
    "grpo": {"fieldPrompt": "prompt"},
}


@dataclasses.dataclass
class Conversion:
    """What `convert` did. `written` is False when errors stopped it."""

    report: Report
    output: str | None
    task: str
    shape: str
    rows_in: int
    rows_written: int
    rows_dropped: int
    written: bool
    job_fields: dict[str, str]

    def to_json(self) -> dict[str, t.Any]:
        return {"output": self.output, "task": self.task, "shape": self.shape, "rows_in": self.rows_in,
                "rows_written": self.rows_written, "rows_dropped": self.rows_dropped,
                "written": self.written, "job_fields": self.job_fields, "report": self.report.to_json()}


Source = t.Iterator[tuple[int | None, int, t.Any]]


def read_records(path: str) -> tuple[list[str], Source]:
    """(columns seen in the first records, iterator of (line, row, record or Diagnostic))."""
    fmt, gz = format_of(path)
    if not os.path.isfile(path):
        raise SourceError(f"{path}: no such file")
    if fmt == "json":
        fmt = sniff_json(path, gz)
    if fmt in ("csv", "tsv", "parquet"):
        try:
            df = read_table(path, fmt, gz)
        except TableError as e:
            return [], iter([(None, 0, Diagnostic("P006", f"cannot read {fmt}: {e}", path))])

        def table() -> Source:
            i = 0
            broken = dict(df.broken)
            try:
                for records, lines in df.batches(TABLE_BATCH):
                    for rec, line in zip(records, lines):
                        if i in broken:
                            yield line, i, Diagnostic("P006", broken[i], path, line=line, row=i)
                        else:
                            yield line, i, rec
                        i += 1
            except TableError as e:
                yield None, i, Diagnostic("P006", f"cannot read {fmt} after {i:,} rows: {e}", path)

        return list(df.columns), table()
    if fmt in ("json", "wrapped"):
        try:
            records = json_array(path, gz)
            if fmt == "wrapped":  # {"data": [...]}: the records under their key
                records = records[wrapped_key(records)]
        except (msgspec.DecodeError, UnicodeDecodeError) as e:
            return [], iter([(None, 0, Diagnostic("P001", f"invalid JSON: {e}", path))])
        if not isinstance(records, list):
            return [], iter([(None, 0, Diagnostic("P009", "the top level is not an array of records", path))])
        cols = sorted({k for r in records[:200] if isinstance(r, dict) for k in r})
        return cols, ((None, i, r) for i, r in enumerate(records))
    return sorted(probe_jsonl(path, gz)), _jsonl(path, gz)


def _jsonl(path: str, gz: bool) -> Source:
    decoder = msgspec.json.Decoder()
    row = 0
    with open_bytes(path, gz) as f:
        for n, raw in enumerate(f, 1):
            if n == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            text = raw.strip()
            if not text:
                continue
            try:
                yield n, row, decoder.decode(text)
            except (msgspec.DecodeError, UnicodeDecodeError) as e:
                f = decode_error(text, e, truncated=not raw.endswith(b"\n"))
                yield n, row, Diagnostic(f.code, f.message, path, line=n, row=row, hint=f.hint)
            row += 1


def convert(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    task: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    chat_template: str | None = None,
    drop_invalid: bool = False,
    min_rows: int = DEFAULT_MIN_ROWS,
    **extra: t.Any,
) -> Conversion:
    """Convert a data file to the canonical columns of `task`, checked.

    `output` ends in `.jsonl` or `.parquet` (custom_* tasks: `.jsonl` or `.json`,
    which the trainer loads from a URL). For the image task, `output` is a folder.
    """
    src, dst = str(input), str(output)
    also_zip = bool(extra.pop("also_zip", False))
    opts = Options(task=task, field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt, field_chosen=field_chosen,
                   field_rejected=field_rejected, chat_template=chat_template, min_rows=min_rows, **extra)
    if is_image_set(src, task):
        from ftprep.image import convert_images  # issue 4

        return convert_images(src, dst, opts, drop_invalid=drop_invalid, also_zip=also_zip)
    out_fmt = _output_format(dst, task)
    columns, records = guarded_records(src)
    name = task or task_registry.infer(columns, opts)
    if name is None:
        report = Report([FileReport(src, None, task_inferred=True, diagnostics=[Diagnostic(
            "S004", f"cannot infer the task from the columns ({', '.join(columns[:20]) or 'none'})", src,
            hint="pass --task and the --field-* mapping")])])
        return Conversion(report, None, "", "", 0, 0, 0, False, {})
    if name.startswith("custom_") and out_fmt == "parquet":
        raise ValueError("custom_* data is loaded from a URL as JSON or JSON Lines: write .jsonl")
    records, sample = _peek(records)
    shape = shapes.detect(name, columns, opts, sample)
    normalize = shapes.normalizer(name, shape, opts)
    canonical = Options(task=name, chat_template=chat_template, min_rows=min_rows, tokenizer=opts.tokenizer,
                        max_seq_len=opts.max_seq_len)

    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    source_lines = array.array("q")
    source_rows = array.array("q")
    head: list[Diagnostic] = []
    rows_in = 0
    encoder = msgspec.json.Encoder()
    fd, tmp = tempfile.mkstemp(prefix=".ftprep-", suffix=".jsonl", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            for line, row, rec in records:
                rows_in += 1
                if isinstance(rec, Diagnostic):
                    head.append(rec)
                    continue
                if not isinstance(rec, dict):
                    head.append(Diagnostic("P005", f"record is {a(kind(rec))}, not an object", src,
                                           line=line, row=row))
                    continue
                try:
                    out = normalize(rec)
                except shapes.Unmappable as e:
                    head.append(Diagnostic(e.code, str(e), src, line=line, row=row, field=e.field,
                                           hint="fix the record, or map other columns with --field-*"))
                    continue
                f.write(encoder.encode(out) + b"\n")
                source_lines.append(line or 0)
                source_rows.append(row)
        checked = check_file(tmp, canonical, display=src)
        if out_fmt == "parquet":  # Parquet stores string columns as strings: no date inference at load
            checked.diagnostics = [d for d in checked.diagnostics if d.code != "L001"]
        mapped = [_to_source(d, src, source_lines, source_rows) for d in checked.diagnostics]
        if head and not source_rows:  # every record failed before mapping: "no records" says nothing
            mapped = [d for d in mapped if d.code != "P004"]
        # The row minimum is about what would be written, judged below.
        mapped = [d for d in mapped if d.code != "D002"]
        diags = head + mapped
        file_report = FileReport(src, name, rows=rows_in, task_inferred=task is None,
                                 diagnostics=sorted(diags, key=lambda d: -1 if d.row is None else d.row),
                                 dropped=checked.dropped)
        report = Report([file_report])
        bad = {d.row for d in diags if d.severity == ERROR and d.row is not None}
        file_level = [d for d in diags if d.severity == ERROR and d.row is None]
        kept = rows_in - len(bad) if drop_invalid else rows_in
        if 0 < kept < min_rows:
            file_report.diagnostics.insert(0, Diagnostic(
                "D002", f"{kept:,} rows {'to write' if drop_invalid else 'in the source'}; the service's minimum is "
                f"{min_rows:,}", src, hint="add data, or set --min-rows if your job's minimum differs"))
        job = JOB_FIELDS[name.removeprefix("custom_")]
        if file_level or (bad and not drop_invalid):
            return Conversion(report, None, name, shape, rows_in, 0, len(bad), False, job)
        written = _finish(tmp, dst, out_fmt, bad, source_rows, name)
        return Conversion(report, dst, name, shape, rows_in, written, rows_in - written, True, job)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def guarded_records(path: str) -> tuple[list[str], Source]:
    """`read_records`, where a broken .gz stream is one P010 record, never an exception."""
    try:
        columns, records = read_records(path)
    except GZIP_ERRORS as e:
        return [], iter([(None, 0, undecompressable(e, path))])
    return columns, _guarded(records, path)


def _guarded(records: Source, src: str) -> Source:
    """Records until a .gz stream breaks; then one P010 and stop."""
    try:
        yield from records
    except GZIP_ERRORS as e:
        yield None, 0, undecompressable(e, src)


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
    if lower.endswith(".json") and task and task.startswith("custom_"):
        return "jsonl"
    raise ValueError(f"{dst}: the output must end in .jsonl or .parquet")


def _to_source(d: Diagnostic, src: str, lines: array.array, rows: array.array) -> Diagnostic:
    if d.row is None:
        return dataclasses.replace(d, path=src, line=None)
    row = rows[d.row] if d.row < len(rows) else d.row
    line = lines[d.row] if d.row < len(lines) and lines[d.row] else None
    message = d.message
    if d.code == "D001" and "line " in message:
        # "duplicate of line N" names an output line: point at the source row instead.
        n = int(message.split("line ")[1].split()[0]) - 1
        if 0 <= n < len(rows):
            where = f"line {lines[n]}" if lines[n] else f"row {rows[n]}"
            message = message.replace(f"line {n + 1}", where, 1)
    return dataclasses.replace(d, path=src, line=line, row=row, message=message)


def _finish(tmp: str, dst: str, fmt: str, bad: set[int], source_rows: array.array, task: str) -> int:
    """Write the checked rows (minus the `bad` source rows) to `dst`, atomically:
    everything is staged beside `dst` and renamed into place last."""
    folder = os.path.dirname(os.path.abspath(dst))
    fd, staged = tempfile.mkstemp(prefix=".ftprep-", suffix=".jsonl", dir=folder)
    written = 0
    sample: list[dict[str, t.Any]] = []
    try:
        with open(tmp, "rb") as src, os.fdopen(fd, "wb") as out:
            for i, line in enumerate(src):
                if source_rows[i] not in bad:
                    out.write(line)
                    written += 1
                    if len(sample) < CONTRACT_SAMPLE:
                        sample.append(msgspec.json.decode(line))
        broken = contract.conforms(task, sample)
        if broken:  # a bug in ftprep, never in the data: refuse to write it
            raise RuntimeError(f"canonical {task} rows break schemas/{task}: {broken[0]}")
        if fmt == "parquet":
            import polars as pl

            fd, parquet = tempfile.mkstemp(prefix=".ftprep-", suffix=".parquet", dir=folder)
            os.close(fd)
            try:
                # Streams: scan the JSON Lines and sink to Parquet without loading it whole.
                pl.scan_ndjson(staged, infer_schema_length=None).sink_parquet(parquet)
                publish(parquet, dst)
            finally:
                if os.path.exists(parquet):
                    os.unlink(parquet)
        else:
            publish(staged, dst)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
    return written


def load(
    path: str | os.PathLike[str],
    *,
    task: str | None = None,
    drop_invalid: bool = False,
    **options: t.Any,
) -> t.Any:
    """A polars DataFrame of the canonical columns of a data file (checked like convert).

    Raises `ValueError` with the report's first error when the data has errors
    and `drop_invalid` is False.
    """
    import polars as pl

    with tempfile.TemporaryDirectory(prefix="ftprep-load-") as d:
        out = os.path.join(d, "data.parquet")
        conv = convert(path, out, task=task, drop_invalid=drop_invalid, **options)
        if not conv.written:
            first = next((x for x in conv.report.diagnostics if x.severity == ERROR), None)
            raise ValueError(f"{path}: {conv.report.errors} error(s); first: "
                             f"{first.location if first else ''}: {first.code if first else ''} {first.message if first else ''}")
        return pl.read_parquet(out)
