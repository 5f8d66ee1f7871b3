"""'Did you mean ...?' for a value that is not among the allowed ones: one
rule for the library's ValueError, click's usage errors and config files."""

from __future__ import annotations

import difflib
import typing as t


def closest(value: object, allowed: t.Iterable[str]) -> str | None:
    """The allowed value `value` most likely stands for, or None.

    A name the user shortened or lengthened (`gemma` for gemma3, `mistral` for
    mistral_v3_tekken, `qwen3-instruct` for qwen3) is matched by prefix before
    spelling: difflib alone finds `qwen3` for `qwen` but misses the long names."""
    if not isinstance(value, str) or not value:
        return None
    names = list(allowed)
    low = value.lower()
    by_prefix = [n for n in names if (len(low) >= 3 and n.lower().startswith(low)) or low.startswith(n.lower())]
    if len(by_prefix) == 1:
        return by_prefix[0]
    found = difflib.get_close_matches(low, [n.lower() for n in names], n=1, cutoff=0.6)
    return next((n for n in names if n.lower() == found[0]), None) if found else None


def did_you_mean(value: object, allowed: t.Iterable[str]) -> str:
    """'; did you mean 'gemma3'?' to end a message with, or '' when nothing is close."""
    near = closest(value, allowed)
    return f"; did you mean {near!r}?" if near is not None else ""
