"""Type inference at load: what `datasets.load_dataset` makes of each column.

The trainer's prep loads the file with `datasets` (pinned 2.21 on the
validator), which lets pyarrow (JSON Lines) or pandas (CSV, and JSON arrays in
2.x) infer a type per column, and then str()s every value. So a column of ISO
dates reaches the trainer as `2024-01-10 00:00:00`, a CSV `NA` as `""`, a CSV
`001` as `1`, and a column mixing strings with numbers does not load at all
in datasets 2.x. Findings are per column, with the first rows.

Known limit: datasets reads JSON Lines in 10 MiB chunks and casts every
chunk to the first one's types, so a column that is all dates within the first
chunk but not later fails the load, and one that is all dates only in a later
chunk is garbled there; ftprep judges the column over the whole file.

`ColumnTypes` is filled by the row engine: typed (clean) rows only add counts
and a date test on the first text of each column that is all dates so far,
so the fast path stays fast; explained rows add the real kind of every value.
CSV cells are judged as pandas parses them in ftprep.engine.csvtypes; ftprep.engine.load_report
puts the findings of one file together.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import itertools
import re
import typing as t

from ftprep import tasks
from ftprep.tasks.base import Finding

FIRST = 3  # rows kept per (column, kind), for "first at lines ..."
# pyarrow's JSON reader infers timestamp[s] from these ISO 8601 forms (checked
# against pyarrow 17 and 26 in tests/test_fidelity.py): a date, optionally an
# hour, minutes, seconds, and a UTC offset. Fractions of a second stay strings.
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?"
                  r"(Z|[+-]\d{2}(?::?\d{2})?)?)?", re.ASCII)
# Kinds that pyarrow unifies in one column; two of them in one column fail the
# load of datasets 2.x ("changed from string to number").
GROUP = {"string": "string", "date": "string", "int": "number", "float": "number", "bool": "boolean",
         "list": "list", "object": "object"}
ARROW = {"string": "string", "number": "number", "boolean": "boolean", "list": "array", "object": "object"}
# Column names pandas.read_json converts to dates (keep_default_dates): the
# JSON-array fallback of datasets 2.x.
PANDAS_DATE_NAMES = ("date", "datetime", "modified")


def is_date(text: str) -> bool:
    m = DATE.fullmatch(text)
    if m is None:
        return False
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups()[:6])
    try:
        datetime.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return False
    return True


def as_loaded(text: str) -> str:
    """The str() of the timestamp pyarrow reads from an ISO date: seconds, in UTC."""
    m = DATE.fullmatch(text)
    assert m is not None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups()[:6])
    when = datetime.datetime(y, mo, d, h, mi, s)
    zone = m.group(7)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        when -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return when.isoformat(sep=" ")


def kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "date" if value[:1].isdigit() and is_date(value) else "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "string"


@dataclasses.dataclass
class ColumnTypes:
    """Per column: how many values of each kind, and the first rows of each."""

    count: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    first: dict[str, dict[str, list[int]]] = dataclasses.field(default_factory=dict)
    # Columns with a non-date string: no longer worth a date test on typed rows.
    undated: set[str] = dataclasses.field(default_factory=set)
    examples: dict[str, str] = dataclasses.field(default_factory=dict)

    def add(self, column: str, kind: str, row: int, n: int = 1, example: str | None = None) -> None:
        counts = self.count.setdefault(column, {})
        counts[kind] = counts.get(kind, 0) + n
        rows = self.first.setdefault(column, {}).setdefault(kind, [])
        # The smallest rows: explained rows of a block are added after its typed rows.
        if len(rows) < FIRST or row < rows[-1]:
            if row not in rows:
                rows.append(row)
                rows.sort()
                del rows[FIRST:]
        if kind == "string":
            self.undated.add(column)
        if example is not None and column not in self.examples:
            self.examples[column] = example

    def value(self, column: str, value: object, row: int) -> None:
        kind = kind_of(value)
        self.add(column, kind, row, example=value if kind == "date" else None)  # type: ignore[arg-type]

    def record(self, obj: dict[str, t.Any], row: int, conversation: str | None) -> None:
        """Every top-level value of an explained row, and the message keys of its conversation."""
        for key, value in obj.items():
            self.value(key, value, row)
            if isinstance(value, list):  # pyarrow unifies the items of a list column too
                for m in value:
                    self.value(f"{key}[]", m, row)
                    if key == conversation and isinstance(m, dict):
                        for k, v in m.items():
                            self.value(f"{key}[].{k}", v, row)

    def typed(self, columns: t.Sequence[str], texts: list[str], row: t.Callable[[int], int]) -> None:
        """Typed rows whose texts are `columns` in turn (text, dpo): all strings.
        A column is tested for dates only while all its values were dates, so a
        text column costs one test per block."""
        n = len(columns)
        for j, col in enumerate(columns):
            self.column(col, texts[j::n], row)

    def column(self, col: str, values: t.Collection[str], row: t.Callable[[int], int]) -> None:
        """One column's strings of typed rows, in row order (`row(k)`: the row of value k)."""
        if not len(values):
            return
        if col in self.undated:
            self.strings(col, len(values))
            return
        for k, v in enumerate(values):
            if not (v[:1].isdigit() and is_date(v)):
                self.add(col, "string", row(k), len(values) - k)
                break
            self.add(col, "date", row(k), example=v)

    def strings(self, column: str, n: int) -> None:
        """`n` strings of typed rows in a column known to hold text (`undated`)."""
        counts = self.count.setdefault(column, {})
        counts["string"] = counts.get("string", 0) + n

    def counted(self, column: str, kind: str, n: int, row: int) -> None:
        """`n` values of one kind known from the row type (typed rows)."""
        if n:
            self.add(column, kind, row, n)

    def typed_rows(self, layout: tuple[str, t.Any], rows: list[t.Any], texts: list[str],
                   row: t.Callable[[int], int]) -> None:
        """What the row type of a block of typed rows says about its columns."""
        how, what = layout
        if not rows:
            return
        if how == "columns":
            self.typed(what, texts, row)
        elif how == "chat":
            self.counted(what, "list", len(rows), row(0))
            self.counted(f"{what}[]", "object", len(texts), row(0))
            self.counted(f"{what}[].role", "string", len(texts), row(0))
            self.counted(f"{what}[].content", "string", len(texts), row(0))
        else:  # dict rows (grpo): every column, values of any scalar type
            undated = self.undated
            keys = list(itertools.chain.from_iterable(map(dict.keys, rows)))
            if undated.issuperset(keys) and \
                    set(map(type, itertools.chain.from_iterable(map(dict.values, rows)))) <= {str}:
                # (the usual block: strings in columns known to hold text; counted at C speed)
                for key, n in collections.Counter(keys).items():
                    self.count[key]["string"] += n
                return
            for k, r in enumerate(rows):
                for key, v in r.items():
                    if type(v) is str and key in undated:
                        counts = self.count[key]
                        counts["string"] += 1
                    else:
                        self.value(key, v, row(k))

    def shift(self, rows: int) -> None:
        self.first = {c: {k: [r + rows for r in v] for k, v in kinds.items()} for c, kinds in self.first.items()}

    def merge(self, other: ColumnTypes) -> None:
        """Append a later scan's columns (its rows already shifted)."""
        for col, kinds in other.count.items():
            mine = self.count.setdefault(col, {})
            firsts = self.first.setdefault(col, {})
            for kind, n in kinds.items():
                mine[kind] = mine.get(kind, 0) + n
                rows = firsts.setdefault(kind, [])
                rows[:] = sorted(set(rows) | set(other.first.get(col, {}).get(kind, [])))[:FIRST]
        self.undated |= other.undated
        for col, ex in other.examples.items():
            self.examples.setdefault(col, ex)


def typed_layout(task: str, opts: t.Any) -> tuple[str, t.Any]:
    """How a task's typed rows map to columns: ("columns", names in text order),
    ("chat", conversation column) or ("dicts", None)."""
    base = tasks.base_of(task)
    if base == "text":
        from ftprep.tasks import text

        return ("columns", text.columns(opts))
    if base == "dpo":
        from ftprep.tasks import dpo

        return ("columns", dpo.columns(opts))
    if base == "chat":
        return ("chat", opts.field("field_conversation", "conversations"))
    return ("dicts", None)


def date_names(column: str) -> bool:
    c = column.lower()
    return c in PANDAS_DATE_NAMES or c.endswith(("_at", "_time")) or c.startswith("timestamp")


Place = t.Callable[[int], str]


def row_place(row: int) -> str:
    return f"record {row + 1}"


def json_findings(types: ColumnTypes, kept: t.Collection[str] | None, array: bool,
                  place: Place = row_place) -> list[tuple[int, Finding]]:
    """(row, finding) per damaged column of a JSON or JSON Lines file. `kept`:
    the columns the trainer keeps (None: all), whose dates it would garble."""
    out: list[tuple[int, Finding]] = []
    for col, counts in types.count.items():
        present = {k for k, n in counts.items() if n}
        groups = {GROUP[k] for k in present if k != "null"}
        first = types.first[col]
        if len(groups) > 1:
            # By first row, then by name: sets iterate in a hash order that changes per process.
            ordered = sorted(groups, key=lambda g: (min(r for k in present if GROUP.get(k) == g for r in first[k]), g))
            where = "; ".join(f"{g}s first at {place(min(r for k in present if GROUP.get(k) == g for r in first[k]))}"
                              for g in ordered)
            minority = min(ordered[1:], key=lambda g: sum(counts[k] for k in present if GROUP.get(k) == g))
            row = min(r for k in present if GROUP.get(k) == minority for r in first[k])
            how = ("pandas' fallback raises ArrowTypeError" if array
                   else f"ArrowInvalid: changed from {ARROW[ordered[0]]} to {ARROW[ordered[1]]}")
            out.append((row, Finding(
                "L004", f"column '{col}' mixes {' and '.join(f'{g}s' for g in ordered)} ({where}): the validator's "
                f"datasets 2.21 fails to load the file ({how}); datasets 5.2 loads it (as JSON values)",
                col, "store every value of a column with one JSON type (text as JSON strings)")))
            continue
        # Garbled values matter in the columns prep keeps, as whole values (not inside lists).
        if "[]" in col or (kept is not None and col not in kept):
            continue
        if groups == {"number"} and {"int", "float"} <= present:
            rows = first["int"]
            out.append((rows[0], Finding(
                "L005", f"column '{col}' mixes integers and decimals ({counts['int']:,} integer(s), first at "
                f"{', '.join(map(place, rows))}): datasets reads the column as float64, so prep's str() turns "
                "16 into '16.0'", col, "store the values as JSON strings")))
            continue
        if present == {"date"} or present == {"date", "null"}:
            rows = first["date"]
            ex = types.examples.get(col, "2024-01-10")
            code, versions = "L001", "datasets 2.21 (the validator's) and 5.2 both read it as timestamps"
            if array and date_names(col):
                versions = "datasets 5.2 (pyarrow) and 2.21 (the validator's, via pandas) both read it as timestamps"
            elif array:  # the validator's pandas path converts only date-like column names
                code = "L007"
                versions = ("the validator's datasets 2.21 (via pandas) keeps it as text, but datasets 5.2 (pyarrow) "
                            "reads it as timestamps")
            out.append((rows[0], Finding(
                code, f"column '{col}' holds only ISO dates ({counts['date']:,} row(s), first at "
                f"{', '.join(map(place, rows))}): {versions}, and prep str()s them, so the trainer "
                f"{'would see' if code == 'L007' else 'sees'} '{as_loaded(ex)}' for '{ex}'",
                col, "write Parquet, which keeps strings as strings (ftprep convert -o data.parquet); "
                "JSON and JSON Lines always go through this inference")))
    return out
