"""The findings of one dataset in several files (`check --dataset`).

The trainer loads every file of a split with one `load_dataset(..., data_files=[...])`
and, for a Hub repo, concatenates the splits (`concatenate_datasets`) before its
prep: the row minimum (D002), the share of empty rows (D003) and repeated rows
(D001) are properties of the whole, not of a shard. Each file is checked on its
own with those three left out (`finish` keeps a `Shard` instead); this module
makes them over all the files, in file order.
"""

from __future__ import annotations

import os
import typing as t

from ftprep.core.diagnostics import Diagnostic, FileReport, duplicate_message
from ftprep.core.errors import SourceError
from ftprep.engine.duplicates import duplicates_across

# Where a shard's kept state waits in its report's stats until the dataset is finished.
SHARD = "shard"


class Shard(t.NamedTuple):
    """What a file's check keeps for its dataset: one 8-byte key per row (as for
    duplicates within a file), the row counts, and how to find rows' lines."""

    hashes: t.Any
    rows: int
    # Empty rows, or None where the trainer does not count them (chat) or a column is missing (S001 says so).
    empty_rows: int | None
    # Given the rows that need lines, a row -> line lookup (the file's own placer).
    placer: t.Callable[[t.Collection[int]], t.Callable[[int], t.Optional[int]]]
    # With --near-duplicates: the rows' MinHash signatures (ftprep.engine.near_duplicates.Signatures).
    signatures: t.Any = None


def folder_of(paths: t.Sequence[str]) -> str:
    """The folder the files share: where a finding about all of them points."""
    folders = [os.path.dirname(p) or "." for p in paths]
    try:
        return os.path.commonpath(folders) or "."
    except ValueError:  # absolute and relative paths mixed, or several drives
        return "."


def finish_dataset(files: list[FileReport], min_rows: int, keep: int, near: bool = True, split: bool = False) -> None:
    """Add the dataset's D001, D002 and D003 to the reports of its files, in place (with
    the shards' signatures: Q001 if `near`, leaks into the trainer's test split if `split`).
    Files without a `Shard` (an unreadable file, an image set) add no rows."""
    held = [(i, f.stats.pop(SHARD)) for i, f in enumerate(files) if SHARD in f.stats]
    if not held:
        return
    shards = [s for _, s in held]
    # One file is its own place; several point at the folder they share.
    where = files[held[0][0]].path if len(held) == 1 else folder_of([files[i].path for i, _ in held])
    last = files[held[-1][0]]
    total = sum(s.rows for s in shards)
    named = f"{len(shards):,} file{'s' if len(shards) > 1 else ''}"
    level: list[Diagnostic] = []
    if 0 < total < min_rows:
        level.append(Diagnostic("D002", f"{total:,} rows in the dataset's {named}; the service's minimum is "
                                f"{min_rows:,}", where,
                                hint="add data, or set --min-rows if your job's minimum differs"))
    empty = [s.empty_rows for s in shards]
    if total and None not in empty and sum(t.cast(list[int], empty)) * 5 > total * 4:
        level.append(Diagnostic("D003", f"{sum(t.cast(list[int], empty)):,} of {total:,} rows of the dataset's "
                                f"{named} are empty; the trainer's prep fails above 80%", where))
    _duplicates(files, held, keep)
    if near and any(s.signatures is not None for s in shards):
        _near_duplicates(files, held, keep)
    if split and any(s.signatures is not None for s in shards):
        _split_leaks(files, held, keep)
    # Dataset-level findings ride with the last file, before its rows' findings, as a file's do.
    last.diagnostics[:0] = level


def _lines(shard: Shard, rows: t.Collection[int]) -> t.Callable[[int], t.Optional[int]]:
    try:
        return shard.placer(rows)
    except (OSError, SourceError):  # a JSON array fetched from a URL, its copy gone: the rows name the places
        return _no_line


def _no_line(row: int) -> None:
    return None


def _duplicates(files: list[FileReport], held: list[tuple[int, Shard]], keep: int) -> None:
    pairs, counts = duplicates_across([s.hashes for _, s in held], keep)
    for n, count in enumerate(counts):
        kept = sum(1 for p in pairs if p[0] == n)
        if count > kept:
            report = files[held[n][0]]
            report.dropped["D001"] = report.dropped.get("D001", 0) + count - kept
    if not pairs:
        return
    wanted: dict[int, set[int]] = {}
    for shard, row, first_shard, first in pairs:
        wanted.setdefault(shard, set()).add(row)
        wanted.setdefault(first_shard, set()).add(first)
    line_of = {n: _lines(held[n][1], rows) for n, rows in wanted.items()}
    added: set[int] = set()
    for shard, row, first_shard, first in pairs:
        report = files[held[shard][0]]
        other = None if first_shard == shard else files[held[first_shard][0]].path
        first_line = line_of[first_shard](first)
        report.diagnostics.append(Diagnostic(
            "D001", duplicate_message(row, first, first_line, other), report.path, line=line_of[shard](row), row=row,
            first_line=first_line, first_row=first, first_path=other))
        added.add(shard)
    for n in added:  # in row order, as a file's findings are
        files[held[n][0]].diagnostics.sort(key=lambda d: (-1 if d.row is None else d.row))


def _near_duplicates(files: list[FileReport], held: list[tuple[int, Shard]], keep: int) -> None:
    """Q001 over all the files: each group once, at its first row's file, naming the others' files."""
    import bisect

    from ftprep.engine import near_duplicates as near

    starts, total = [], 0
    for _, s in held:
        starts.append(total)
        total += s.rows
    parts = [(s.signatures or near.Signatures(), start) for (_, s), start in zip(held, starts)]
    groups = near.merged([p for p, _ in parts], [start for _, start in parts]).groups()

    def located(row: int) -> tuple[int, int]:
        n = bisect.bisect_right(starts, row) - 1
        return n, row - starts[n]

    shown = groups[:keep]
    wanted: dict[int, set[int]] = {}
    for g in shown:
        for row in (g.first, *(m for m, _ in g.others[:near.MAX_NAMED])):
            n, local = located(row)
            wanted.setdefault(n, set()).add(local)
    line_of = {n: _lines(held[n][1], rows) for n, rows in wanted.items()}
    touched: set[int] = set()
    for i, g in enumerate(groups):
        n, first = located(g.first)
        report = files[held[n][0]]
        if i >= keep:
            report.dropped["Q001"] = report.dropped.get("Q001", 0) + 1
            continue
        named = []
        for m, _ in g.others[:near.MAX_NAMED]:
            k, local = located(m)
            where = "" if k == n else f" of {files[held[k][0]].path}"
            named.append((local if k == n else None, near.place(line_of[k](local), local, where)))
        local_group = near.Group(first, g.others)
        report.diagnostics.append(near.finding(local_group, report.path, line_of[n], named))
        touched.add(n)
    for n in touched:
        files[held[n][0]].diagnostics.sort(key=lambda d: (-1 if d.row is None else d.row))


def _split_leaks(files: list[FileReport], held: list[tuple[int, Shard]], keep: int) -> None:
    """Q002/Q003 over all the files: the trainer splits the rows of the whole dataset, in file order."""
    import bisect

    from ftprep.engine import leakage, near_duplicates as near, trainer_split

    starts, total = [], 0
    for _, s in held:
        starts.append(total)
        total += s.rows
    sigs = near.merged([s.signatures or near.Signatures() for _, s in held], starts)

    def located(row: int) -> tuple[int, int]:
        n = bisect.bisect_right(starts, row) - 1
        return n, row - starts[n]

    per: dict[int, list[leakage.Leak]] = {}
    for leak in trainer_split.split_leaks(sigs, total):
        n, local = located(leak.row)
        per.setdefault(n, []).append(leak._replace(row=local))
    for n, leaks in per.items():
        wanted: dict[int, set[int]] = {}
        for leak in trainer_split.shown_of(leaks, keep):
            k, other = located(leak.eval_row)
            wanted.setdefault(k, set()).add(other)
        line_of = {k: _lines(held[k][1], rows) for k, rows in wanted.items()}

        def where(row: int, n: int = n, line_of: t.Any = line_of) -> str:
            k, other = located(row)
            named = "" if k == n else f" of {files[held[k][0]].path}"
            return near.place(line_of[k](other) if k in line_of else None, other, named)

        def first(row: int, n: int = n, line_of: t.Any = line_of) -> tuple[int, int | None, str | None]:
            k, other = located(row)
            return other, line_of[k](other) if k in line_of else None, None if k == n else files[held[k][0]].path

        report = files[held[n][0]]
        found, dropped = leakage.findings(leaks, report.path, keep, lambda rows, s=held[n][1]: _lines(s, rows),
                                          leakage.Reference("", trainer_split.CALLED), where, trainer_split.HINT,
                                          first)
        report.diagnostics += found
        for code, count in dropped.items():
            report.dropped[code] = report.dropped.get(code, 0) + count
        report.diagnostics.sort(key=lambda d: (-1 if d.row is None else d.row))


__all__ = ["SHARD", "Shard", "finish_dataset", "folder_of"]
