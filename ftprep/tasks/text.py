"""`text`: instruction tuning (axolotl `user_defined`, a plain-text concatenation).

The trainer renames the mapped columns to `instruct`, `input`, `output`,
`system`, keeps only those, and str()s every value. The API maps
`fieldInstruction` (default `instruction`) and `fieldOutput` (default `output`).
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

NAME = "text"
SUMMARY = "instruction/output pairs for supervised fine-tuning"
SCHEMA = "text.schema.json"
FIELDS = {"field_instruction": "instruction", "field_output": "output"}
CANONICAL = ("instruction", "output")
KIND = ROWS
TAKES = "a data file: JSON Lines, JSON, CSV, TSV or Parquet"
# Columns the trainer would drop although they hold training text.
DATA_LIKE = ("input", "context", "system", "history")


def columns(opts: Options) -> tuple[str, str]:
    return (opts.field("field_instruction", "instruction"), opts.field("field_output", "output"))


def renames(opts: Options) -> list[tuple[str, str]]:
    instruction, output = columns(opts)
    return [(instruction, "instruct"), (output, "output")]


def row_type(opts: Options) -> type:
    instruction, output = columns(opts)
    never = [std for src, std in renames(opts) if src != std]
    return struct_type("TextRow", [(instruction, NonBlank), (output, NonBlank)], never=never, droppable=DATA_LIKE)


def is_clean(row: t.Any) -> bool:
    return True


def texts(rows: list[t.Any]) -> list[str]:
    """The decoded strings the engine scans for blanks and control tokens."""
    return [x for r in rows for x in (r.f0, r.f1)]


def explain(obj: dict[str, t.Any], opts: Options) -> list[Finding]:
    instruction, output = columns(opts)
    out = check_text(obj.get(instruction, MISSING), instruction, "instruction")
    out += check_text(obj.get(output, MISSING), output, "output")
    out += placeholders(obj.get(output), output, "the output")
    out += junk(obj.get(output), output, "the output")
    out += collisions(obj, renames(opts))
    out += dropped_columns(obj, {instruction, output}, DATA_LIKE, "ftprep convert folds it into the instruction")
    return out
