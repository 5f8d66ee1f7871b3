"""What the machine-read formats (SARIF, JUnit, GitLab) share: one finding's
full message, a portable path, and a fingerprint that names the finding.

A fingerprint must stay the same from one run to the next for the same finding
(so CI dashboards track it, not re-open it) and differ between two findings.
The line alone would do neither: two codes on one line would share it. It is a
hash of the code, the path, the row (or line, where a file has no rows), the
field and the message, plus an occurrence number for exact repeats.
"""

from __future__ import annotations

import hashlib
import typing as t

from ftprep.core.diagnostics import Diagnostic

HOME = "https://github.com/ftprep/ftprep"
# The README's table of codes; every code's row is there.
CODES_URL = f"{HOME}#diagnostic-codes"


def full_message(d: Diagnostic) -> str:
    """The message as people read it, with the count of further rows, the field and the hint."""
    return (d.text + (f" [{d.field}]" if d.field else "")
            + (f" (hint: {d.hint})" if d.hint else ""))


def posix_path(path: str) -> str:
    """The path with forward slashes, as CI services match it against a checkout."""
    return path.replace("\\", "/")


def row_key(d: Diagnostic) -> str:
    """Where in the file: the row, else the line, else the whole file."""
    if d.row is not None:
        return f"row {d.row}"
    return f"line {d.line}" if d.line is not None else "file"


def fingerprints(diagnostics: t.Iterable[Diagnostic]) -> list[str]:
    """One hex fingerprint per diagnostic, in order; an exact repeat gets its occurrence number."""
    seen: dict[str, int] = {}
    out = []
    for d in diagnostics:
        base = "\x00".join((d.code, posix_path(d.path), row_key(d), d.field or "", d.message))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(hashlib.sha256(f"{base}\x00{n}".encode("utf-8", "surrogatepass")).hexdigest())
    return out
