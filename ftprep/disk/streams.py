"""Bounded reading of hostile input: a .gz that stops at its bound, lines read
in blocks (long lines joined once, floods of blank lines counted, not visited
one by one: the one block reader, for the scan and every other line reader),
and a JSON array's elements found without recursion.

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


# 1 MB: blocks that stay in the cache measured fastest (8 MB blocks were ~25% slower).
BLOCK = 1 << 20
# Blank lines in a block above which they are counted in runs, not listed one by one.
BLANK_RUNS = 1000
BOM = b"\xef\xbb\xbf"


class LineBlocks:
    """The one block reader of JSON Lines: iterating gives, block by block, lists
    of lines (without their newlines) and, for runs of blank lines, their count
    (an int) in place of a list. A block is split once; its last, partial line
    is carried into the next, so no block is copied, and a line longer than a
    block is gathered in pieces and joined once. A block of nothing but blank
    lines (padding, or a bomb of newlines) is counted, not split.

    The stream's last line, when no newline ends it, is not given out: once
    iteration ends it is `tail` (None when the stream ends with a newline), so
    that a reader can tell a cut-off last line from a whole one.
    `limit`: read at most this many bytes; `strip_bom`: drop a UTF-8 BOM at the start (looked for in the first block).
    """

    def __init__(self, f: t.BinaryIO, limit: int | None = None, strip_bom: bool = False,
                 block: int = BLOCK) -> None:
        self.f, self.limit, self.strip_bom, self.block = f, limit, strip_bom, block
        self.tail: bytes | None = None

    def __iter__(self) -> t.Iterator[list[bytes] | int]:
        f, block = self.f, self.block
        carry: list[bytes] = []
        remaining = self.limit
        bom = self.strip_bom
        while True:
            size = block if remaining is None else min(block, remaining)
            buf = f.read(size) if size else b""
            if remaining is not None:
                remaining -= len(buf)
            if bom:
                bom = False
                if buf.startswith(BOM) and not (buf := buf[len(BOM):]):
                    continue  # a first block that held only the BOM is not the end
            if not buf:
                if carry:
                    self.tail = b"".join(carry)
                return
            if b"\n" not in buf:
                carry.append(buf)
                continue
            if buf.isspace():  # padding, or a bomb of newlines: count, do not split
                head, _, rest = buf.partition(b"\n")
                yield [b"".join(carry) + head]
                yield rest.count(b"\n")
                tail = rest[rest.rfind(b"\n") + 1:]
                carry = [tail] if tail else []
                continue
            lines = buf.split(b"\n")
            if carry:
                lines[0] = b"".join(carry) + lines[0]
            tail = lines.pop()
            carry = [tail] if tail else []
            if lines.count(b"") + lines.count(b"\r") > BLANK_RUNS:  # a pass over the list, not the bytes
                # Rows between floods of blank lines: a reader would pay for each blank one.
                flags = list(map(bool, map(bytes.strip, lines)))
                for filled, run in itertools.groupby(range(len(lines)), key=flags.__getitem__):
                    at = list(run)
                    yield lines[at[0]:at[-1] + 1] if filled else len(at)
            else:
                yield lines


def numbered_lines(f: t.BinaryIO, block: int = BLOCK) -> t.Iterator[tuple[int, bytes]]:
    """(line number, line with its newline, if it has one) of a byte stream,
    read by `LineBlocks`. Blank lines are skipped, and a run of them costs no
    Python step per line."""
    n = 0
    blocks = LineBlocks(f, block=block)
    for lines in blocks:
        if isinstance(lines, int):
            n += lines
            continue
        # Only the lines with content are visited (a C-level pass skips the blank ones).
        for i in itertools.compress(range(len(lines)), map(bytes.strip, lines)):
            yield n + i + 1, lines[i] + b"\n"
        n += len(lines)
    if blocks.tail is not None and blocks.tail.strip():
        yield n + 1, blocks.tail


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
