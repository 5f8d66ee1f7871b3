"""CSV records that a quote left open swallowed (P011): the raw lines of each
record as `csv.reader` reads them, and the judgement of a multi-line record
(a multi-line cell, or rows of the file read as one cell).
"""

from __future__ import annotations

import typing as t


class Lines:
    """A text's lines for `csv.reader` (iterate `lines`). It keeps the raw lines of the
    record being read (`record`), and notes when the lines run out: a record the reader
    returns after that ended inside a quoted field, the file ended before the quote closed."""

    def __init__(self, text: t.Iterable[str]) -> None:
        self.ended = False
        self.record: list[str] = []
        self.lines = self._lines(text)

    def _lines(self, text: t.Iterable[str]) -> t.Iterator[str]:
        keep = self.record.append  # a generator: cheaper per line than a __next__ method
        for line in text:
            keep(line)
            yield line
        self.ended = True


# A multi-line record is a swallow when no CSV writer could have written it (a
# quote closes mid-field) and at least SWALLOW_LINES of its lines, SWALLOW_SHARE
# of them, look like rows of the file: the header's number of fields, and no
# quote (a quote would have closed the cell sooner).
SWALLOW_LINES = 5
SWALLOW_SHARE = 0.8
UNCLOSED_HINT = 'close the quote, or double a quote that is part of the text ("")'


def unclosed(cells: list[str], raw: list[str], width: int, delimiter: str, start: int, end: int,
             at_eof: bool) -> str | None:
    """Why a record spanning lines `start`..`end` is an unclosed quote, or None when it
    reads as a multi-line cell. pandas (the trainer's CSV reader) fails on a quote still
    open at the end of the file ("EOF inside string"); a quote closed by a stray one
    further on reads every row between as one cell. A record a CSV writer could have
    written (strictly parseable) is never a finding, whatever its cells hold."""
    import csv

    spanned = end - start + 1
    if at_eof:
        return (f"a quoted field opened on line {start:,} is never closed: it runs {spanned:,} lines to the end "
                "of the file, swallowing every row after it; the trainer's CSV reader (pandas) fails on it "
                "(EOF inside string)")
    if width < 2:
        return None  # one column: no delimiter tells a row from a line of text
    inner = [ln for c in cells if "\n" in c for ln in c.replace("\r\n", "\n").split("\n")]
    if len(inner) < SWALLOW_LINES:
        return None
    alike = sum(1 for ln in inner if '"' not in ln and ln.count(delimiter) == width - 1)
    if alike < SWALLOW_SHARE * len(inner):
        return None
    try:
        for _ in csv.reader(raw, delimiter=delimiter, strict=True):
            pass
        return None
    except csv.Error:
        pass
    return (f"a quoted field opened on line {start:,} runs {spanned:,} lines to line {end:,}, where a stray quote "
            f"closes it; {alike:,} of its lines look like rows of this file, and the trainer would read them "
            "as one cell")
