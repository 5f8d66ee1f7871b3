"""The findings made over a whole file after its scan from the rows' signatures:
near duplicates (Q001), leaks into the trainer's own test split (--trainer-split)
and into the evaluation data (--eval, Q002-Q004). The rows are read once more for
the signatures, shared by the near duplicates and the trainer's split."""

from __future__ import annotations

import typing as t

from ftprep.core.bounds import bounds_of
from ftprep.core.diagnostics import Diagnostic, FileReport
from ftprep.core.options import Options
from ftprep.engine.shards import SHARD
from ftprep.tasks import Task

# Given the rows that have findings, a row -> line lookup (as ftprep.engine.checker's Placer).
Placer = t.Callable[[t.Collection[int]], t.Callable[[int], int | None]]


def leak_checks(report: FileReport, path: str, task: Task, opts: Options, shown: str, placer: Placer) -> None:
    """Add one file's Q001-Q004 findings (and the counts of those not shown) to its report."""
    trained = list(task.mapped(opts).values())
    if opts.near_duplicates or opts.trainer_split:
        from ftprep.engine import near_duplicates

        sigs = near_duplicates.file_signatures(path, trained, bounds_of(opts))  # read once for both
        if SHARD in report.stats:  # a dataset's are found over all its files (ftprep.engine.shards)
            report.stats[SHARD] = report.stats[SHARD]._replace(signatures=sigs)
        elif not opts.dataset:
            _quality(report, path, trained, shown, opts, placer, sigs)
    if opts.eval:
        from ftprep.engine import leakage

        ref = leakage.cached_reference(opts.eval, tuple(trained), bounds_of(opts))
        leaked, unshown = leakage.leak_findings(path, trained, shown, opts.max_per_code, placer, ref,
                                                bounds_of(opts), report.rows)
        report.diagnostics += leaked
        _count(report, unshown)


def _quality(report: FileReport, path: str, trained: list[str], shown: str, opts: Options, placer: Placer,
             sigs: t.Any) -> None:
    """One file's near duplicates (Q001) and leaks into the trainer's own test split (Q002/Q003)."""
    found: list[Diagnostic] = []
    if opts.near_duplicates:
        from ftprep.engine import near_duplicates

        near, unshown = near_duplicates.near_findings(path, trained, shown, opts.max_per_code, placer,
                                                      bounds_of(opts), sigs)
        found += near
        if unshown:
            report.dropped["Q001"] = unshown
    if opts.trainer_split:
        from ftprep.engine.trainer_split import split_findings

        leaked, unshown_leaks = split_findings(path, trained, shown, report.rows, opts.max_per_code, placer,
                                               bounds_of(opts), sigs)
        found += leaked
        _count(report, unshown_leaks)
    report.diagnostics += found


def _count(report: FileReport, unshown: dict[str, int]) -> None:
    for code, n in unshown.items():
        report.dropped[code] = report.dropped.get(code, 0) + n


__all__ = ["leak_checks"]
