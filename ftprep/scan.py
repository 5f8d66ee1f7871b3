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
import dataclasses
import re
import typing as t

import msgspec

from ftprep.tasks import Task
from ftprep.tasks.base import CONTROL_BYTES_RE, CONTROL_TOKENS, Finding, Options
from ftprep.tasks.chat_rules import THINK_TEMPLATES

BLOCK = 8 << 20
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
    hashes: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    hash_rows: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    hash_lines: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    absent: dict[str, int] = dataclasses.field(default_factory=dict)
    empty_rows: int = 0
    keys: set[str] = dataclasses.field(default_factory=set)

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
        self.hash_rows = array.array("q", (r + rows for r in self.hash_rows))
        self.hash_lines = array.array("q", (ln + lines for ln in self.hash_lines))

    def merge(self, other: Scan) -> None:
        other.shift(self.lines, self.rows)
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
        self.hash_rows.extend(other.hash_rows)
        self.hash_lines.extend(other.hash_lines)
        self.rows += other.rows
        self.lines += other.lines
        self.empty_rows += other.empty_rows
        if len(self.keys) < 1000:
            self.keys |= other.keys


class RowChecker:
    """One task's rules, bound to its options, for one process."""

    def __init__(self, task: Task, opts: Options) -> None:
        self.task, self.opts = task, opts
        self.typed = msgspec.json.Decoder(task.row_type(opts))
        self.generic = msgspec.json.Decoder()
        self.encoder = msgspec.json.Encoder()
        self.clean = task.is_clean(opts)
        self.key = getattr(task.module, "row_hash", hash)
        self.required = list(task.mapped(opts).values())
        pattern = CONTROL_BYTES_RE.pattern
        if opts.chat_template in THINK_TEMPLATES:
            pattern += rb"|</think>"
        self.flag_re = re.compile(pattern)

    # -- explain path ---------------------------------------------------------
    def explain_obj(self, scan: Scan, obj: t.Any, line: int | None, row: int, hashed: bool = True) -> None:
        if not isinstance(obj, dict):
            scan.add(line, row, Finding("P005", f"record is a JSON {type(obj).__name__}, not an object"))
            return
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
        if not hashed:
            # Rows that failed the typed decode are keyed on their trained columns,
            # so duplicates among them are found too.
            trained = obj if not self.required else {c: obj.get(c) for c in self.required}
            scan.hashes.append(hash(self.encoder.encode(trained)))
            scan.hash_rows.append(row)
            scan.hash_lines.append(line or 0)

    def records(self, scan: Scan, records: list[t.Any]) -> None:
        """Records of a table or a JSON array. They are encoded back to JSON
        Lines so that one code path checks every format; the caller maps the
        pseudo line numbers (row + 1) to real ones."""
        if records:
            self.block(scan, self.encoder.encode_lines(records), False)

    # -- JSON Lines -----------------------------------------------------------
    def block(self, scan: Scan, block: bytes, final: bool) -> None:
        """Scan whole lines; `final` marks the last block of the file, whose
        last line may lack its newline."""
        n = block.count(b"\n")
        tail = not block.endswith(b"\n") and bool(block)
        expected = n + (1 if tail else 0)
        rows = None
        if expected:
            try:
                rows = self.typed.decode_lines(block)
            except (msgspec.ValidationError, msgspec.DecodeError):
                rows = None
        if rows is not None and len(rows) == expected:
            self._typed_block(scan, block, rows)
        else:
            self._line_block(scan, block, final)
        scan.lines += expected

    def _typed_block(self, scan: Scan, block: bytes, rows: list[t.Any]) -> None:
        first_line, first_row = scan.lines + 1, scan.rows
        keys = list(map(self.key, rows))
        scan.hashes.extend(keys)
        scan.hash_rows.extend(range(first_row, first_row + len(rows)))
        scan.hash_lines.extend(range(first_line, first_line + len(rows)))
        suspects = self._flagged_lines(block)
        clean = list(map(self.clean, rows))
        suspects.update(i for i, ok in enumerate(clean) if not ok)
        if suspects:
            lines = block.split(b"\n")
            for i in sorted(suspects):
                obj = self.generic.decode(lines[i])
                self.explain_obj(scan, obj, first_line + i, first_row + i)
        scan.rows += len(rows)

    def _flagged_lines(self, block: bytes) -> set[int]:
        """Indices of lines whose raw bytes hold a control token, a `\\u`
        escape (which may hide one) or a think tag: they need explaining."""
        out: set[int] = set()
        search = self.flag_re.search
        pos, line, counted = 0, 0, 0
        while True:
            m = search(block, pos)
            if m is None:
                return out
            line += block.count(b"\n", counted, m.start())
            counted = m.start()
            out.add(line)
            nl = block.find(b"\n", m.start())
            if nl < 0:
                return out
            pos = nl + 1

    def _line_block(self, scan: Scan, block: bytes, final: bool) -> None:
        lines = block.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        last = len(lines) - 1
        for i, raw in enumerate(lines):
            line_no = scan.lines + 1 + i
            text = raw.strip()
            if not text:
                continue
            row = scan.rows
            scan.rows += 1
            try:
                typed = self.typed.decode(text)
            except msgspec.ValidationError:
                typed = None
            except msgspec.DecodeError as e:
                scan.add(line_no, row, self._decode_error(text, e, final and i == last and not block.endswith(b"\n")))
                continue
            if typed is not None:
                scan.hashes.append(self.key(typed))
                scan.hash_rows.append(row)
                scan.hash_lines.append(line_no)
                if self.clean(typed) and not self.flag_re.search(text):
                    continue
            try:
                obj = self.generic.decode(text)
            except msgspec.DecodeError as e:
                scan.add(line_no, row, self._decode_error(text, e, False))
                continue
            self.explain_obj(scan, obj, line_no, row, hashed=typed is not None)

    @staticmethod
    def _decode_error(text: bytes, e: Exception, truncated: bool) -> Finding:
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as u:
            return Finding("P002", f"invalid UTF-8 at byte {u.start}", None, "re-encode the file as UTF-8")
        detail = str(e).removeprefix("JSON is malformed: ")
        if truncated:
            return Finding("P003", f"the last record is cut off ({detail})", None,
                           "the file may have been truncated while writing")
        return Finding("P001", f"invalid JSON: {detail}")


def scan_range(path: str, start: int, end: int, task: Task, opts: Options, final: bool,
               strip_bom: bool) -> Scan:
    """Scan bytes [start, end) of an uncompressed JSON Lines file; both ends
    fall on line starts. Runs in a worker process for big files."""
    checker = RowChecker(task, opts)
    scan = Scan(opts.max_per_code)
    with open(path, "rb") as f:
        f.seek(start)
        read_stream(checker, scan, f, end - start, final, strip_bom)
    return scan


def read_stream(checker: RowChecker, scan: Scan, f: t.BinaryIO, limit: int | None, final: bool,
                strip_bom: bool) -> None:
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
                checker.block(scan, carry, final)
            return
        data = carry + buf if carry else buf
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            checker.block(scan, data[:cut], False)


__all__ = ["Scan", "RowChecker", "scan_range", "read_stream", "CONTROL_TOKENS"]
