"""CSV cells as datasets' CSV loader (pandas `read_csv`) types them.

datasets 2.21 reads CSV with pandas in chunks of 10,000 rows, each chunk typed
on its own: pandas' NA strings become null (then `""` after prep's str()),
and a column whose every other cell is an integer, a decimal or a boolean
becomes numbers, which prep str()s back changed ('001' -> '1', '16' -> '16.0'
beside a blank, 'true' -> 'True'). tests/test_fidelity.py checks these rules
cell by cell against the real loaders.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ftprep.engine.inference import FIRST, Place, row_place
from ftprep.tasks.base import Finding

# pandas 2.2's default NA strings (pandas._libs.parsers.STR_NA_VALUES, "" aside).
NA_TOKENS = frozenset({"-1.#IND", "1.#QNAN", "1.#IND", "-1.#QNAN", "#N/A N/A", "#N/A", "N/A", "n/a", "NA",
                       "<NA>", "#NA", "NULL", "null", "NaN", "-NaN", "nan", "-nan", "None"})
CSV_INT = re.compile(r"\s*[+-]?\d+\s*")
CSV_FLOAT = re.compile(r"\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)\s*", re.I)
CSV_BOOL = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}
# datasets' CsvConfig.chunksize: pandas infers each chunk of rows on its own.
CSV_CHUNK = 10_000


@dataclasses.dataclass
class CsvTypes:
    """CSV cells of the kept columns as pandas' `read_csv` (datasets' CSV
    loader) parses them, chunk by chunk: NA strings to null, numeric and
    boolean columns to numbers."""

    columns: t.Sequence[str]
    na: dict[str, list[tuple[int, str]]] = dataclasses.field(default_factory=dict)
    na_count: dict[str, int] = dataclasses.field(default_factory=dict)
    changed: dict[str, list[tuple[int, str, str]]] = dataclasses.field(default_factory=dict)
    changed_count: dict[str, int] = dataclasses.field(default_factory=dict)
    dtype: dict[str, str] = dataclasses.field(default_factory=dict)
    # Rows not judged yet, in parts: lists of records (the `csv` module's) or
    # pyarrow Tables of string columns (Arrow's reader), `_size` rows in all.
    _chunk: list[t.Any] = dataclasses.field(default_factory=list)
    _size: int = 0
    _start: int = 0

    def batch(self, records: list[dict[str, t.Any]]) -> None:
        for i in range(0, len(records), CSV_CHUNK):
            self._add(records[i:i + CSV_CHUNK])

    def block(self, table: t.Any) -> None:
        """Rows as a pyarrow Table of string columns, judged column-wise with Arrow compute."""
        for i in range(0, table.num_rows, CSV_CHUNK):
            self._add(table.slice(i, CSV_CHUNK))

    def _add(self, part: t.Any) -> None:
        while len(part):
            room = CSV_CHUNK - self._size
            self._chunk.append(part[:room])
            self._size += min(room, len(part))
            part = part[room:]
            if self._size == CSV_CHUNK:
                self._judge()

    def done(self) -> None:
        if self._size:
            self._judge()

    def _judge(self) -> None:
        parts, start = self._chunk, self._start
        self._chunk, self._start, self._size = [], start + self._size, 0
        if any(isinstance(p, list) for p in parts):  # the csv module's records (after Arrow's reader gave up)
            chunk = [r for p in parts for r in (p if isinstance(p, list) else p.to_pylist())]
            for col in self.columns:
                self._column(col, [r.get(col) for r in chunk], start)
            return
        self._arrow(parts, start)

    def _arrow(self, parts: list[t.Any], start: int) -> None:
        """The same judgement as `_column`, with the NA test and the first value found
        by Arrow compute: a text column is ruled out without a Python object per cell."""
        import pyarrow as pa
        import pyarrow.compute as pc

        na = pa.array(sorted(NA_TOKENS))
        for col in self.columns:
            if col not in parts[0].column_names:
                continue  # every cell None: neither NA strings nor numbers
            cells = pa.chunked_array([c for p in parts for c in p.column(col).chunks], pa.string())
            is_na = pc.is_in(cells, value_set=na)
            n = pc.sum(is_na).as_py() or 0
            if n:
                self.na_count[col] = self.na_count.get(col, 0) + n
                hits = self.na.setdefault(col, [])
                for i in pc.indices_nonzero(is_na).to_pylist()[:max(FIRST - len(hits), 0)]:
                    hits.append((start + i, cells[i].as_py()))
            # The first text cell by its index: filtering would copy the whole column.
            at = pc.index(pc.and_kleene(pc.is_valid(cells), pc.invert(is_na)), True).as_py()
            first = cells[at].as_py() if at >= 0 else None
            if first is None or not (CSV_FLOAT.fullmatch(first) or first in CSV_BOOL):
                continue
            self._numbers(col, cells.to_pylist(), start)

    def _column(self, col: str, values: list[t.Any], start: int) -> None:
        # A cell ftprep decoded (JSON text in a chat column) was a text to pandas: never an NA
        # string, and it makes the column no number. The column's NA strings still count.
        decoded = not all(v is None or isinstance(v, str) for v in values)
        if decoded:
            values = [v if isinstance(v, str) else None for v in values]
        # Set and regex tests at C level first: most text columns hold no NA
        # string, and their first cell already rules out numbers.
        if not NA_TOKENS.isdisjoint(values):
            for i, v in enumerate(values):
                if v in NA_TOKENS:
                    self.na_count[col] = self.na_count.get(col, 0) + 1
                    if len(self.na.setdefault(col, [])) < FIRST:
                        self.na[col].append((start + i, v))
        first = next((v for v in values if v is not None and v not in NA_TOKENS), None)
        if decoded or first is None or not (CSV_FLOAT.fullmatch(first) or first in CSV_BOOL):
            return
        self._numbers(col, values, start)

    def _numbers(self, col: str, values: list[t.Any], start: int) -> None:
        """A column whose first text is a number or a boolean: typed as pandas types it."""
        texts = [(start + i, v) for i, v in enumerate(values) if v is not None and v not in NA_TOKENS]
        has_null = len(texts) < len(values)
        parse: t.Callable[[str], str]
        if all(CSV_INT.fullmatch(v) for _, v in texts):
            if any(abs(int(v)) >= 2 ** 63 for _, v in texts):
                return  # past int64: pandas keeps uint64 digits, or the text itself beside a blank
            parse = (lambda v: str(float(int(v)))) if has_null else (lambda v: str(int(v)))
            self.dtype[col] = "float64" if has_null else "int64"
        elif all(CSV_FLOAT.fullmatch(v) for _, v in texts):
            parse, self.dtype[col] = (lambda v: str(float(v))), "float64"
        elif all(v in CSV_BOOL for _, v in texts):
            parse, self.dtype[col] = (lambda v: str(CSV_BOOL[v])), "bool"
        else:
            return
        for i, v in texts:
            after = parse(v)
            if after != v:
                self.changed_count[col] = self.changed_count.get(col, 0) + 1
                if len(self.changed.setdefault(col, [])) < FIRST:
                    self.changed[col].append((i, v, after))

    def findings(self, task: str, place: Place = row_place) -> list[tuple[int, Finding]]:
        self.done()
        out: list[tuple[int, Finding]] = []
        for col, hits in self.na.items():
            n = self.na_count[col]
            shown = ", ".join(f"'{v}' ({place(i)})" for i, v in hits)
            then = ("prep then drops the row (_validate_dpo_data)" if task == "dpo"
                    else "prep turns it into an empty string")
            out.append((hits[0][0], Finding(
                "L002", f"column '{col}': {n:,} cell(s) such as {shown} are read as null by datasets' CSV "
                f"loader (pandas' default NA strings); {then}", col,
                "write the data as JSON Lines (ftprep convert keeps these as text)")))
        for col, changes in self.changed.items():
            n = self.changed_count[col]
            shown = ", ".join(f"'{v}' -> '{after}' ({place(i)})" for i, v, after in changes)
            out.append((changes[0][0], Finding(
                "L003", f"column '{col}' is read as {self.dtype[col]} by datasets' CSV loader (pandas), and prep "
                f"str()s it back: {n:,} value(s) change, {shown}", col,
                "write the data as JSON Lines with JSON strings (ftprep convert does)")))
        return out
