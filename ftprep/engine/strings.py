"""The strings of a row's value, each passed through one function (the convert remedies' walk)."""

from __future__ import annotations

import typing as t


def mapped(value: t.Any, change: t.Callable[[str], str]) -> t.Any:
    """`value` with every string inside it (in lists and dict values, not keys) replaced by `change(s)`."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [mapped(v, change) for v in value]
    if isinstance(value, dict):
        return {k: mapped(v, change) for k, v in value.items()}
    return value
