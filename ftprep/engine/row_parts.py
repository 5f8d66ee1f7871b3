"""The parts of a row the row engine (ftprep.engine.row_checker) keys and scans:
the trained columns of a typed row, and every string of a decoded value."""

from __future__ import annotations

import typing as t


def strings(value: t.Any) -> t.Iterator[str]:
    """Every string in a decoded value, nested lists and objects included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


def trained_columns(row_type: t.Any) -> t.Callable[[t.Any], t.Any] | None:
    """What a typed row's duplicate key hashes: its trained columns (`f0`, `f1`,
    ...) only, so that a dropped column (empty or absent) does not make rows differ."""
    import operator

    names = [f for f in getattr(row_type, "__struct_fields__", ()) if f.startswith("f")]
    return operator.attrgetter(*names) if names else None


__all__ = ["strings", "trained_columns"]
