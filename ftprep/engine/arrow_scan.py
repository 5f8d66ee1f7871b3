"""Arrow record batches (a Parquet file's row groups) into the row engine's
`Scan`, without a Python object per row.

Chat, text and DPO rows held in string columns are judged column-wise first
(ftprep.engine.conversation_columns, ftprep.engine.field_columns): only the rows
the judge flags are written as JSON lines for the row engine, in the runs of
SLICE rows this module forms either way. Other batches of plain types (strings,
numbers, booleans, lists and structs of them) are written whole as JSON Lines
by polars' native writer, and those lines meet the very code JSON Lines does
(`RowChecker.lines`: typed decode, clean rows at C speed, the rest explained):
one engine, so every format gives the same report. A batch the writer cannot spell as the trainer's loader reads it (dates,
binary, dictionaries, a conversation held as JSON text) takes the records
path (`to_pylist`, then `RowChecker.records`): slower, never another answer.
"""

from __future__ import annotations

import dataclasses
import io
import typing as t

from ftprep.core.errors import TableError
from ftprep.core.options import Options
from ftprep.engine.row_checker import RowChecker
from ftprep.engine.scan_state import Scan
from ftprep.reading.formats import first_line
from ftprep.tasks import Task
from ftprep.tasks.base import Finding

if t.TYPE_CHECKING:
    import pyarrow as pa

# Rows encoded and checked at a time: the JSON of 5,000 chat rows is a few MB.
SLICE = 5_000

def plain(kind: t.Any) -> bool:
    """Whether polars writes values of this Arrow type as `to_pylist` + msgspec do."""
    import pyarrow as pa

    if pa.types.is_struct(kind):
        names = [kind.field(i).name for i in range(kind.num_fields)]
        return len(set(names)) == len(names) and all(plain(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return plain(kind.value_type)
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
            or pa.types.is_boolean(kind) or pa.types.is_null(kind) or pa.types.is_float64(kind))


def polars_frame(rows: t.Any) -> t.Any:
    """A pyarrow RecordBatch or Table as a polars DataFrame (a DataFrame as it is)."""
    import polars as pl

    return rows if isinstance(rows, pl.DataFrame) else pl.from_arrow(rows, rechunk=False)


def json_lines(rows: t.Any) -> list[bytes]:
    """A pyarrow RecordBatch or Table, or a polars DataFrame, as JSON lines, one per
    row (polars' writer, at native speed)."""
    frame = polars_frame(rows)
    out = io.BytesIO()
    frame.write_ndjson(out)
    return out.getvalue().split(b"\n")[:-1]


class ArrowRows:
    """One task's row engine fed Arrow batches: lines where the types allow, records elsewhere."""

    def __init__(self, task: Task, opts: Options, native: bool = True) -> None:
        # native: polars may run here. Not in a forked worker: a parent that ran polars
        # leaves its thread pool locked in the child, which would hang.
        self.native = native
        self.checker = RowChecker(task, opts)
        self.checker.unique_keys = True
        self.scan = Scan(opts.max_per_code)
        self._bridged: dict[t.Any, bool] = {}
        # Rows handed in so far, and those held back until a run of SLICE is full (lines or records).
        self.seen = 0
        self._pending: list[t.Any] = []
        self._lines = True
        # Frames judged column-wise (ftprep.engine.conversation_columns), where their schema allows:
        # the rows held back, the flagged ones among them (offsets, JSON lines) and every held row's key.
        self._columns: t.Any = None
        self._judged: dict[t.Any, bool] = {}
        self._held = 0
        self._held_at: list[int] = []
        self._held_lines: list[bytes] = []
        self._held_keys: list[int] = []

    def bridged(self, schema: pa.Schema) -> bool:
        """Whether batches of this schema may go as JSON lines."""
        if schema not in self._bridged:
            import pyarrow as pa

            conversation = self.checker.conversation
            held = conversation in schema.names and schema.field(conversation).type
            # A conversation held as JSON text is json-loaded first, as the trainer's loader does (records).
            self._bridged[schema] = (self.native and len(schema.names) > 0
                                     and len(set(schema.names)) == len(schema.names)
                                     and all(plain(f.type) for f in schema)
                                     and not (held and (pa.types.is_string(held) or pa.types.is_large_string(held))))
        return self._bridged[schema]

    def batch(self, batch: pa.RecordBatch) -> None:
        for start in range(0, batch.num_rows, SLICE):
            part = batch.slice(start, SLICE)
            if self.bridged(part.schema):
                try:
                    # Parquet readers do not check UTF-8: a bad string must fail here as it does in
                    # `to_pylist` (the trainer's datasets), not be written on by polars.
                    part.validate(full=True)
                    frame = polars_frame(part)
                    lines = None if self.columnar(frame.schema) else json_lines(frame)
                except Exception:  # (polars refusing a layout it cannot hold: the records path can)
                    pass
                else:
                    if lines is None:
                        self.frame(frame)
                    else:
                        self._feed(lines, True)
                    continue
            try:
                records = part.to_pylist()
            except Exception as e:  # (invalid UTF-8, a value Python cannot hold)
                raise TableError(first_line(e)) from None
            self.records(records)

    def frame(self, frame: t.Any) -> None:
        """A polars DataFrame of plain types (a Parquet row group polars read): judged
        column-wise where its schema allows, else as JSON lines."""
        if not self.columnar(frame.schema):
            for start in range(0, frame.height, SLICE):
                self._feed(json_lines(frame.slice(start, SLICE)), True)
            return
        self._hold(frame, self._columns.judge(frame, self.seen, self.scan))

    def columnar(self, schema: t.Any) -> bool:
        """Whether frames of this polars schema are judged column-wise."""
        known = tuple(schema.items())  # (a polars schema does not hash)
        if known not in self._judged:
            from ftprep.engine import conversation_columns, field_columns

            checker, opts = self.checker, self.checker.opts
            judge: t.Any = None
            if conversation_columns.applies(checker, opts, schema):
                judge = conversation_columns.ConversationColumns(checker)
            elif field_columns.applies(checker, opts, schema):
                judge = field_columns.FieldColumns(checker)
            self._judged[known] = judge is not None
            if judge is not None and self._columns is None:
                self._columns = judge
        return self._judged[known]

    def _hold(self, frame: t.Any, judged: t.Any) -> None:
        """Hold a judged frame's rows (its clean ones tallied already, the flagged ones as JSON
        lines) for the row engine, in the runs of SLICE rows the JSON lines path would form."""
        if self._pending:  # (a mode's rows are checked before another's)
            self.flush()
        if judged.flagged:
            self._held_lines.extend(json_lines(frame[judged.flagged]))
            self._held_at.extend(self._held + k for k in judged.flagged)
        self._held_keys.extend(judged.keys)
        self._held += frame.height
        self.seen += frame.height
        while self._held >= SLICE:
            self._run(SLICE)

    def _run(self, n: int) -> None:
        """The first `n` held rows to the row engine: their flagged lines, and every row's key."""
        import bisect

        k = bisect.bisect_left(self._held_at, n)
        at, lines = self._held_at[:k], self._held_lines[:k]
        keys = self._held_keys[:n]
        judge = self._columns
        engine = self.checker.lines_at(self.scan, lines, at, n, judge.engine_types)
        if judge.engine_keys:
            for row, key in zip(at, engine):
                keys[row] = key
        self.scan.hashes.extend(keys)
        self._held_at = [a - n for a in self._held_at[k:]]
        del self._held_lines[:k], self._held_keys[:n]
        self._held -= n

    def records(self, records: list[t.Any]) -> None:
        self._feed(records, False)

    def _feed(self, items: list[t.Any], lines: bool) -> None:
        """Hand rows on in runs of SLICE counted from the first row, whatever the batches'
        sizes: which rows share a run orders what the engine explains, so the report is
        the same however the file was cut into row groups."""
        self.seen += len(items)
        if self._held or self._lines is not lines:
            self.flush()
            self._lines = lines
        self._pending.extend(items)
        while len(self._pending) >= SLICE:
            run, self._pending = self._pending[:SLICE], self._pending[SLICE:]
            self._check(run)

    def flush(self) -> None:
        """Check the rows held back (the last, short run); call it at the end, and before
        reporting where reading stopped."""
        if self._held:
            self._run(self._held)
        if self._pending:
            run, self._pending = self._pending, []
            self._check(run)

    def _check(self, run: list[t.Any]) -> None:
        if self._lines:
            self.checker.lines(self.scan, run, False)
        else:
            self.checker.records(self.scan, run)


def unreadable(scan: Scan, after: int, e: Exception, fmt: str = "parquet") -> None:
    """P006: reading stopped part-way, after `after` rows (the rows before it stay checked)."""
    scan.add(None, None, Finding("P006", f"cannot read {fmt} after {after:,} rows: {e}"))


@dataclasses.dataclass
class Part:
    """What one worker found in its row groups: the scan, and why reading stopped (None: it did not)."""

    scan: Scan
    error: str | None = None


__all__ = ["ArrowRows", "Part", "json_lines", "plain", "unreadable"]
