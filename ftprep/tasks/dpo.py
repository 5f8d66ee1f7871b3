"""`dpo`: preference pairs (prompt, chosen, rejected) for Direct Preference Optimization.

The trainer renames the mapped columns to `prompt`, `chosen`, `rejected`, str()s
the values, drops rows where any of them is blank, and wraps them in ChatML
markers (axolotl `chatml.default`). Identical pairs give random predictions.
"""

from __future__ import annotations

import typing as t

from ftprep.core.options import Options
from ftprep.tasks.base import (
    MISSING,
    Finding,
    NonBlank,
    check_text,
    collisions,
    dropped_columns,
    placeholders,
    struct_type,
)
from ftprep.tasks.junk import junk
from ftprep.tasks.task import ROWS

NAME = "dpo"
SUMMARY = "preference pairs: prompt, chosen and rejected texts"
SCHEMA = "dpo.schema.json"
FIELDS = {"field_prompt": "prompt", "field_chosen": "chosen", "field_rejected": "rejected"}
CANONICAL = ("prompt", "chosen", "rejected")
KIND = ROWS
TAKES = "a data file: JSON Lines, JSON, CSV, TSV or Parquet"
DATA_LIKE = ("system",)


def columns(opts: Options) -> tuple[str, str, str]:
    return (opts.field("field_prompt", "prompt"), opts.field("field_chosen", "chosen"),
            opts.field("field_rejected", "rejected"))


def renames(opts: Options) -> list[tuple[str, str]]:
    return list(zip(columns(opts), CANONICAL))


def row_type(opts: Options) -> type:
    never = [std for src, std in renames(opts) if src != std]
    return struct_type("DpoRow", [(c, NonBlank) for c in columns(opts)], never=never, droppable=DATA_LIKE)


def is_clean(row: t.Any) -> bool:
    return row.f1 != row.f2


def texts(rows: list[t.Any]) -> list[str]:
    return [x for r in rows for x in (r.f0, r.f1, r.f2)]


def explain(obj: dict[str, t.Any], opts: Options) -> list[Finding]:
    prompt, chosen, rejected = columns(opts)
    out = check_text(obj.get(prompt, MISSING), prompt, "prompt")
    out += check_text(obj.get(chosen, MISSING), chosen, "chosen")
    out += placeholders(obj.get(chosen), chosen, "the chosen response")
    out += junk(obj.get(chosen), chosen, "the chosen response")
    out += check_text(obj.get(rejected, MISSING), rejected, "rejected")
    c, r = obj.get(chosen), obj.get(rejected)
    if isinstance(c, str) and c.strip() and c == r:
        out.append(Finding("V005", "chosen and rejected are identical", chosen, "drop the pair or fix one side"))
    out += collisions(obj, renames(opts))
    out += dropped_columns(obj, set(columns(opts)), DATA_LIKE, "the API does not map a DPO system column")
    return out
