"""CSV and TSV records read by Arrow's C parser in blocks, with the exact line
where each record starts: the fast reader of ftprep.reading.tables.

The bytes are cut into blocks at record ends found by one vectorised pass over
the block (numpy): a line break after an even number of quotes ends a record.
That is the `csv` module's reading only when every quote opens a field or closes
one (a strictly written file, as pandas, polars and the `csv` module write), so
the same pass proves it, quote by quote, and counts each record's fields and
lines. A block that passes is parsed by `pyarrow.csv.read_csv` (every column a
string, `""` null) and the row counts are compared. Anything not proven (a stray
or unclosed quote, a bare CR, a NUL, a ragged record, invalid UTF-8, a
decompression bound, a header that is not one plain record) ends the fast read:
`read_blocks` then returns how many rows it handed on, always whole batches, and
the caller reads the file again with the `csv` module, skipping those rows, so
that every finding (and its batch) is the reference reader's own.
"""

from __future__ import annotations

import typing as t
import zlib

from ftprep.core.errors import DecompressionCapped
from ftprep.disk.inputs import open_bytes

if t.TYPE_CHECKING:
    import pyarrow as pa

    from ftprep.core.bounds import Bounds

# Bytes read at a time: a block holds whole records, so a record longer than
# this grows the block to it (memory is bounded by the longest record).
BLOCK = 1 << 20
# A record this long (in bytes) ends the fast read: past it the `csv` module's
# field limit (1 GiB, tables.py) may refuse a field Arrow would read, and a quote
# that never closes would otherwise grow the block to the rest of the file. The
# reference reader reads such a file as it always has.
LONG = 64 << 20
QUOTE, NEWLINE, CR = 34, 10, 13


class Cut(t.NamedTuple):
    """The whole records proven at the head of a block: `end` bytes (0: none),
    and the line where each record starts and the offset after it, blank lines
    left out."""

    end: int
    lines: t.Any  # numpy int64 arrays, one entry per record
    stops: t.Any
    breaks: int  # line feeds in the `end` bytes


def cut_block(data: bytes, delimiter: int, width: int, final: bool, line: int) -> Cut | None:
    """The records of `data` (starting at a record's start, on line `line`) that
    are proven to read as the `csv` module reads them, up to the first that is
    not; None when no record ends in `data` before its end (read more), unless
    `final`: the end of `data` is the end of the file."""
    import numpy as np

    buf = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(buf == QUOTE)
    newlines = np.flatnonzero(buf == NEWLINE)
    ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
    if final and len(quotes) % 2 == 0 and data and (not len(ends) or ends[-1] != len(data) - 1):
        ends = np.append(ends, len(data) - 1)  # the last record has no line break
    if not len(ends):
        return Cut(0, ends, ends, 0) if final else None
    end = int(ends[-1]) + 1
    quotes = quotes[quotes < end]
    # Each quote opens a field (after a delimiter, a line break, or the block's
    # start), closes one (before a delimiter, a line break, or the end of the
    # file), or is one of a doubled pair inside a quoted field.
    opening, closing = quotes[0::2], quotes[1::2]
    pairs = len(opening) - 1
    before = buf[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | (before == delimiter) | (before == NEWLINE)
    ok_open[1:] |= opening[1:] - 1 == closing[:pairs]
    after = buf[np.minimum(closing + 1, len(buf) - 1)]
    ok_close = (after == delimiter) | (after == NEWLINE) | (after == CR) | (closing + 1 == len(buf))
    ok_close[:pairs] |= closing[:pairs] + 1 == opening[1:]
    bad = [end]
    if not ok_open.all():
        bad.append(int(opening[~ok_open][0]))
    if not ok_close.all():
        bad.append(int(closing[~ok_close][0]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = ends - starts + 1
    blank = ((length == 1) | ((length == 2) & (buf[starts] == CR))) & (buf[ends] == NEWLINE)
    delimiters = np.flatnonzero(buf[:end] == delimiter)
    delimiters = delimiters[(np.searchsorted(quotes, delimiters) & 1) == 0]
    fields = np.bincount(np.searchsorted(ends, delimiters), minlength=len(ends)) + 1
    ragged = ~blank & (fields != width)
    if ragged.any():
        bad.append(int(starts[np.argmax(ragged)]))
    if (long := length >= LONG).any():
        bad.append(int(starts[np.argmax(long)]))
    crs = np.flatnonzero(buf[:end] == CR)
    bare = crs[buf[np.minimum(crs + 1, len(buf) - 1)] != NEWLINE]
    if len(bare):  # the `csv` module and Arrow break lines at a bare CR differently
        bad.append(int(bare[0]))
    if (nul := data.find(b"\0", 0, end)) >= 0:
        bad.append(nul)
    keep = int(np.searchsorted(ends, min(bad)))  # the records that end before the first unproven byte
    ends, starts, blank = ends[:keep], starts[:keep], blank[:keep]
    lines = line + np.searchsorted(newlines, starts)
    end = int(ends[-1]) + 1 if keep else 0
    return Cut(end, lines[~blank], (ends + 1)[~blank], int(np.searchsorted(newlines, end)))


def parse_block(data: bytes, delimiter: str, names: list[str]) -> pa.Table:
    """Whole records, every column a string and an empty cell null (the `csv` module path's None)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=max(len(data) + 1, 1 << 16)),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[""],
                                             strings_can_be_null=True, quoted_strings_can_be_null=True))


def read_blocks(path: t.Any, gz: bool, bounds: Bounds | None, delimiter: str, names: list[str],
                size: int) -> t.Generator[tuple[pa.Table, list[int | None]], None, int | None]:
    """(records, start line of each) in batches of `size` rows (the last one
    shorter), the columns named by the header's distinct `names`; returns None
    when the whole file was read, else the number of rows handed on before the
    reader gave up (a multiple of `size`); 0 without numpy and pyarrow."""
    try:
        import numpy  # noqa: F401
        import pyarrow as pa
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return 0

    sep, width = ord(delimiter), len(names)
    handed = count = 0
    pending: list[pa.Table] = []
    lines: list[t.Any] = []
    try:
        with open_bytes(path, gz, bounds) as f:
            data = f.read(BLOCK).removeprefix(b"\xef\xbb\xbf")
            final = not data
            while not final and len(data) < BLOCK:
                more = f.read(BLOCK)
                final, data = not more, data + more
            # The header: one record, on the first line, read by read_table already.
            head = cut_block(data, sep, width, final, 1)
            if head is None or not len(head.lines) or int(head.lines[0]) != 1:
                return handed
            line = 1 + data.count(b"\n", 0, int(head.stops[0]))  # one short scan
            data = data[int(head.stops[0]):]
            while True:
                while not final and len(data) < BLOCK:
                    more = f.read(BLOCK)
                    final, data = not more, data + more
                if final and not data:
                    break
                cut = cut_block(data, sep, width, final, line)
                if cut is None:  # a record longer than the block: read on
                    if len(data) >= LONG:
                        return handed
                    more = f.read(BLOCK)
                    final, data = not more, data + more
                    continue
                if not cut.end:
                    return handed
                if len(cut.lines):
                    try:
                        block = parse_block(data[:cut.end], delimiter, names)
                    except pa.ArrowException:  # invalid UTF-8 among others: the `csv` module says where
                        return handed
                    if block.num_rows != len(cut.lines):
                        return handed
                    pending.append(block)
                    lines.append(cut.lines)
                    count += block.num_rows
                line += cut.breaks
                data = data[cut.end:]
                while count >= size:
                    batch, first = take(pending, lines, size)
                    count -= size
                    yield batch, first
                    handed += size
    except (DecompressionCapped, EOFError, OSError, zlib.error):
        return handed  # a bound or a broken .gz: the `csv` module reads to the same place and says so
    if count:
        yield take(pending, lines, count)
    return None


def take(pending: list[pa.Table], lines: list[t.Any], n: int) -> tuple[pa.Table, list[int | None]]:
    """The first `n` pending rows and their lines; the rest stays pending."""
    import numpy as np
    import pyarrow as pa

    table = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
    starts = np.concatenate(lines) if len(lines) > 1 else lines[0]
    pending[:] = [table.slice(n)] if table.num_rows > n else []
    lines[:] = [starts[n:]] if len(starts) > n else []
    return table.slice(0, n), starts[:n].tolist()


__all__ = ["BLOCK", "LONG", "cut_block", "parse_block", "read_blocks", "take"]
