"""The line where each element of a top-level JSON array starts.

A JSON array is decoded whole, so its records carry no line numbers. This
scan finds them afterwards, only for the records that have findings, and stops
after the last of them. It reads the raw bytes in blocks, drops escape pairs
and string content with C-level byte operations (carrying across a block's
end whether it cut a string or an escape), and tracks nesting depth over what
is left: brackets and commas. JSON strings hold no raw newline, so line
counts survive. Memory is one block, however the file is laid out.
"""

from __future__ import annotations

import re
import typing as t

from ftprep.disk.inputs import open_bytes

BLOCK = 1 << 20
STRUCTURE = re.compile(rb"[\[\]{},]")
NON_SPACE = re.compile(rb"[^ \t\r\n]")


def _blocks(f: t.BinaryIO) -> t.Iterator[bytes]:
    """The file block by block, each string replaced by `0` (the part of a
    string in a block, when a block's end cuts it). Only escape pairs and
    string content are dropped, so newlines stay where they were."""
    inside = False  # the block starts inside a string
    skip = False  # the block starts with the byte an escape pair escapes
    while True:
        raw = f.read(BLOCK)
        if not raw:
            return
        if skip:
            raw, skip = raw[1:], False
        # Escaped backslashes go first, then escaped quotes: the quotes left
        # alternate open and close. A search costs far less than a copy.
        for escape in (b"\\\\", b'\\"'):
            if escape in raw:
                raw = raw.replace(escape, b"")
        if raw.endswith(b"\\"):  # an escape cut by the block's end
            raw, skip = raw[:-1], True
        parts = ((b'"' + raw) if inside else raw).split(b'"')
        inside = len(parts) % 2 == 0  # an odd number of quotes: the last string goes on
        yield b"0".join(parts[::2])


def element_lines(path: str, gz: bool, rows: t.Collection[int]) -> dict[int, int]:
    """{row: 1-based line where element `row` starts} for the wanted rows.
    Stops after the last wanted row; a row past the end is left out."""
    wanted = set(rows)
    if not wanted:
        return {}
    last = max(wanted)
    found: dict[int, int] = {}
    depth = 0
    row = -1  # the element being read at depth 1
    seeking = False  # after '[' or ',' at depth 1: the next non-space byte starts an element
    line = 1
    with open_bytes(path, gz) as f:
        for text in _blocks(f):
            pos = counted = 0
            while True:
                if seeking:
                    m = NON_SPACE.search(text, pos)
                    if m is None:  # only spaces left in this block
                        break
                    seeking = False
                    if text[m.start()] == 0x5D:  # ']': the array ends, no element here
                        return found
                    row += 1
                    if row in wanted:
                        line += text.count(b"\n", counted, m.start())
                        counted = m.start()
                        found[row] = line
                        if row >= last:
                            return found
                    pos = m.start()
                m = STRUCTURE.search(text, pos)
                if m is None:
                    break
                pos = m.end()
                c = text[m.start()]
                if c in b"[{":
                    depth += 1
                    seeking = depth == 1
                elif c in b"]}":
                    depth -= 1
                    if depth <= 0:
                        return found
                elif depth == 1:  # a comma between elements
                    seeking = True
            line += text.count(b"\n", counted)
    return found


__all__ = ["element_lines"]
