"""GitLab Code Quality (a CodeClimate-style JSON array), as ruff's gitlab format.

GitLab needs, per finding, a description, a check_name, a fingerprint that is
stable across pipelines (it diffs the merge request's report against the
target branch's by fingerprint), a severity, and a location with a path and a
begin line. Choices:

- severity: an error on a row garbles or loses that row: `major`; an error on
  the whole file (no row: the load or the prep fails, the job is lost):
  `critical`; a warning: `minor`. `--strict` makes warnings errors first.
- a file-level finding has no line; GitLab requires one, so it begins at
  line 1, where the file opens.
"""

from __future__ import annotations

import json
import typing as t

from ftprep.core.diagnostics import ERROR, Diagnostic, Report
from ftprep.output.fingerprints import fingerprints, full_message, posix_path


def severity(d: Diagnostic) -> str:
    if d.severity != ERROR:
        return "minor"
    return "major" if d.row is not None or d.line is not None else "critical"


def issues(report: Report) -> list[dict[str, t.Any]]:
    diagnostics = report.diagnostics
    return [{
        "description": f"{d.code} {d.name}: {full_message(d)}",
        "check_name": d.code,
        "fingerprint": fp,
        "severity": severity(d),
        "location": {"path": posix_path(d.path), "lines": {"begin": d.line if d.line is not None else 1}},
    } for d, fp in zip(diagnostics, fingerprints(diagnostics))]


def gitlab(report: Report, stream: t.TextIO) -> None:
    # ASCII escapes: a lone surrogate quoted from the data cannot break the write.
    json.dump(issues(report), stream, indent=2)
    stream.write("\n")
