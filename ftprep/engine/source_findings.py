"""Findings on converted rows, told in the source's terms.

`convert` checks the rows it wrote; these helpers say what that means in the
file the user gave: a JSON array's lines, and a mapped column that no source
record has (one S001 rather than a V001 on every converted row).
"""

from __future__ import annotations

import typing as t

from ftprep.engine.columns import missing_column
from ftprep.core.diagnostics import Diagnostic
from ftprep.reading.elements import element_lines
from ftprep.reading.formats import format_of
from ftprep.reading.json_documents import sniff_json
from ftprep.core.options import Options


def json_lines(src: str, diags: list[Diagnostic]) -> list[Diagnostic]:
    """A JSON array's records have no line until its raw bytes are scanned for them."""
    wanted = {r for d in diags if d.line is None for r in (d.row, d.first_row, *(d.rows or ())) if r is not None}
    if not wanted:
        return diags
    fmt, gz = format_of(src)
    if fmt != "json" or sniff_json(src, gz) != "json":
        return diags
    line_of = element_lines(src, gz, wanted).get
    return [d.placed(line_of) if d.line is None else d for d in diags]


class ColumnGauge:
    """Finds a mapped source column absent from every record. Its rows convert
    to nulls, and each would get a V001; one S001 says it once instead."""

    def __init__(self, task: t.Any, opts: Options) -> None:
        self.task, self.opts = task, opts
        # source column -> the canonical column it fills
        self.feeds = {opts.field(o, d): d for o, d in task.fields.items()}
        self.absent = dict.fromkeys(self.feeds, 0)
        self.nulls = dict.fromkeys(self.feeds.values(), 0)
        self.records = self.rows = 0

    def source(self, rec: dict[str, t.Any]) -> None:
        self.records += 1
        for col in self.feeds:
            if col not in rec:
                self.absent[col] += 1

    def written(self, out: dict[str, t.Any]) -> None:
        self.rows += 1
        for col in self.nulls:
            if out.get(col) is None:
                self.nulls[col] += 1

    def missing(self, diags: list[Diagnostic], dropped: dict[str, int], columns: list[str],
                src: str) -> list[Diagnostic]:
        """`diags` with one S001 for each missing column instead of its per-row V001s
        (and no D003: those rows are empty because of it); `dropped` loses the
        V001s that were not kept."""
        found = [c for c, n in self.absent.items() if self.rows and n == self.records
                 and self.nulls[self.feeds[c]] == self.rows]
        if not found:
            return diags
        for col in found:
            canonical = self.feeds[col]
            kept = [d for d in diags if not (d.code == "V001" and d.field == canonical)]
            unshown = self.nulls[canonical] - (len(diags) - len(kept))
            if unshown > 0 and dropped.get("V001"):
                dropped["V001"] = max(0, dropped["V001"] - unshown)
                if not dropped["V001"]:
                    del dropped["V001"]
            diags = kept
        s001 = [missing_column(self.task, self.opts, col, columns, src) for col in found]
        return s001 + [d for d in diags if d.code != "D003"]


__all__ = ["ColumnGauge", "json_lines"]
