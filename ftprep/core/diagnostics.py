"""The one diagnostic type, and the report that collects them.

Every stage (parse, schema, content, template, media, hub) yields a `Diagnostic`.
A `Report` holds one `FileReport` per input and is what `ftprep.check` returns;
reporters turn it into text, JSON or GitHub annotations.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.codes import CODES, severity_of

ERROR = "error"
WARNING = "warning"
JSON_VERSION = 2
# An aggregated finding lists at most this many of the places it stands for;
# `count` says how many there are.
MAX_PLACES = 20


@dataclasses.dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem, at one place.

    `line` is the 1-based line where the record starts (JSONL, CSV) or None;
    `row` is the 0-based record index, or None for file-level problems;
    `field` is a column name or a JSON path such as `$.conversations[2].role`.

    One finding can stand for many rows (a cause reported once, at its first
    row): `count` is how many, `lines`/`rows` the first of them (at most
    `MAX_PLACES`; None means just this finding's own `line`/`row`).
    `first_line`/`first_row` name the earlier row a duplicate (D001) repeats,
    `first_path` its file when that is another file of the same dataset (None: this one).
    `column` is the 1-based character in `line` where the problem is (a JSON
    Lines record that does not decode says where), or None where no finding
    knows one; the JSON report has the key only when it is known.
    """

    code: str
    message: str
    path: str = ""
    line: int | None = None
    row: int | None = None
    field: str | None = None
    hint: str | None = None
    severity: str = ""
    count: int = 1
    lines: tuple[int, ...] | None = None
    rows: tuple[int, ...] | None = None
    first_line: int | None = None
    first_row: int | None = None
    first_path: str | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")
        if not self.severity:
            object.__setattr__(self, "severity", severity_of(self.code))

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def stage(self) -> str:
        return CODES[self.code].stage

    @property
    def location(self) -> str:
        """`path:line:column`, `path:line`, `path[row N]` (a row without lines: Parquet, a
        Hub dataset; N counts from 0, as the dataset's index does) or `path`: as much as is
        known, as compilers write it."""
        if self.line is None:
            return self.path if self.row is None else f"{self.path}[row {self.row}]"
        return f"{self.path}:{self.line}" + (f":{self.column}" if self.column is not None else "")

    @property
    def text(self) -> str:
        """The message with the number of further rows, as people read it."""
        more = self.count - 1
        return f"{self.message} (and {more:,} more row{'s' if more > 1 else ''})" if more > 0 else self.message

    def placed(self, line_of: t.Callable[[int], int | None], row_of: t.Callable[[int], int] | None = None,
               path: str | None = None) -> Diagnostic:
        """The same finding with each line looked up from its row (None: unknown),
        and each row mapped by `row_of` (convert: an output row to its source row).
        A duplicate's message names the line, or else the row, it repeats."""
        def line(row: int | None, known: int | None) -> int | None:
            return known if row is None else line_of(row)

        def row(r: int | None) -> int | None:
            return r if r is None or row_of is None else row_of(r)

        d = dataclasses.replace(
            self, path=self.path if path is None else path, line=line(self.row, self.line), row=row(self.row),
            lines=None if self.rows is None else tuple(n for r in self.rows if (n := line_of(r)) is not None),
            rows=self.rows if self.rows is None or row_of is None else tuple(map(row_of, self.rows)),
            first_line=line(self.first_row, self.first_line), first_row=row(self.first_row))
        if d.code == "D001" and d.first_row is not None:
            d = dataclasses.replace(d, message=duplicate_message(d.row, d.first_row, d.first_line, d.first_path))
        elif d.first_row is not None and d.first_line != self.first_line:  # a leak into the trainer's split
            was = f"line {self.first_line}" if self.first_line is not None else f"row {self.first_row}"
            now = f"line {d.first_line}" if d.first_line is not None else f"row {d.first_row}"
            d = dataclasses.replace(d, message=d.message.replace(was, now, 1))
        return d

    def sort_key(self) -> tuple[int, int, str]:
        return (
            -1 if self.row is None else self.row,
            -1 if self.line is None else self.line,
            self.code,
        )

    def to_json(self) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.text,
            "path": self.path,
            "line": self.line,
            "row": self.row,
            "field": self.field,
            "hint": self.hint,
            "stage": self.stage,
            "count": self.count,
            # Every finding lists its lines and rows: its own, or those it stands for.
            "lines": list(self.lines) if self.lines is not None else [] if self.line is None else [self.line],
            "rows": list(self.rows) if self.rows is not None else [] if self.row is None else [self.row],
            "first_line": self.first_line,
            "first_row": self.first_row,
            # A duplicate names the file of the row it repeats (this one, or another shard of the dataset).
            **({"first_path": self.first_path or self.path} if self.code == "D001" else {}),
        }
        # Added within version 2, only where known (readers that predate it see no change);
        # a column without its line names no place.
        if self.column is not None and self.line is not None:
            out["column"] = self.column
        return out


def duplicate_message(row: int | None, first_row: int, first_line: int | None, first_path: str | None = None) -> str:
    """D001's message: the copy is named by its own location, the original here
    (with its file when another file of the dataset holds it); without lines
    (a Hub repo) both rows are named."""
    where = "" if first_path is None else f" of {first_path}"
    if first_line is not None:
        return f"duplicate of line {first_line}{where} in the trained columns"
    return f"row {row} is a duplicate of row {first_row}{where} in the trained columns"


@dataclasses.dataclass(slots=True)
class FileReport:
    """What `check` found in one input (a file, a Hub repo, a URL or an image set)."""

    path: str
    task: str | None
    rows: int = 0
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    task_inferred: bool = False
    # Per-code counts beyond what is kept in `diagnostics` (memory cap), so the
    # summary stays exact even on a file where every row is wrong.
    dropped: dict[str, int] = dataclasses.field(default_factory=dict)
    stats: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    strict: bool = False
    # Rows with an error whose diagnostic is among the dropped (an array of row
    # indices, or None): convert --drop-invalid keeps them out all the same.
    hidden_error_rows: t.Any = None

    @classmethod
    def single(cls, path: str, task: str | None, code: str, message: str, hint: str | None = None) -> FileReport:
        """A report of one file-level finding (the task counts as inferred when none was given)."""
        return cls(path, task, diagnostics=[Diagnostic(code, message, path, hint=hint)], task_inferred=task is None)

    def relabeled(self, local: str, display: str) -> FileReport:
        """This report with a temporary copy's path replaced by what the user named (a URL)."""
        fixed = [dataclasses.replace(d, message=d.message.replace(local, display), path=display,
                                     first_path=None if d.first_path is None else d.first_path.replace(local, display))
                 for d in self.diagnostics]
        return dataclasses.replace(self, path=display, diagnostics=fixed)

    def _dropped(self, severity: str) -> int:
        if self.strict:
            return sum(self.dropped.values()) if severity == ERROR else 0
        return sum(n for c, n in self.dropped.items() if severity_of(c) == severity)

    @property
    def errors(self) -> int:
        kept = sum(1 for d in self.diagnostics if d.severity == ERROR)
        return kept + self._dropped(ERROR)

    @property
    def warnings(self) -> int:
        kept = sum(1 for d in self.diagnostics if d.severity == WARNING)
        return kept + self._dropped(WARNING)

    def to_json(self) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {
            "path": self.path,
            "task": self.task,
            "task_inferred": self.task_inferred,
            "rows": self.rows,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }
        if self.dropped:
            out["not_shown"] = dict(sorted(self.dropped.items()))
        return out


@dataclasses.dataclass(slots=True)
class Report:
    """The result of `ftprep.check`: one `FileReport` per input."""

    files: list[FileReport] = dataclasses.field(default_factory=list)
    # What the check chose for the user (a chat template inferred from the model):
    # each a dict with a "message", the reporters show it beside the findings.
    notes: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def strict(self) -> Report:
        """The same report with every warning raised to an error (`--strict`)."""
        files = []
        for f in self.files:
            diags = [dataclasses.replace(d, severity=ERROR) for d in f.diagnostics]
            files.append(dataclasses.replace(f, diagnostics=diags, strict=True))
        return Report(files, self.notes)

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def to_json(self) -> dict[str, t.Any]:
        return {
            "version": JSON_VERSION,
            "summary": self.summary(),
            "files": [f.to_json() for f in self.files],
            **({"notes": self.notes} if self.notes else {}),
        }
