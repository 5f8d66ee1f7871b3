"""`ftprep.check`: every input to one `Report`.

Dispatch by kind of input: a Hub repo or a URL is fetched and checked as a
local file, a folder or zip of images goes to the image checks, anything else
is one local data file (`ftprep.engine.checker`).
"""

from __future__ import annotations

import os
import typing as t
from typing import Unpack

from ftprep.core.diagnostics import FileReport, Report
from ftprep.core.keywords import CheckOptions, InMemory
from ftprep.core.options import Options
from ftprep.core.selection import Selection
from ftprep.disk.inputs import stdin_copy
from ftprep.engine.checker import check_file
from ftprep.engine.settings import settle, with_model_template
from ftprep.verbs.eval_source import fetched_eval
from ftprep.reading.expansion import expand
from ftprep.core.errors import SourceError
from ftprep.reading.formats import is_image_set
from ftprep.reading.memory import kind_of


def check(
    paths: str | os.PathLike[str] | t.Sequence[str | os.PathLike[str]] | InMemory,
    *,
    options: Options | None = None,
    **keywords: Unpack[CheckOptions],
) -> Report:
    """Check datasets; returns a `Report` and never prints.

    `paths` may be files, globs, directories or zips of images (task
    `image`), `hf://datasets/OWNER/NAME[@REV]`, an http(s) URL, or `-`:
    standard input, read as `stdin_format` (jsonl, json, csv, tsv, parquet).
    It may also be in-memory data: a polars or pandas DataFrame, a pyarrow
    Table, a `datasets.Dataset` or `DatasetDict` (a report per split) or a list
    of dicts; findings then carry the record's index (`row`, no `line`) and the
    report's path is `name` or the kind, e.g. "<polars.DataFrame>".
    The keywords are those of `CheckOptions` (ftprep/core/options.py declares
    each); `options` is an already built `Options` they override. Raises
    TypeError for an unknown keyword, ValueError for a bad value, and
    `SourceError` when an input cannot be read at all (missing, or a FIFO,
    device or other special file).
    """
    opts, note = with_model_template(settle("check", options, keywords))
    if opts.scheduler is not None:  # each worker fetches a remote reference itself: the client's copy is not theirs
        report = _checked(paths, opts)
    else:
        with fetched_eval(opts) as fetched:  # an hf:// or URL reference, in a temporary file while the check runs
            report = _checked(paths, fetched)
    if note is not None:
        report.notes.append(note)
    if opts.reward_func:  # GRPO: the reward functions tried on the prompts files, in a child process
        from ftprep.verbs.reward_trial import with_rewards

        report = with_rewards(report, opts)
    report = report.strict() if opts.strict else report
    return Selection.of(opts.select, opts.ignore, opts.extend_select, opts.per_file_ignores).applied(report)


def _checked(paths: t.Any, opts: Options) -> Report:
    in_memory = kind_of(paths) is not None  # a DataFrame, Arrow table, Dataset(Dict) or list of dicts
    items = [] if in_memory else expand(paths, opts.task)
    if opts.scheduler is not None and (in_memory or "-" in items):
        raise ValueError("in-memory data and standard input are checked in this process, not on a cluster: "
                         "write them to files the workers can read, or leave out scheduler")
    if in_memory:
        from ftprep.verbs.in_memory import check_in_memory

        report = Report(check_in_memory(paths, opts))
    elif "-" in items:  # standard input, on purpose: copied once, reported as "-"
        with stdin_copy(opts.stdin_format) as copy:
            files = [_stdin(copy, opts) if p == "-" else check_one(p, opts) for p in items]
            report = Report(_dataset(files, opts))  # while the copy lives: a duplicate's line is read in it
    else:
        report = Report(_dataset(_each(items, opts), opts))
    return report


def _each(items: list[str], opts: Options) -> list[FileReport]:
    """Each file's report: here, or on the workers of a Dask cluster (the merge stays here)."""
    if opts.scheduler is None:
        return [check_one(p, opts) for p in items]
    from ftprep.verbs.cluster import on_cluster

    return on_cluster(items, opts, check_one)


def _dataset(files: list[FileReport], opts: Options) -> list[FileReport]:
    """With `dataset`, the files are one dataset's shards: its task, row minimum and duplicates over all."""
    if not opts.dataset:
        return files
    from ftprep.verbs.dataset import one_dataset

    return one_dataset(files, opts)


def _stdin(copy: str, opts: Options) -> FileReport:
    report = check_file(copy, opts, display="-")
    if opts.reward_func:  # GRPO: the trial runs on the copy's prompts while the copy lives
        from ftprep.verbs.reward_trial import keep_prompts

        report = keep_prompts(report, copy, opts)
    return report


def check_one(path: str, opts: Options) -> FileReport:
    if "://" in path:
        from ftprep.verbs.remote import check_remote

        return check_remote(path, opts)
    if is_image_set(path, opts.task):
        from ftprep.image import check_images

        return check_images(path, opts)
    return check_file(path, opts)


__all__ = ["check", "check_one", "SourceError"]
