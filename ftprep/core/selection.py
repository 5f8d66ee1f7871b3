"""Which codes a check reports, as ruff chooses its rules: `select`, `ignore`,
`extend_select` and per-file ignores, applied to a `Report` as a value.

A pattern is a code or a prefix of codes (`C`, `C01`, `C013`, in any case),
a code's name (`system-dropped`) or `ALL`. As in ruff, the more specific
pattern wins: `select=["C013"], ignore=["C"]` keeps C013; at equal
specificity `ignore` wins. Per-file ignores always win: they name codes a
team has accepted for those files. A deselected code is gone from the
report: not shown, not in the summary, not in the exit code; its counts of
findings beyond `max_per_code` (`FileReport.dropped`) go with it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import typing as t

from ftprep.core.codes import CODES

if t.TYPE_CHECKING:
    from ftprep.core.diagnostics import Report

Patterns = str | t.Sequence[str] | None
# A code named in full, or by its name, is as specific as a pattern gets.
FULL = 4


def patterns(value: Patterns) -> tuple[str, ...]:
    """`"C,D001"` or `["C", "D001"]` as a tuple of stripped, non-empty patterns."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in str(v).split(",")]
    return tuple(p.strip() for p in items if p.strip())


def resolved(pattern: str) -> str:
    """The code prefix a pattern stands for ("" for ALL); ValueError naming the
    closest codes when it matches none."""
    if pattern.upper() == "ALL":
        return ""
    prefix = pattern.upper()
    if any(code.startswith(prefix) for code in CODES):
        return prefix
    named = next((c.code for c in CODES.values() if c.name == pattern.lower()), None)
    if named is not None:
        return named
    from ftprep.core.explanations import unknown

    raise ValueError(unknown(pattern))


def validated(option: str, value: t.Any) -> None:
    """Raise ValueError unless `value` is a valid value of a selection option:
    codes (a string or a list of strings), or per-file ignores (glob -> codes)."""
    if option == "per_file_ignores":
        if not isinstance(value, t.Mapping):
            raise ValueError(f"per_file_ignores must map globs to codes, not {value!r}")
        for glob, codes in value.items():
            if not isinstance(glob, str):
                raise ValueError(f"per_file_ignores: {glob!r} is not a glob")
            validated("codes", codes)
        return
    if isinstance(value, str) or (isinstance(value, t.Sequence) and all(isinstance(v, str) for v in value)):
        for p in patterns(value):
            resolved(p)
        return
    raise ValueError(f"{option} must be codes (a string or a list of strings), not {value!r}")


def _specificity(code: str, prefixes: t.Iterable[str]) -> int:
    """How specific the most specific prefix matching `code` is (-1: none)."""
    return max((FULL if len(p) >= len(code) else len(p) for p in prefixes if code.startswith(p)), default=-1)


@dataclasses.dataclass(frozen=True)
class Selection:
    """Resolved patterns: `select` None means every code."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, select: Patterns = None, ignore: Patterns = None, extend_select: Patterns = None,
           per_file_ignores: t.Mapping[str, Patterns] | None = None) -> Selection:
        chosen = None if select is None else [resolved(p) for p in patterns(select)]
        if chosen is not None:
            chosen += [resolved(p) for p in patterns(extend_select)]
        files = tuple((glob, tuple(resolved(p) for p in patterns(codes)))
                      for glob, codes in (per_file_ignores or {}).items())
        return cls(None if chosen is None else tuple(chosen), tuple(resolved(p) for p in patterns(ignore)), files)

    @property
    def everything(self) -> bool:
        return self.select is None and not self.ignore and not self.per_file

    def ignored_in(self, path: str) -> tuple[str, ...]:
        """The codes per-file ignores drop from `path`. A glob with a folder in it
        matches the whole path (a relative glob from the working folder); one
        without matches the file's name wherever it is."""
        out: list[str] = []
        local = "://" not in path and path != "-"
        for glob, codes in self.per_file:
            if "/" not in glob:
                hit = fnmatch.fnmatchcase(os.path.basename(path), glob)
            elif local and "://" not in glob:  # a relative glob is relative to the working folder
                hit = fnmatch.fnmatchcase(os.path.abspath(path), os.path.abspath(glob))
            else:
                hit = fnmatch.fnmatchcase(path, glob)
            if hit:
                out += codes
        return tuple(out)

    def chosen(self, code: str, file_ignores: tuple[str, ...] = ()) -> bool:
        if _specificity(code, file_ignores) >= 0:
            return False
        picked = 0 if self.select is None else _specificity(code, self.select)
        return picked >= 0 and picked > _specificity(code, self.ignore)

    def applied(self, report: Report) -> Report:
        """`report` with only the chosen codes: diagnostics and the counts not shown."""
        if self.everything:
            return report
        files = []
        for f in report.files:
            own = self.ignored_in(f.path)
            files.append(dataclasses.replace(
                f, diagnostics=[d for d in f.diagnostics if self.chosen(d.code, own)],
                dropped={c: n for c, n in f.dropped.items() if self.chosen(c, own)}))
        return dataclasses.replace(report, files=files)


def statistics(report: Report) -> list[tuple[int, str]]:
    """(count, code) for every code found, most first (then by code), as
    `ruff --statistics`. A finding that stands for many rows counts each of
    them, and so do the findings beyond max_per_code that were not kept."""
    counts: dict[str, int] = {}
    for f in report.files:
        for d in f.diagnostics:
            counts[d.code] = counts.get(d.code, 0) + d.count
        for code, n in f.dropped.items():
            counts[code] = counts.get(code, 0) + n
    return sorted(((n, c) for c, n in counts.items()), key=lambda x: (-x[0], x[1]))


__all__ = ["Selection", "patterns", "resolved", "statistics", "validated"]
