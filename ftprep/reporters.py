"""Reporters: a `Report` to text, JSON or GitHub workflow annotations.

JSON is the versioned contract (`version: 2`); text is for people and may
change. Every reporter shows the same structured finding: its message with the
count of further rows (`Diagnostic.text`), its line, field and hint.
`REPORTERS` drives the CLI's `--format` choices.
"""

from __future__ import annotations

import json
import typing as t

from ftprep.diagnostics import ERROR, Report


def text(report: Report, stream: t.TextIO, summary: bool = True) -> None:
    for f in report.files:
        inferred = " (inferred)" if f.task_inferred and f.task else ""
        if f.task:
            stream.write(f"{f.path}: task {f.task}{inferred}, {f.rows:,} rows\n")
        for d in f.diagnostics:
            extra = f" [{d.field}]" if d.field else ""
            stream.write(f"{d.location}: {d.code} {d.text}{extra}\n")
            if d.hint:
                stream.write(f"    hint: {d.hint}\n")
        for code, n in sorted(f.dropped.items()):
            stream.write(f"{f.path}: {n:,} more {code} not shown (raise --max-per-code)\n")
    if not summary:
        return
    s = report.summary()
    verdict = "FAILED" if s["errors"] else "OK"
    stream.write(f"{verdict}: {s['files']} file(s), {s['rows']:,} rows, "
                 f"{s['errors']:,} error(s), {s['warnings']:,} warning(s)\n")


def json_(report: Report, stream: t.TextIO) -> None:
    json.dump(report.to_json(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(report: Report, stream: t.TextIO) -> None:
    for f in report.files:
        for d in f.diagnostics:
            level = "error" if d.severity == ERROR else "warning"
            props = f"file={_escape(d.path, True)}"
            if d.line is not None:
                props += f",line={d.line}"
            props += f",title={_escape(d.code + ' ' + d.name, True)}"
            msg = d.text + (f" [{d.field}]" if d.field else "") + (f" (hint: {d.hint})" if d.hint else "")
            stream.write(f"::{level} {props}::{_escape(msg)}\n")
    s = report.summary()
    stream.write(f"ftprep: {s['files']} file(s), {s['rows']:,} rows, {s['errors']:,} error(s), "
                 f"{s['warnings']:,} warning(s)\n")


REPORTERS: dict[str, t.Callable[[Report, t.TextIO], None]] = {"text": text, "json": json_, "github": github}
