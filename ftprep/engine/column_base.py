"""What the column-wise judges of a frame (ftprep.engine.conversation_columns for
chat rows, ftprep.engine.field_columns for text and DPO rows) share: the verdict
they hand back, the key of a clean row, and when a check may use them at all."""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.options import Options
from ftprep.engine import portable_keys

if t.TYPE_CHECKING:
    import polars as pl

    from ftprep.engine.row_checker import RowChecker

# polars' hash of a row's trained values, the key of a clean row (seeded: the same in every worker process).
SEED = 0x5EED


@dataclasses.dataclass
class Judged:
    """A frame's rows the row engine must see (indices in the frame, ascending) and every
    row's key (where the judge's `engine_keys`, the row engine's keys stand for the flagged rows)."""

    flagged: list[int]
    keys: list[int]


def allowed(checker: RowChecker, opts: Options) -> bool:
    """Whether a check may judge frames column-wise at all: its keys are compared within
    the file only (not across a dataset's files or a cluster's workers), and nothing it
    counts needs every row as an object (tokens, --explain-all)."""
    return checker.tally is None and not opts.explain_all and not opts.dataset and not portable_keys.on()


def keys(values: pl.Series, missing: pl.Series | None = None) -> list[int]:
    """polars' hash of each row's trained values, signed as a scan's keys (never 0, the
    mark of no key, except where `missing` says a trained value is null)."""
    hashed = [k or 1 for k in values.hash(SEED).reinterpret(signed=True).to_list()]
    if missing is not None:
        for k in missing.arg_true().to_list():
            hashed[k] = 0
    return hashed


__all__ = ["SEED", "Judged", "allowed", "keys"]
