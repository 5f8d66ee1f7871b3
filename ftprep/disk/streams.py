"""Bounded reading of hostile input: a .gz that stops at its bound, lines read
in blocks (long lines joined once, floods of blank lines counted, not visited
one by one), and a JSON array's elements found without recursion.

They keep the cost of a file linear in its size.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import typing as t

import msgspec

from ftprep.core.bounds import Bounds
from ftprep.core.errors import DecompressionCapped

class BoundedGzip(gzip.GzipFile):
    """A gzip reader that gives out at most `limit` bytes, then raises
    DecompressionCapped on the next read. Unbounded reads are made in chunks,
    so a bomb never lands in memory whole."""

    CHUNK = 1 << 20

    def __init__(self, path: str | os.PathLike[str], bounds: Bounds, fileobj: t.BinaryIO | None = None) -> None:
        if fileobj is None:
            super().__init__(path, "rb")
        else:
            super().__init__(mode="rb", fileobj=fileobj)
        compressed = os.fstat(fileobj.fileno()).st_size if fileobj is not None else os.path.getsize(path)
        self.where, self.limit, self.done, self.lines = str(path), bounds.allowed(compressed), 0, 0
        self.reason = bounds.reason(compressed)
        self.over = False

    def _count(self, data: bytes) -> bytes:
        if self.over:  # the bytes cut off last time are gone: never a quiet end of file
            raise DecompressionCapped(self.where, self.reason, self.lines + 1)
        self.done += len(data)
        if self.done > self.limit:
            data = data[:len(data) - (self.done - self.limit)]
            self.done, self.over = self.limit, True
            if not data:
                raise DecompressionCapped(self.where, self.reason, self.lines + 1)
        self.lines += data.count(b"\n")
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._count(super().read(size))
        parts = []
        while chunk := self.read(self.CHUNK):
            parts.append(chunk)
        return b"".join(parts)

    def read1(self, size: int = -1) -> bytes:
        return self._count(super().read1(size if size >= 0 else self.CHUNK))

    def readline(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._count(super().readline(size))
        parts = []
        while chunk := self.readline(self.CHUNK):
            parts.append(chunk)
            if chunk.endswith(b"\n"):
                break
        return b"".join(parts)


def numbered_lines(f: t.BinaryIO, block: int = 1 << 20) -> t.Iterator[tuple[int, bytes]]:
    """(line number, line with its newline, if it has one) of a byte stream,
    read in blocks. Blank lines are skipped, and a block of nothing but blank
    lines (padding, or a bomb of newlines) costs no Python step per line."""
    n = 0
    parts: list[bytes] = []  # the line read so far: a long line is joined once, not copied per block
    while buf := f.read(block):
        if b"\n" not in buf:
            parts.append(buf)
            continue
        if buf.isspace():
            i = buf.index(b"\n")
            first = b"".join(parts) + buf[:i]
            n += 1
            if first.strip():
                yield n, first + b"\n"
            n += buf.count(b"\n", i + 1)
            tail = buf[buf.rfind(b"\n") + 1:]
            parts = [tail] if tail else []
            continue
        lines = buf.split(b"\n")
        if parts:
            lines[0] = b"".join(parts) + lines[0]
        last = lines.pop()
        parts = [last] if last else []
        # Only the lines with content are visited (a C-level pass skips the blank ones).
        for i in itertools.compress(range(len(lines)), map(bytes.strip, lines)):
            yield n + i + 1, lines[i] + b"\n"
        n += len(lines)
    if parts and (line := b"".join(parts)).strip():
        yield n + 1, line


def blank_lines(scan: t.Any, n: int) -> None:
    """`n` blank lines counted into a `ftprep.engine.scan.Scan`: no rows, only the line
    numbers move on (a flood of them costs nothing per line)."""
    if not n:
        return
    scan.lines += n
    if scan.lines - scan.rows != scan.offset:
        scan.offset = scan.lines - scan.rows
        scan.gaps.append((scan.rows, scan.offset))


# A JSON string, or one structural character of JSON.
TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


def array_elements(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of a JSON array's top-level elements, found without
    recursion. Raises msgspec.DecodeError when the top level is no array."""
    begin = data.find(b"[")
    if begin < 0 or data[:begin].strip():
        raise msgspec.DecodeError("JSON is malformed: the top level is not an array")
    spans: list[tuple[int, int]] = []
    depth, begin = 0, begin + 1
    for m in TOKEN.finditer(data, begin):
        c = data[m.start()]
        if c == 0x22:  # a string: its brackets and commas are text
            continue
        if c in b"[{":
            depth += 1
        elif c in b"]}":
            if depth == 0:
                if data[begin:m.start()].strip() or spans:
                    spans.append((begin, m.start()))
                return spans
            depth -= 1
        elif depth == 0:
            spans.append((begin, m.start()))
            begin = m.end()
    raise msgspec.DecodeError("JSON is malformed: the array is not closed")
