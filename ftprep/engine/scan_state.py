"""What a scan found: findings, counts and the small dataset-level state
(duplicate keys, absent columns, column types) of some rows of one input.

Line and row numbers are local to the scan until `shift` moves them, so
blocks of one file can be scanned by several processes and merged in order.
"""

from __future__ import annotations

import array
import bisect
import dataclasses
import typing as t

from ftprep.core.codes import CODES, ERROR
from ftprep.core.diagnostics import MAX_PLACES
from ftprep.engine.inference import ColumnTypes
from ftprep.tasks.base import Finding

# Codes reported once per file, at their first row, with the count of rows.
AGGREGATED = frozenset({"C013", "C015", "S002", "S003", "S006", "G001", "V010",
                        "Q011", "Q012", "Q013", "Q014", "Q015",
                        "Q020", "Q022", "Q023", "Q024", "Q025",
                        "Q031"})
EMPTY_CODES = frozenset({"V001", "V002"})


class RowFinding(t.NamedTuple):
    """A finding placed in its input: the line and row (None: the file as a whole,
    or not known yet) and what `Finding` says."""

    line: t.Optional[int]
    row: t.Optional[int]
    code: str
    message: str
    field: t.Optional[str]
    hint: t.Optional[str]
    column: t.Optional[int] = None


@dataclasses.dataclass
class Scan:
    """What scanning some rows found. Line and row numbers are local to the
    scan until `shift` moves them; `merge` appends a later scan."""

    max_per_code: int
    rows: int = 0
    lines: int = 0
    found: list[RowFinding] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    firsts: dict[tuple[str, str | None], int] = dataclasses.field(default_factory=dict)
    # The first rows of each aggregated finding (at most MAX_PLACES), for its `rows`.
    places: dict[tuple[str, str | None], list[int]] = dataclasses.field(default_factory=dict)
    # One 8-byte key per row, in row order (0: no key), for duplicates: the only
    # per-row state, so a 5M-row file costs 40 MB here and nothing else grows.
    hashes: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    # Where line = row + 1 + offset changes (after blank lines): (row, offset).
    gaps: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    offset: int = 0
    absent: dict[str, int] = dataclasses.field(default_factory=dict)
    empty_rows: int = 0
    # Rows that are not objects (undecodable, or JSON but not an object): a
    # column cannot be absent from them, so they do not hide a missing column.
    unparsed: int = 0
    keys: set[str] = dataclasses.field(default_factory=set)
    # Rows with an error beyond max_per_code: not shown, but never written by convert.
    hidden: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    # The kinds of values per column, for the loader's type inference (ftprep.engine.inference).
    types: ColumnTypes = dataclasses.field(default_factory=ColumnTypes)
    # A CSV table's cells as pandas would type them (ftprep.engine.csvtypes.CsvTypes).
    cells: t.Any = None
    # The same rows counted in tokens (ftprep.engine.length_stats.Stats), for check's token options.
    lengths: t.Any = None
    # DPO pairs' length and language counts (ftprep.engine.pairs_quality.PairTally).
    pairs: t.Any = None
    # The trained answers' endings, for truncation (ftprep.engine.answer_tally.AnswerTally).
    answers: t.Any = None

    def add(self, line: int | None, row: int | None, f: Finding) -> None:
        n = self.counts.get(f.code, 0) + 1
        self.counts[f.code] = n
        if f.code in AGGREGATED:
            key = (f.code, f.field)
            if key in self.firsts:
                self.firsts[key] += 1
                if row is not None and len(self.places[key]) < MAX_PLACES:
                    self.places[key].append(row)
                return
            self.firsts[key] = 1
            self.places[key] = [] if row is None else [row]
        elif n > self.max_per_code:
            if row is not None and CODES[f.code].severity == ERROR:
                self.hidden.append(row)
            return
        self.found.append(RowFinding(line, row, f.code, f.message, f.field, f.hint, f.column))

    def shift(self, lines: int, rows: int) -> None:
        if not lines and not rows:
            return
        self.found = [f._replace(line=None if f.line is None else f.line + lines,
                                 row=None if f.row is None else f.row + rows) for f in self.found]
        if self.hidden:
            self.hidden = array.array("q", (r + rows for r in self.hidden))
        self.gaps = [(r + rows, o + lines - rows) for r, o in self.gaps]
        self.places = {k: [r + rows for r in v] for k, v in self.places.items()}
        self.types.shift(rows)
        if self.lengths is not None:
            self.lengths.shift(lines, rows)
        if self.pairs is not None:  # the rows of the pairs sampled for Q031
            self.pairs.shift(rows)
        if self.answers is not None:
            self.answers.shift(rows)
        self.offset += lines - rows

    def merge(self, other: Scan) -> None:
        base = self.lines - self.rows
        if base != self.offset:
            self.gaps.append((self.rows, base))
        other.shift(self.lines, self.rows)
        self.gaps.extend(other.gaps)
        self.offset = other.offset
        for f in other.found:
            if f.code in AGGREGATED and (f.code, f.field) in self.firsts:
                continue
            if f.code not in AGGREGATED and self.counts.get(f.code, 0) >= self.max_per_code:
                if f.row is not None and CODES[f.code].severity == ERROR:
                    self.hidden.append(f.row)
                continue
            self.found.append(f)
        for k, n in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + n
        for first, n in other.firsts.items():
            self.firsts[first] = self.firsts.get(first, 0) + n
        for place, rows in other.places.items():
            mine = self.places.setdefault(place, [])
            mine += rows[:MAX_PLACES - len(mine)]
        for k, n in other.absent.items():
            self.absent[k] = self.absent.get(k, 0) + n
        self.hashes.extend(other.hashes)
        self.hidden.extend(other.hidden)
        self.types.merge(other.types)
        if other.lengths is not None:
            if self.lengths is None:
                self.lengths = other.lengths
            else:
                self.lengths.merge(other.lengths)
        if other.pairs is not None:
            if self.pairs is None:
                self.pairs = other.pairs
            else:
                self.pairs.merge(other.pairs)
        if other.answers is not None:
            if self.answers is None:
                self.answers = other.answers
            else:
                self.answers.merge(other.answers)
        self.rows += other.rows
        self.lines += other.lines
        self.empty_rows += other.empty_rows
        self.unparsed += other.unparsed
        if len(self.keys) < 1000:
            self.keys |= other.keys

    def line_of(self, row: int) -> int:
        """The line a row starts on (JSON Lines; tables map their own)."""
        at = bisect.bisect_right(self.gaps, (row, float("inf"))) - 1
        return row + 1 + (self.gaps[at][1] if at >= 0 else 0)


__all__ = ["AGGREGATED", "EMPTY_CODES", "RowFinding", "Scan"]
