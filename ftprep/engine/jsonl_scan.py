"""JSON Lines into a `RowChecker`: a whole stream, or one byte range of a file
in a worker process (big files are scanned in ranges and the scans merged).

The lines come from the one block reader, ftprep.disk.streams.LineBlocks.
"""

from __future__ import annotations

import typing as t

from ftprep.disk.streams import LineBlocks
from ftprep.engine.row_checker import RowChecker
from ftprep.engine.scan_state import Scan
from ftprep.core.options import Options


def scan_range(path: str, start: int, end: int, task: str, opts: Options, final: bool,
               strip_bom: bool, tokens: tuple[str, t.Sequence[str]] | None = None) -> Scan:
    """Scan bytes [start, end) of an uncompressed JSON Lines file; both ends
    fall on line starts. Runs in a worker process for big files. `tokens`:
    (display path, columns) to count the rows' tokens too (ftprep.engine.lengths)."""
    from ftprep.tasks import get

    checker = RowChecker(get(task), opts)
    scan = Scan(opts.max_per_code)
    if tokens is not None:
        from ftprep.engine.lengths import check_tally

        checker.tally, scan.lengths = check_tally(get(task), opts, *tokens) or (None, None)
    with open(path, "rb") as f:
        f.seek(start)
        read_stream(checker, scan, f, end - start, final, strip_bom)
    return scan


def read_stream(checker: RowChecker, scan: Scan, f: t.BinaryIO, limit: int | None, final: bool,
                strip_bom: bool, step: t.Callable[[], None] | None = None) -> None:
    """Scan the lines of `f` (at most `limit` bytes), block by block. `final`:
    the stream ends the file, so a last line without a newline is a truncation.
    `step` is called after each block (about a megabyte), never per row, so that
    reporting progress costs the scan nothing it would notice."""
    blocks = LineBlocks(f, limit, strip_bom)
    for lines in blocks:
        if isinstance(lines, int):
            blank_lines(scan, lines)
        else:
            checker.lines(scan, lines, False)
        if step is not None:
            step()
    if blocks.tail is not None:
        checker.lines(scan, [blocks.tail], final)


def blank_lines(scan: Scan, n: int) -> None:
    """`n` blank lines counted into a scan: no rows, only the line numbers move
    on (a flood of them costs nothing per line)."""
    if not n:
        return
    scan.lines += n
    if scan.lines - scan.rows != scan.offset:
        scan.offset = scan.lines - scan.rows
        scan.gaps.append((scan.rows, scan.offset))


__all__ = ["blank_lines", "read_stream", "scan_range"]
