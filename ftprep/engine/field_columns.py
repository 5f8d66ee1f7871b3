"""Text and DPO rows held in Arrow columns (a Parquet row group read by polars),
judged column-wise as ftprep.engine.conversation_columns judges chat rows: polars
expressions flag the rows the row engine must see (a null or empty field, a
droppable column holding data, a DPO pair whose answers are one, a text rule's
finding), and the others are tallied from the columns: column types, the pairs'
lengths (Q030), the answers Q026 counts and the pairs Q031 samples.

Every row is keyed here, flagged or not, by polars' hash of its trained fields:
a flag can follow a droppable column, so a clean row may repeat a flagged one, and
one key for both is what finds it. A row with a null trained field has no key,
as in the row engine.

Types: a column is tested for dates in row order until its first non-date value
(ftprep.engine.inference.ColumnTypes.column), so the typed rows' types, flagged
or not, are counted here in row order, and not by the row engine.
"""

from __future__ import annotations

import typing as t

from ftprep.core.options import Options
from ftprep.engine import language
from ftprep.engine.column_base import Judged, allowed, keys
from ftprep.engine.column_suspects import count_answers, suspect_rows
from ftprep.engine.pairs_quality import PairTally
from ftprep.engine.scan_state import Scan
from ftprep.tasks import dpo, text

if t.TYPE_CHECKING:
    import polars as pl

    from ftprep.engine.row_checker import RowChecker

_LAYOUTS = {"text": text, "dpo": dpo}


def applies(checker: RowChecker, opts: Options, schema: t.Mapping[str, t.Any]) -> bool:
    """Whether frames of this polars schema are judged here: a text or DPO task whose
    mapped columns (and the droppable ones it may hold) are all strings."""
    import polars as pl

    module = _LAYOUTS.get(checker.task.base)
    if module is None or checker.task.module.row_type is not module.row_type or not allowed(checker, opts):
        return False
    mapped = checker.required
    return (len(set(mapped)) == len(mapped) and set(mapped) <= set(schema)
            and set(schema) <= set(mapped) | set(module.DATA_LIKE)
            and all(kind == pl.String for kind in schema.values()))


class FieldColumns:
    """The column-wise rules of one text or DPO task's checker."""

    engine_keys = engine_types = False  # (see the module's doc)

    def __init__(self, checker: RowChecker) -> None:
        self.checker = checker
        self.columns = list(checker.required)
        self.kept = checker.suspects.kept
        self.dpo = checker.task.base == "dpo"
        self.droppable = _LAYOUTS[checker.task.base].DATA_LIKE

    def judge(self, frame: pl.DataFrame, first: int, scan: Scan) -> Judged:
        """Flag the frame's rows the row engine must see; tally the others into `scan`
        (`first`: the scan's row of the frame's first row)."""
        import polars as pl

        cols = [pl.col(c) for c in self.columns]
        # decode: a droppable column holds nothing; is_clean (DPO): the two answers differ
        wrong = [pl.col(d).is_not_null() & (pl.col(d) != "") for d in self.droppable if d in frame.columns]
        if self.dpo:
            wrong.append(cols[1] == cols[2])
        indexed = frame.with_row_index("r")
        flagged = set(indexed.filter(pl.any_horizontal(*wrong).fill_null(True)).get_column("r").to_list()) if wrong \
            else set()
        texts = pl.concat([indexed.select("r", content=c, trained=pl.lit(j == 1)) for j, c in enumerate(cols)])
        flagged = suspect_rows(texts, self.kept, flagged)
        clean = indexed.filter(~pl.col("r").is_in(sorted(flagged))) if flagged else indexed
        self._types(scan, indexed, first)
        self._tally(scan, clean, first)
        return Judged(sorted(flagged), self.keys(frame))

    def keys(self, frame: pl.DataFrame) -> list[int]:
        """Every row's key: polars' hash of its trained fields (0: one is null)."""
        import polars as pl

        missing = frame.select(pl.any_horizontal(*(pl.col(c).is_null() for c in self.columns))).to_series()
        return keys(frame.select(pl.struct(self.columns)).to_series(), missing)

    def _types(self, scan: Scan, indexed: pl.DataFrame, first: int) -> None:
        """The column types of the rows the row type decodes (a text in every trained field,
        nothing in a droppable one), flagged or not, in row order."""
        import polars as pl

        typed = [pl.col(c).is_not_null() & (pl.col(c) != "") for c in self.columns]
        typed += [pl.col(d).is_null() | (pl.col(d) == "") for d in self.droppable if d in indexed.columns]
        rows = indexed.filter(pl.all_horizontal(*typed))
        at = rows.get_column("r")
        for c in self.columns:
            scan.types.column(c, rows.get_column(c), lambda k: first + at[k])

    def _tally(self, scan: Scan, clean: pl.DataFrame, first: int) -> None:
        """What the row engine counts over typed rows, for the clean ones."""
        import polars as pl

        if not clean.height:
            return
        checker, (question, answer) = self.checker, self.columns[:2]
        if (self.dpo or checker.languages) and scan.pairs is None:
            scan.pairs = PairTally()
        if self.dpo:
            scan.pairs.counted(clean.get_column(answer).str.len_chars().to_list(),
                               clean.get_column(self.columns[2]).str.len_chars().to_list())
        if checker.languages:  # (the long pairs only: PairTally.languages skips the others)
            least = language.MIN_CHARS
            long = clean.filter((pl.col(question).str.len_chars() >= least) & (pl.col(answer).str.len_chars() >= least))
            rows = [first + r for r in long.get_column("r").to_list()]
            field, kind = ("chosen", "pair") if self.dpo else (answer, "text")
            scan.pairs.languages(long.get_column(question).to_list(), long.get_column(answer).to_list(),
                                 rows.__getitem__, field, kind)
        if checker.truncation:
            count_answers(scan, checker.answer_field, clean.get_column(answer), clean.get_column("r"), first)

__all__ = ["FieldColumns", "applies"]
