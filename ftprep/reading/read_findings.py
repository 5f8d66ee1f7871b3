"""Diagnostics met while reading a source for convert, render and stats:
records too deep to decode (P013), a decompression bound hit (P014), and the
per-code cap every finding obeys.
"""

from __future__ import annotations

import gzip
import zlib

import typing as t

from ftprep.core.diagnostics import ERROR, Diagnostic, FileReport
from ftprep.core.bounds import TOO_DEEP, TOO_DEEP_HINT, capped
from ftprep.core.errors import DecompressionCapped

# (line, row, record or Diagnostic), as ftprep.engine.converter reads a source.
Source = t.Iterator[tuple[t.Optional[int], int, t.Any]]


def too_deep(path: str, line: int | None, row: int) -> Diagnostic:
    return Diagnostic("P013", TOO_DEEP, path, line=line, row=row, hint=TOO_DEEP_HINT)


def capped_diagnostic(e: DecompressionCapped, path: str) -> Diagnostic:
    message, hint = capped(e)
    return Diagnostic("P014", message, path, line=e.line, hint=hint)


class SourceFindings:
    """Diagnostics met while reading and mapping the source, at most `keep` per
    code like every finding (the rest counted); `bad_rows` counts every row they
    put out of the output, kept or not."""

    def __init__(self, keep: int) -> None:
        self.keep, self.bad_rows = keep, 0
        self.kept: list[Diagnostic] = []
        self.counts: dict[str, int] = {}
        self.dropped: dict[str, int] = {}

    def add(self, d: Diagnostic) -> None:
        n = self.counts[d.code] = self.counts.get(d.code, 0) + 1
        if d.severity == ERROR and d.row is not None:
            self.bad_rows += 1
        if n <= self.keep:
            self.kept.append(d)
        else:
            self.dropped[d.code] = self.dropped.get(d.code, 0) + 1


def unreadable(records: Source, keep: int, into: FileReport) -> list[Diagnostic]:
    """The source's own diagnostics (parse errors, P013, P014), at most `keep` per
    code; the rest are counted in `into.dropped`."""
    out: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for _, _, rec in records:
        if isinstance(rec, Diagnostic):
            seen[rec.code] = seen.get(rec.code, 0) + 1
            if seen[rec.code] <= keep:
                out.append(rec)
            else:
                into.dropped[rec.code] = into.dropped.get(rec.code, 0) + 1
    return out


__all__ = ["SourceFindings", "capped_diagnostic", "too_deep", "unreadable"]


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def undecompressable(e: BaseException, path: str) -> Diagnostic:
    """P010 for a .gz stream that breaks (corrupt or cut off)."""
    return Diagnostic("P010", f"cannot decompress: {e or type(e).__name__}", path,
                      hint="the .gz file is corrupt or truncated")
