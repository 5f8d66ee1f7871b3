"""check and convert of in-memory data (ftprep.reading.memory): DataFrames,
Arrow tables, datasets and lists of dicts.

Each part is written, once, as the JSON Lines `push` would upload, and that
file goes through the same checker or converter as any file: findings are the
rules' own, at the record's index (`row`; there is no line, and the report's
path names the object). A conversion without an output gives the canonical
rows back in the kind they came in (`Conversion.data`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tempfile
import typing as t

import msgspec

from ftprep import tasks as task_registry
from ftprep.core.diagnostics import Diagnostic, FileReport, Report
from ftprep.core.options import Options
from ftprep.core.results import Conversion
from ftprep.engine.checker import check_file
from ftprep.engine.converter import convert_records
from ftprep.reading.memory import Written, kind_of, rebuilt, splits, write_jsonl

LINE = re.compile(r"\bline (\d+)")
# The codes whose messages name lines: the loader's type findings ("first at line 3") and duplicates.
LINED = ("L", "D001")
UNWRITABLE_HINT = "push writes JSON Lines: make the value a string, number, boolean, list or dict"


@contextlib.contextmanager
def as_jsonl(part: t.Any) -> t.Iterator[tuple[str, Written]]:
    """One part written to a temporary JSON Lines file, removed after."""
    with tempfile.TemporaryDirectory(prefix="ftprep-memory-") as d:
        path = os.path.join(d, "data.jsonl")
        with open(path, "wb") as f:
            written = write_jsonl(part, f)
        yield path, written


def check_in_memory(data: t.Any, opts: Options) -> list[FileReport]:
    """One `FileReport` per part (each split of a DatasetDict)."""
    _rows_task(opts)
    reports = []
    for label, part in splits(data, opts.name):
        with as_jsonl(part) as (path, written):
            report = check_file(path, opts, display=label)
        report.diagnostics = [_by_row(d, label, written) for d in report.diagnostics]
        reports.append(report)
    return reports


def convert_in_memory(data: t.Any, output: str | None, opts: Options) -> Conversion:
    """Convert in-memory data: to `output` when given, and (without one) back to its own kind."""
    _rows_task(opts)
    parts = splits(data, opts.name)
    if kind_of(data) == "dataset_dict":
        if output is not None:
            raise ValueError("a DatasetDict has several splits: convert one (dd['train']) to an output file")
        return _merged([(label.rsplit("[", 1)[1][:-1], _convert_part(part, label, None, opts))
                        for label, part in parts])
    label, part = parts[0]
    return _convert_part(part, label, output, opts)


def _convert_part(part: t.Any, label: str, output: str | None, opts: Options) -> Conversion:
    kind = kind_of(part) or "list"
    with as_jsonl(part) as (path, written):
        dst = output if output is not None else os.path.join(os.path.dirname(path), "canonical.jsonl")
        conv = convert_records(path, dst, opts, opts.task, opts.chat_template, opts.drop_invalid, opts.min_rows)
        for file in conv.report.files:
            file.path = label
            file.diagnostics = [_by_row(d, label, written) for d in file.diagnostics]
        if output is not None or not conv.written:
            return conv
        decoder = msgspec.json.Decoder()
        with open(dst, "rb") as f:
            records = [decoder.decode(line) for line in f]
    return dataclasses.replace(conv, output=None, data=rebuilt(records, kind))


def _merged(convs: list[tuple[str, Conversion]]) -> Conversion:
    """A DatasetDict's conversions as one: every split's report, its data a DatasetDict."""
    first = convs[0][1]
    written = all(c.written for _, c in convs)
    data = None
    if written:
        import datasets

        data = datasets.DatasetDict({split: c.data for split, c in convs})
    return Conversion(Report([f for _, c in convs for f in c.report.files]), None, first.task, first.shape,
                      sum(c.rows_in for _, c in convs), sum(c.rows_written for _, c in convs),
                      sum(c.rows_dropped for _, c in convs), written, first.job_fields, data,
                      rows_deduplicated=sum(c.rows_deduplicated for _, c in convs))


def _by_row(d: Diagnostic, label: str, written: Written) -> Diagnostic:
    """A finding on the staged lines, at the record's index only, named by the object."""
    d = d.placed(_no_line, path=label)
    if d.code.startswith(LINED):  # only the messages that name the staged lines; others may quote the data
        d = dataclasses.replace(d, message=_rows_named(d.message))
    d = dataclasses.replace(d, line=None)
    if d.row is not None and d.row in written.unwritable:  # the placeholder line's parse error, explained
        d = Diagnostic("P001", f"row {d.row} cannot be written as JSON: {written.unwritable[d.row]}", label,
                       row=d.row, field=d.field, hint=UNWRITABLE_HINT)
    return d


def _rows_named(text: str) -> str:
    """A message's "line N" of the staged file as the record's index: each record is one line."""
    return LINE.sub(lambda m: f"row {int(m[1]) - 1}", text)


def _no_line(row: int) -> None:
    return None


def _rows_task(opts: Options) -> None:
    if opts.task is not None and task_registry.get(opts.task).kind != task_registry.ROWS:
        raise ValueError(f"the {opts.task} task takes {task_registry.get(opts.task).takes}, not in-memory data")


__all__ = ["as_jsonl", "check_in_memory", "convert_in_memory"]
