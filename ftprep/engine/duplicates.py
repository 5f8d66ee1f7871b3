"""Duplicate rows (D001): one 8-byte key per row in, (row, first row) pairs
out, in bounded memory however many rows there are. Only the first `keep`
repeats are kept; the rest are counted, so a file of two million copies holds
a hundred thousand pairs, not two million. The files of one dataset are one
sequence of keys (`duplicates_across`).
"""

from __future__ import annotations

import array
import bisect
import collections
import itertools
import typing as t


def first_duplicates(hashes: t.Any, keep: int) -> tuple[list[tuple[int, int]], int]:
    """The first `keep` (row, first row) pairs whose trained columns repeat an
    earlier row, and the count of all of them."""
    found = duplicate_rows(hashes)
    pairs = list(itertools.islice(found, keep))
    return pairs, len(pairs) + sum(1 for _ in found)


# Above this many rows, keys are split into buckets so that only one bucket's
# set is alive at a time (a set of 5M ints alone would take ~400 MB).
BUCKETED = 200_000
BUCKETS = 64


def duplicate_rows(hashes: t.Any) -> t.Iterator[tuple[int, int]]:
    """(row, first row with the same key) for every repeat, lazily; key 0 means no key."""
    if len(hashes) < 2:
        return
    if len(hashes) <= BUCKETED:  # the common case, no repeats: one C-level pass decides
        keys = set(hashes)
        keys.discard(0)
        if len(keys) == len(hashes) - hashes.count(0):
            return
    if len(hashes) > BUCKETED:
        buckets: list[t.Any] = [array.array("q") for _ in range(BUCKETS)]
        put = [b.append for b in buckets]
        for h in hashes:
            put[h & (BUCKETS - 1)](h)
        repeated: set[int] = set()
        for bucket in buckets:
            if len(set(bucket)) != len(bucket):
                repeated.update(h for h, n in collections.Counter(bucket).items() if n > 1)
        del buckets
        repeated.discard(0)
        if not repeated:
            return
    else:
        repeated = None  # type: ignore[assignment]
    first: dict[int, int] = {}
    for row, h in enumerate(hashes):
        if h == 0 or (repeated is not None and h not in repeated):
            continue
        j = first.setdefault(h, row)
        if j != row:
            yield row, j


def duplicates_across(shards: t.Sequence[t.Any], keep: int) -> tuple[list[tuple[int, int, int, int]], list[int]]:
    """Duplicates over the files of one dataset, as the trainer sees their rows:
    one after another in file order. The first `keep` as (shard, row, first
    shard, first row), rows local to their shard, and the count of all repeats
    per shard. Each shard's keys are moved into one array (emptied on the way),
    so the keys are held once."""
    keys = array.array("q")
    starts = []
    for hashes in shards:
        starts.append(len(keys))
        keys.extend(hashes)
        del hashes[:]
    counts = [0] * len(starts)
    pairs: list[tuple[int, int, int, int]] = []
    for row, first in duplicate_rows(keys):
        n = bisect.bisect_right(starts, row) - 1
        counts[n] += 1
        if len(pairs) < keep:
            m = bisect.bisect_right(starts, first) - 1
            pairs.append((n, row - starts[n], m, first - starts[m]))
    return pairs, counts


__all__ = ["duplicate_rows", "duplicates_across", "first_duplicates"]
