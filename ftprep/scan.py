"""The row engine: decode, recognise clean rows fast, explain the rest.

A `Scan` folds the rows of one input into findings and small dataset-level
state (duplicate hashes, absent-column counts, empty rows). JSON Lines is read
in big blocks: a block is first decoded whole into typed structs
(`Decoder.decode_lines`, C speed); only when that fails, or a row is not
recognised as clean, are its lines decoded one by one and explained. Blocks
of one file can be scanned by several processes and the scans merged.
"""

from __future__ import annotations

import array
import bisect
import dataclasses
import itertools
import typing as t

import msgspec

from ftprep.inference import ColumnTypes, typed_layout
from ftprep.tasks import Task
from ftprep.tasks.base import Finding, Options, a, control_patterns, kind
from ftprep.tasks import chat_rules

# 1 MB: blocks that stay in the cache measured fastest (8 MB blocks were ~25% slower).
BLOCK = 1 << 20
# Codes reported once per file, at their first row, with the count of rows.
AGGREGATED = frozenset({"C013", "C015", "S002", "S003", "G001"})
EMPTY_CODES = frozenset({"V001", "V002"})

# A finding placed in its input: (line, row, code, message, field, hint).
Placed = tuple[t.Optional[int], t.Optional[int], str, str, t.Optional[str], t.Optional[str]]


@dataclasses.dataclass
class Scan:
    """What scanning some rows found. Line and row numbers are local to the
    scan until `shift` moves them; `merge` appends a later scan."""

    max_per_code: int
    rows: int = 0
    lines: int = 0
    found: list[Placed] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    firsts: dict[tuple[str, str | None], int] = dataclasses.field(default_factory=dict)
    # One 8-byte key per row, in row order (0: no key), for duplicates: the only
    # per-row state, so a 5M-row file costs 40 MB here and nothing else grows.
    hashes: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    # Where line = row + 1 + offset changes (after blank lines): (row, offset).
    gaps: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    offset: int = 0
    absent: dict[str, int] = dataclasses.field(default_factory=dict)
    empty_rows: int = 0
    keys: set[str] = dataclasses.field(default_factory=set)
    # The kinds of values per column, for the loader's type inference (ftprep.inference).
    types: ColumnTypes = dataclasses.field(default_factory=ColumnTypes)
    # A CSV table's cells as pandas would type them (ftprep.csvtypes.CsvTypes).
    cells: t.Any = None

    def add(self, line: int | None, row: int | None, f: Finding) -> None:
        n = self.counts.get(f.code, 0) + 1
        self.counts[f.code] = n
        if f.code in AGGREGATED:
            key = (f.code, f.field)
            if key in self.firsts:
                self.firsts[key] += 1
                return
            self.firsts[key] = 1
        elif n > self.max_per_code:
            return
        self.found.append((line, row, f.code, f.message, f.field, f.hint))

    def shift(self, lines: int, rows: int) -> None:
        if not lines and not rows:
            return
        self.found = [(None if ln is None else ln + lines, None if r is None else r + rows, *rest)
                      for ln, r, *rest in self.found]
        self.gaps = [(r + rows, o + lines - rows) for r, o in self.gaps]
        self.types.shift(rows)
        self.offset += lines - rows

    def merge(self, other: Scan) -> None:
        base = self.lines - self.rows
        if base != self.offset:
            self.gaps.append((self.rows, base))
        other.shift(self.lines, self.rows)
        self.gaps.extend(other.gaps)
        self.offset = other.offset
        for line, row, code, message, field, hint in other.found:
            key = (code, field)
            if code in AGGREGATED and key in self.firsts:
                continue
            if code not in AGGREGATED and self.counts.get(code, 0) >= self.max_per_code:
                continue
            self.found.append((line, row, code, message, field, hint))
        for k, n in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + n
        for k, n in other.firsts.items():
            self.firsts[k] = self.firsts.get(k, 0) + n
        for k, n in other.absent.items():
            self.absent[k] = self.absent.get(k, 0) + n
        self.hashes.extend(other.hashes)
        self.types.merge(other.types)
        self.rows += other.rows
        self.lines += other.lines
        self.empty_rows += other.empty_rows
        if len(self.keys) < 1000:
            self.keys |= other.keys

    def line_of(self, row: int) -> int:
        """The line a row starts on (JSON Lines; tables map their own)."""
        at = bisect.bisect_right(self.gaps, (row, float("inf"))) - 1
        return row + 1 + (self.gaps[at][1] if at >= 0 else 0)


class RowChecker:
    """One task's rules, bound to its options, for one process."""

    def __init__(self, task: Task, opts: Options) -> None:
        self.task, self.opts = task, opts
        self.typed = msgspec.json.Decoder(task.row_type(opts))
        self.generic = msgspec.json.Decoder()
        self.encoder = msgspec.json.Encoder()
        self.clean = task.is_clean(opts)
        self.texts = task.texts(opts)
        self.key = getattr(task.module, "row_hash", hash)
        self.required = list(task.mapped(opts).values())
        self.tokens = control_patterns()
        self.think = opts.chat_template in chat_rules.THINK_TEMPLATES
        self.conversation = task.mapped(opts).get("field_conversation")
        self.layout = typed_layout(task.name, opts)

    # -- explain path ---------------------------------------------------------
    def explain_obj(self, scan: Scan, obj: t.Any, line: int | None, row: int) -> int:
        """Every finding of one decoded record; returns its duplicate key (0: none)."""
        if not isinstance(obj, dict):
            scan.add(line, row, Finding("P005", f"record is {a(kind(obj))}, not an object"))
            return 0
        if len(scan.keys) < 1000:
            scan.keys.update(k for k in obj if isinstance(k, str))
        for col in self.required:
            if col not in obj:
                scan.absent[col] = scan.absent.get(col, 0) + 1
        findings = self.task.explain(obj, self.opts)
        empty = {f.field for f in findings if f.code in EMPTY_CODES}
        if self.required and empty.issuperset(self.required):
            scan.empty_rows += 1
        for f in findings:
            scan.add(line, row, f)
        # Rows that failed the typed decode are keyed on their trained columns,
        # so duplicates among them are found too.
        trained = obj if not self.required else {c: obj.get(c) for c in self.required}
        return hash(self.encoder.encode(trained)) or 1

    def records(self, scan: Scan, records: list[t.Any]) -> None:
        """Records of a table or a JSON array. They are encoded back to JSON
        Lines so that one code path checks every format; the caller maps the
        pseudo line numbers (row + 1) to real ones."""
        if not records:
            return
        if self.conversation is not None:
            # A CSV cell holds the conversation as JSON text; the trainer json-loads
            # it, so do that first and let the typed decode judge the list.
            col, decode = self.conversation, self.generic.decode
            for rec in records:
                value = rec.get(col) if isinstance(rec, dict) else None
                if isinstance(value, str):
                    stripped = value.strip()
                    if stripped.startswith("[") and stripped.endswith("]"):
                        try:
                            rec[col] = decode(stripped)
                        except (msgspec.DecodeError, UnicodeDecodeError):
                            pass
        self.lines(scan, self.encoder.encode_lines(records).split(b"\n")[:-1], False)

    # -- JSON Lines -----------------------------------------------------------
    def lines(self, scan: Scan, lines: list[bytes], truncated_tail: bool) -> None:
        """Scan a list of lines (without their newlines). `truncated_tail`: the
        last line is the end of a file without a final newline, so a parse
        failure there is a truncation."""
        if not lines:
            return
        # Decode at C speed; a failing line stops `extend` right after the rows
        # before it, so each failure costs one Python round trip.
        rows: list[t.Any] = []
        failed: list[int] = []
        it = iter(lines)
        decode = self.typed.decode
        while True:
            try:
                rows.extend(map(decode, it))
                break
            except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
                failed.append(len(rows) + len(failed))
        first_line, first_row = scan.lines + 1, scan.rows
        scan.lines += len(lines)
        if not failed:
            scan.rows += len(rows)
            scan.hashes.extend(map(self.key, rows))
            self._typed_rows(scan, lines, rows, range(len(rows)), range(len(rows)), first_line, first_row)
            return
        bad = set(failed)
        blank = {i for i in failed if not lines[i].strip()}
        line_of = [i for i in range(len(lines)) if i not in bad]
        counted = [i for i in range(len(lines)) if i not in blank]
        row_index = {ln: k for k, ln in enumerate(counted)}
        row_of = [row_index[i] for i in line_of]
        scan.rows += len(counted)
        keys = [0] * len(counted)
        for k, key in zip(row_of, map(self.key, rows)):
            keys[k] = key
        if blank:  # lines and rows part ways: remember where
            for r, i in enumerate(counted):
                offset = first_line + i - (first_row + r) - 1
                if offset != scan.offset:
                    scan.gaps.append((first_row + r, offset))
                    scan.offset = offset
            if scan.lines - scan.rows != scan.offset:  # blank lines at the end of the block
                scan.offset = scan.lines - scan.rows
                scan.gaps.append((scan.rows, scan.offset))
        self._typed_rows(scan, lines, rows, line_of, row_of, first_line, first_row)
        last = len(lines) - 1
        for i in failed:
            text = lines[i].strip()
            if not text:
                continue
            keys[row_index[i]] = self._explain_line(scan, text, first_line + i, first_row + row_index[i],
                                                    truncated=truncated_tail and i == last)
        scan.hashes.extend(keys)

    def _typed_rows(self, scan: Scan, lines: list[bytes], rows: list[t.Any], line_of: t.Sequence[int],
                    row_of: t.Sequence[int], first_line: int, first_row: int) -> None:
        if not rows:
            return
        suspects: set[int] = set(range(len(rows))) if self.opts.explain_all else set()
        flags = list(map(self.clean, rows))
        if not all(flags):
            suspects.update(k for k, ok in enumerate(flags) if not ok)
        texts = self.texts(rows)
        scan.types.typed_rows(self.layout, rows, texts, lambda k: first_row + row_of[k])
        if any(map(str.isspace, texts)):
            suspects.update(self._rows_of(rows, [k for k, x in enumerate(texts) if x.isspace()]))
        # Control tokens: a C-level pass finds the few texts holding '<' or '[',
        # and only those are searched for the tokens themselves.
        everything = range(len(texts))
        for char, pattern in self.tokens.items():
            has = list(map(str.__contains__, texts, itertools.repeat(char)))
            if not any(has):
                continue
            candidates = list(itertools.compress(everything, has))
            suspects.update(self._rows_of(rows, [k for k in candidates if pattern.search(texts[k])]))
            if char == "<" and self.think:
                thinking = [k for k in candidates if "</think>" in texts[k]]
                if thinking:
                    suspects.update(self._think_rows(rows, thinking))
        for k in sorted(suspects):
            i = line_of[k]
            self.explain_obj(scan, self.generic.decode(lines[i]), first_line + i, first_row + row_of[k])

    def _rows_of(self, rows: list[t.Any], text_indices: list[int]) -> list[int]:
        if not text_indices:
            return []
        counts = self.task.text_counts(rows)
        if isinstance(counts, int):
            return [k // counts for k in text_indices]
        ends = list(itertools.accumulate(counts))
        return [bisect.bisect_right(ends, k) for k in text_indices]

    def _think_rows(self, rows: list[t.Any], text_indices: list[int]) -> list[int]:
        """Rows where a `</think>` would be dropped by the template (C017)."""
        ends = list(itertools.accumulate(self.task.text_counts(rows)))
        out = []
        for k in text_indices:
            r = bisect.bisect_right(ends, k)
            msgs = rows[r].f0
            j = k - (ends[r] - len(msgs))
            if chat_rules.drops_thinking(self.opts.chat_template, msgs[j].role, j, len(msgs)):
                out.append(r)
        return out

    def _explain_line(self, scan: Scan, text: bytes, line: int, row: int, truncated: bool) -> int:
        try:
            obj = self.generic.decode(text)
        except (msgspec.DecodeError, UnicodeDecodeError) as e:
            scan.add(line, row, decode_error(text, e, truncated))
            return 0
        if isinstance(obj, dict):
            scan.types.record(obj, row, self.conversation)
        return self.explain_obj(scan, obj, line, row)


def decode_error(text: bytes, e: Exception, truncated: bool) -> Finding:
    """P001, P002 or P003 for a line that does not decode; `truncated`: it is
    the file's last line and has no newline."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as u:
        return Finding("P002", f"invalid UTF-8 at byte {u.start}", None, "re-encode the file as UTF-8")
    detail = str(e).removeprefix("JSON is malformed: ")
    if truncated:
        return Finding("P003", f"the last record is cut off ({detail})", None,
                       "the file may have been truncated while writing")
    return Finding("P001", f"invalid JSON: {detail}")


def scan_range(path: str, start: int, end: int, task: str, opts: Options, final: bool,
               strip_bom: bool) -> Scan:
    """Scan bytes [start, end) of an uncompressed JSON Lines file; both ends
    fall on line starts. Runs in a worker process for big files."""
    from ftprep.tasks import get

    checker = RowChecker(get(task), opts)
    scan = Scan(opts.max_per_code)
    with open(path, "rb") as f:
        f.seek(start)
        read_stream(checker, scan, f, end - start, final, strip_bom)
    return scan


def read_stream(checker: RowChecker, scan: Scan, f: t.BinaryIO, limit: int | None, final: bool,
                strip_bom: bool) -> None:
    """Read big blocks and scan their lines. A block is split once; its last,
    partial line is carried into the next block, so no block is copied."""
    carry = b""
    remaining = limit
    first = True
    while True:
        size = BLOCK if remaining is None else min(BLOCK, remaining)
        buf = f.read(size) if size else b""
        if remaining is not None:
            remaining -= len(buf)
        if first and strip_bom:
            buf = buf.removeprefix(b"\xef\xbb\xbf")
        first = False
        if not buf:
            if carry:
                checker.lines(scan, [carry], final)
            return
        lines = buf.split(b"\n")
        if carry:
            lines[0] = carry + lines[0]
        carry = lines.pop()
        checker.lines(scan, lines, False)


__all__ = ["Scan", "RowChecker", "decode_error", "scan_range", "read_stream"]
