"""A finding: what a task's rules say about one row, before the engine gives it a place."""

from __future__ import annotations

import typing as t


class Finding(t.NamedTuple):
    """A diagnostic before the engine gives it a place (path, line, row)."""

    code: str
    message: str
    field: str | None = None
    hint: str | None = None
    column: int | None = None  # the 1-based character in the line, where a decoder says


MISSING = object()
