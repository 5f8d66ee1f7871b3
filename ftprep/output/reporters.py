"""Reporters: a `Report` to text, JSON, GitHub workflow annotations, SARIF,
JUnit XML or GitLab Code Quality (the last three in their own modules).

JSON is the versioned contract (`version: 2`); text is for people and may
change. Every reporter shows the same structured finding: its message with the
count of further rows (`Diagnostic.text`), its line, field and hint.
`REPORTERS` drives the CLI's `--format` choices.
"""

from __future__ import annotations

import json
import re
import typing as t

from ftprep.core.diagnostics import ERROR, Report
from ftprep.output.colour import paint
from ftprep.output.gitlab import gitlab
from ftprep.output.junit import junit
from ftprep.output.sarif import sarif

# What a terminal acts on: C0 controls (ESC opens OSC/CSI sequences, CR and LF
# rewrite or forge lines), DEL, and C1 controls (0x9b is a one-byte CSI).
# Tab is harmless; rendered text keeps its line feeds.
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
CONTROL_BUT_LF = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NAMED = {"\n": "\\n", "\r": "\\r"}


def _visible(m: re.Match[str]) -> str:
    c = m.group()
    return NAMED.get(c) or f"\\x{ord(c):02x}"


def printable(value: object, keep_lines: bool = False) -> str:
    """`value` as text that cannot drive a terminal: control characters become
    visible escapes (\\x1b, \\r, and \\n unless `keep_lines`). For text output
    only; JSON output escapes them already."""
    return (CONTROL_BUT_LF if keep_lines else CONTROL).sub(_visible, str(value))


def diagnostic_line(d: t.Any, hint: bool = True, color: bool = False) -> str:
    """`path:line:col: CODE [severity] message [field] (hint: ...)`, printable: one
    finding on one line, as compilers and linters write them, so that grep, sort
    and editors' error parsers read it. The column and line only where known;
    `color` paints the severity and code, and dims the path."""
    sev = d.severity
    head = paint(printable(d.location), "path", color) + ": " + paint(f"{d.code} [{sev}]", sev, color)
    tail = printable(d.text + (f" [{d.field}]" if d.field else ""))
    if hint and d.hint:
        tail += " " + paint(printable(f"(hint: {d.hint})"), "hint", color)
    return f"{head} {tail}"


def text(report: Report, stream: t.TextIO, summary: bool = True, color: bool = False, quiet: bool = False) -> None:
    """One line per finding (`diagnostic_line`) under a line per file naming its
    task and rows, then the summary line; `quiet`: the findings' lines alone."""
    for f in report.files:
        inferred = " (inferred)" if f.task_inferred and f.task else ""
        if f.task and not quiet:
            stream.write(printable(f"{f.path}: task {f.task}{inferred}, {f.rows:,} rows") + "\n")
        for d in f.diagnostics:
            stream.write(diagnostic_line(d, color=color) + "\n")
        for code, n in sorted(f.dropped.items()):
            stream.write(f"{printable(f.path)}: {n:,} more {code} not shown (raise --max-per-code)\n")
    if quiet:
        return
    for note in report.notes:
        stream.write(f"note: {printable(note['message'])}\n")
    if not summary:
        return
    s = report.summary()
    verdict = paint("FAILED", ERROR, color) if s["errors"] else paint("OK", "ok", color)
    stream.write(f"{verdict}: {s['files']} file(s), {s['rows']:,} rows, "
                 f"{s['errors']:,} error(s), {s['warnings']:,} warning(s)\n")


def json_(report: Report, stream: t.TextIO) -> None:
    json.dump(report.to_json(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    value = CONTROL.sub(_visible, value)  # line ends are %-encoded above; the rest of the controls
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(report: Report, stream: t.TextIO) -> None:
    for f in report.files:
        for d in f.diagnostics:
            level = "error" if d.severity == ERROR else "warning"
            props = f"file={_escape(d.path, True)}"
            if d.line is not None:
                props += f",line={d.line}" + (f",col={d.column}" if d.column is not None else "")
            props += f",title={_escape(d.code + ' ' + d.name, True)}"
            msg = d.text + (f" [{d.field}]" if d.field else "") + (f" (hint: {d.hint})" if d.hint else "")
            stream.write(f"::{level} {props}::{_escape(msg)}\n")
    s = report.summary()
    stream.write(f"ftprep: {s['files']} file(s), {s['rows']:,} rows, {s['errors']:,} error(s), "
                 f"{s['warnings']:,} warning(s)\n")


def write(fmt: str, report: Report, stream: t.TextIO, color: bool = False) -> None:
    """`report` in the reporter `fmt`; only text is ever coloured."""
    if fmt == "text":
        text(report, stream, color=color)
    else:
        REPORTERS[fmt](report, stream)


REPORTERS: dict[str, t.Callable[[Report, t.TextIO], None]] = {
    "text": text, "json": json_, "github": github, "sarif": sarif, "junit": junit, "gitlab": gitlab,
}
