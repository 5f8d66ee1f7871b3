"""SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).

One run; one rule per code that has a finding, described from the code
registry and its explanation; one result per finding. Choices that the
standard leaves open, and why:

- A relative path is a `uri` relative to `%SRCROOT%` (the checkout), which is
  what code scanning resolves; an absolute path is a `file://` URI and a Hub or
  URL input keeps its own URI (code scanning cannot place those in a repo).
- A finding on a line gets `region.startLine`. A file-level finding (D002, S001,
  H003...) keeps its location with no region: valid SARIF, and code scanning
  shows it as an alert on the file. Inventing line 1 would point at a row that
  is not the problem. ftprep knows no columns, so there is no `startColumn`.
- An aggregated finding (one cause, many rows) lists its further lines as
  `relatedLocations`, and carries `count` in its properties.
- `partialFingerprints["ftprep/v1"]` is ftprep's own stable key (code, path,
  row, field, message), so alerts survive re-runs; the upload action adds its
  line hash beside it.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import quote

from ftprep.core.codes import CODES
from ftprep.core.diagnostics import ERROR, Diagnostic, Report
from ftprep.output.fingerprints import CODES_URL, HOME, fingerprints, full_message, posix_path

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def artifact_location(path: str) -> dict[str, str]:
    """`path` as a SARIF artifactLocation: a URI reference, percent-encoded (spaces, non-ASCII)."""
    p = posix_path(path)
    if "://" in p:  # hf://datasets/..., https://...: already a URI
        return {"uri": p}
    if p.startswith("/"):
        return {"uri": "file://" + quote(p)}
    while p.startswith("./"):
        p = p[2:]
    return {"uri": quote(p), "uriBaseId": SRCROOT}


def _location(path: str, line: int | None) -> dict[str, t.Any]:
    physical: dict[str, t.Any] = {"artifactLocation": artifact_location(path)}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _rule(code: str) -> dict[str, t.Any]:
    from ftprep.core.explanations import explain

    c = CODES[code]
    e = explain(code)
    return {
        "id": code,
        "name": c.name,
        "shortDescription": {"text": c.summary},
        "fullDescription": {"text": f"{e.meaning} {e.why}"},
        "help": {"text": e.text(), "markdown": e.markdown()},
        "helpUri": CODES_URL,
        "defaultConfiguration": {"level": "error" if c.severity == ERROR else "warning"},
        "properties": {"tags": ["ftprep", c.stage]},
    }


def _result(d: Diagnostic, rule_index: int, fingerprint: str) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": "error" if d.severity == ERROR else "warning",
        "message": {"text": full_message(d)},
        "locations": [_location(d.path, d.line)],
        "partialFingerprints": {"ftprep/v1": fingerprint},
        "properties": {"stage": d.stage, "count": d.count, "row": d.row, "field": d.field},
    }
    others = [n for n in (d.lines or ()) if n != d.line]
    if others:
        result["relatedLocations"] = [
            {**_location(d.path, n), "id": i, "message": {"text": f"also line {n}"}}
            for i, n in enumerate(others, 1)]
    return result


def document(report: Report) -> dict[str, t.Any]:
    """The SARIF log of `report`, as a JSON-ready dict."""
    from ftprep import __version__

    diagnostics = report.diagnostics
    used = sorted({d.code for d in diagnostics}, key=list(CODES).index)
    index = {code: i for i, code in enumerate(used)}
    results = [_result(d, index[d.code], fp) for d, fp in zip(diagnostics, fingerprints(diagnostics))]
    not_shown = {f.path: dict(sorted(f.dropped.items())) for f in report.files if f.dropped}
    run: dict[str, t.Any] = {
        "tool": {"driver": {
            "name": "ftprep", "version": __version__, "semanticVersion": __version__,
            "informationUri": HOME, "rules": [_rule(code) for code in used]}},
        "results": results,
        "properties": {"summary": report.summary(), **({"not_shown": not_shown} if not_shown else {})},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def sarif(report: Report, stream: t.TextIO) -> None:
    # ASCII escapes: a lone surrogate quoted from the data cannot break the write.
    json.dump(document(report), stream, indent=2)
    stream.write("\n")
