"""The line where each element of a top-level JSON array starts.

A JSON array is decoded whole, so its records carry no line numbers. This
scan finds them afterwards, only for the records that have findings, and stops
after the last of them. It reads the raw bytes in blocks cut at newlines,
drops every string with C-level byte operations (JSON strings hold no raw
newline, so line counts survive), and tracks nesting depth over what is
left: brackets and commas. Memory is one block, or the longest line (a
minified array is one line, and its decode held the whole file anyway).
"""

from __future__ import annotations

import re
import typing as t

from ftprep.sources import open_bytes

BLOCK = 1 << 20
STRUCTURE = re.compile(rb"[\[\]{},]")
NON_SPACE = re.compile(rb"[^ \t\r\n]")


def _unquoted(text: bytes) -> bytes:
    """`text` with each string replaced by `0`. JSON strings hold no raw newline, so text
    that ends on a newline ends outside any string. Escaped backslashes go
    first, then escaped quotes; the quotes left alternate open and close."""
    text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"0".join(text.split(b'"')[::2])  # a string becomes 0: still a value


def _blocks(f: t.BinaryIO) -> t.Iterator[bytes]:
    """The file without the content of its strings, in blocks that end on a
    newline (a line longer than a block is read whole)."""
    carry: list[bytes] = []  # the start of a line that goes on past the block
    while True:
        raw = f.read(BLOCK)
        if not raw:
            if carry:
                yield _unquoted(b"".join(carry))
            return
        cut = raw.rfind(b"\n") + 1
        if not cut:
            carry.append(raw)
            continue
        yield _unquoted(b"".join([*carry, raw[:cut]]))
        carry = [raw[cut:]]


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
