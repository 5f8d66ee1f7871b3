"""The one block reader (ftprep.disk.streams.LineBlocks) against the plain
meaning of a file's lines, at block sizes that cut lines, CRLFs and floods of
blank lines anywhere; and its two readers (the scan, numbered_lines) on it."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

import ftprep
from ftprep.disk import streams
from ftprep.disk.streams import LineBlocks, numbered_lines

PIECES = st.lists(st.sampled_from([b"{}", b'{"a": 1}', b"x" * 37, b"", b" ", b"\r", b"\t \r", b"\xef\xbb\xbf{}"]),
                  max_size=60)


def flatten(blocks: LineBlocks) -> list[bytes | None]:
    """Every line the blocks stand for; None for each one only counted as blank."""
    out: list[bytes | None] = []
    for item in blocks:
        if type(item) is int:
            out += [None] * item
        else:
            assert isinstance(item, list) and item, "a list of lines is never empty"
            out += item
    return out


@settings(max_examples=300, deadline=None)
@given(PIECES, st.booleans(), st.integers(1, 64), st.booleans(), st.integers(0, 3))
def test_blocks_give_every_line_once_in_order(pieces: list[bytes], newline_at_end: bool, block: int,
                                              strip_bom: bool, runs: int) -> None:
    data = b"\n".join(pieces) + (b"\n" if newline_at_end and pieces else b"")
    expected = data.removeprefix(b"\xef\xbb\xbf") if strip_bom else data
    lines = expected.split(b"\n")
    want_tail = lines.pop() or None
    if strip_bom:
        block = max(block, 3)  # the BOM is looked for in the first block, whole
    original = streams.BLANK_RUNS
    streams.BLANK_RUNS = runs  # floods counted in runs, in the tiny blocks drawn here
    try:
        blocks = LineBlocks(io.BytesIO(data), strip_bom=strip_bom, block=block)
        got = flatten(blocks)
    finally:
        streams.BLANK_RUNS = original
    assert len(got) == len(lines)
    for g, w in zip(got, lines):
        assert g == w or (g is None and not w.strip())
    assert blocks.tail == want_tail


def test_a_limit_stops_the_reading_at_that_byte() -> None:
    data = b'{"a": 1}\n{"b": 2}\n{"c": 3}\n'
    blocks = LineBlocks(io.BytesIO(data), limit=18, block=4)
    assert flatten(blocks) == [b'{"a": 1}', b'{"b": 2}'] and blocks.tail is None
    blocks = LineBlocks(io.BytesIO(data), limit=12, block=4)
    assert flatten(blocks) == [b'{"a": 1}'] and blocks.tail == b'{"b'


def test_a_block_of_nothing_but_newlines_is_counted_not_listed() -> None:
    data = b"{}\n" + b"\n" * 100 + b"{}"
    blocks = LineBlocks(io.BytesIO(data), block=50)
    items = list(blocks)
    assert 49 in items  # the block of bytes 50..99, all newlines: one line listed, 49 counted
    assert sum(len(i) if isinstance(i, list) else i for i in items) == 101 and blocks.tail == b"{}"


@settings(max_examples=200, deadline=None)
@given(PIECES, st.booleans(), st.integers(1, 64))
def test_numbered_lines_are_the_lines_with_content(pieces: list[bytes], newline_at_end: bool, block: int) -> None:
    data = b"\n".join(pieces) + (b"\n" if newline_at_end and pieces else b"")
    want = []
    for n, line in enumerate(data.split(b"\n"), 1):
        if line.strip():
            ended = data.count(b"\n") >= n
            want.append((n, line + b"\n" if ended else line))
    assert list(numbered_lines(io.BytesIO(data), block=block)) == want


def test_the_scan_and_the_record_reader_agree_on_lines_across_blank_floods(tmp_path: Path) -> None:
    # The checker (LineBlocks through read_stream) and convert's reader (numbered_lines)
    # place the same rows on the same lines, after floods of blank lines and CRs.
    row = json.dumps({"instruction": "q", "output": "a"})
    text = "\n".join([row] * 2) + "\n" + "\r\n" * 3000 + "\n" * 5000 + '{"instruction": "q", "output": \n' + row
    path = tmp_path / "d.jsonl"
    path.write_text(text)
    checked = [(d.code, d.line, d.row) for d in ftprep.check(str(path), min_rows=1, workers=1).diagnostics]
    assert checked == [("D001", 2, 1), ("P001", 8003, 2), ("D001", 8004, 3)]
    converted = ftprep.convert(str(path), str(tmp_path / "out.jsonl"), task="text", min_rows=1)
    assert [(d.code, d.line, d.row) for d in converted.report.diagnostics] == checked
