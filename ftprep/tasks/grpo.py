"""`grpo`: prompts for Group Relative Policy Optimization with reward functions.

The trainer needs a string `prompt` column and drops rows with an empty one.
An extra column reaches reward functions as `extra_data`, str()-ed: nested
objects become Python repr, which a reward function's json.loads refuses; prep
drops every function that raises and fails when none is left. So convert
stores them as JSON strings.
"""

from __future__ import annotations

import itertools
import typing as t

from ftprep.core.options import Options
from ftprep.tasks.base import MISSING, Finding, a, check_text, collisions, kind
from ftprep.tasks.task import ROWS

NAME = "grpo"
SUMMARY = "prompts for reward-function training; extra columns as JSON strings"
SCHEMA = "grpo.schema.json"
FIELDS = {"field_prompt": "prompt"}
CANONICAL = ("prompt",)
KIND = ROWS
TAKES = "a data file: JSON Lines, JSON, CSV, TSV or Parquet"
Scalar = t.Union[str, int, float, bool, None]


def column(opts: Options) -> str:
    return opts.field("field_prompt", "prompt")


def row_type(opts: Options) -> type:
    # Every column is read, so nested extra columns fail the typed decode.
    return dict[str, Scalar]


def row_hash(row: dict[str, t.Any]) -> int:
    return hash(tuple(row.items()))


def row_hashes(rows: list[dict[str, t.Any]]) -> t.Iterator[int]:
    """`row_hash` of each row, without a Python call per row (GRPO rows are tiny:
    the call would cost more than the hash)."""
    return map(hash, map(tuple, map(dict.items, rows)))


def make_is_clean(opts: Options) -> t.Callable[[t.Any], bool]:
    col = column(opts)
    collide = col != "prompt"

    def is_clean(row: dict[str, t.Any]) -> bool:
        value = row.get(col)
        return isinstance(value, str) and value != "" and not (collide and "prompt" in row)

    return is_clean


def make_all_clean(opts: Options) -> t.Callable[[list[dict[str, t.Any]]], bool]:
    """Whether every row of a block is clean (`is_clean` of each), at C speed."""
    col = column(opts)
    collide = col != "prompt"

    def all_clean(rows: list[dict[str, t.Any]]) -> bool:
        values = list(map(dict.get, rows, itertools.repeat(col)))
        return set(map(type, values)) <= {str} and "" not in values and \
            not (collide and any(map(dict.__contains__, rows, itertools.repeat("prompt"))))

    return all_clean


def make_texts(opts: Options) -> t.Callable[[list[dict[str, t.Any]]], list[str]]:
    col = column(opts)

    def texts(rows: list[dict[str, t.Any]]) -> list[str]:
        values: list[t.Any] = list(map(dict.get, rows, itertools.repeat(col)))
        if set(map(type, values)) <= {str}:
            return values
        # Non-string prompts fail is_clean, so the "" placeholder is never judged.
        return [v if isinstance(v, str) else "" for v in values]

    return texts


def shown(value: object) -> str:
    """What prep's str() makes of a value, cut short."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def explain(obj: dict[str, t.Any], opts: Options) -> list[Finding]:
    col = column(opts)
    out = check_text(obj.get(col, MISSING), col, "prompt")
    out += collisions(obj, [(col, "prompt")])
    for key, value in obj.items():
        if key != col and isinstance(value, (list, dict)):
            out.append(Finding("G001", f"extra column '{key}' holds {a(kind(value))}; prep str()s it to Python "
                               f"repr ({shown(value)}); a reward function that json.loads it raises and is removed, and "
                               "with none left prep fails: 'No valid reward functions remain'", key,
                               "ftprep convert stores extra columns as JSON strings"))
    return out
