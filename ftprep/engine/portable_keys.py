"""Duplicate keys that compare across processes, for the workers of a Dask cluster
that each check one file of a dataset (ftprep.verbs.cluster).

A scan's key is Python's hash of the row's typed trained values: C speed, but it
holds in one process (and the processes it forks) only, since a string's hash
depends on the process's seed, None's (before Python 3.12) on its address, and a
msgspec struct's folds in its type's address. While `portable()` is on, a
`RowChecker` made in it keys a row by xxh3 of the trained values' JSON instead:
the same rows repeat (equal typed values encode alike), at one Python call a row.
"""

from __future__ import annotations

import contextlib
import contextvars
import typing as t

_ON: contextvars.ContextVar[bool] = contextvars.ContextVar("portable_keys", default=False)
# xxh3's unsigned digest, shifted into the signed 8 bytes of a scan's keys array.
_SIGNED = 1 << 63


@contextlib.contextmanager
def portable() -> t.Iterator[None]:
    """Row checkers made inside (in this thread or task) key rows portably."""
    token = _ON.set(True)
    try:
        yield
    finally:
        _ON.reset(token)


def on() -> bool:
    """Whether rows are keyed portably here (inside `portable()`)."""
    return _ON.get()


def key_maker(encoder: t.Any, trained: t.Callable[[t.Any], t.Any] | None) -> t.Callable[[t.Any], int] | None:
    """The portable key of a typed row (its `trained` part, or all of it), or None when not `portable()`."""
    if not on():
        return None
    import xxhash

    digest, encode = xxhash.xxh3_64_intdigest, encoder.encode

    def key(row: t.Any) -> int:
        return digest(encode(row if trained is None else trained(row))) - _SIGNED

    return key


def raw_key(raw: bytes) -> int:
    """The portable key of encoded trained values that do not decode into the row type."""
    import xxhash

    return xxhash.xxh3_64_intdigest(raw) - _SIGNED


__all__ = ["key_maker", "on", "portable", "raw_key"]
