"""`ftprep.check`: every input to one `Report`.

Dispatch by kind of input: a Hub repo or a URL is fetched and checked as a
local file, a folder or zip of images goes to the image checks, anything else
is one local data file (`ftprep.engine.checker`).
"""

from __future__ import annotations

import os
import typing as t

from ftprep import tasks as task_registry
from ftprep.core.diagnostics import FileReport, Report
from ftprep.disk.inputs import stdin_copy
from ftprep.engine.checker import check_file
from ftprep.reading.expansion import expand
from ftprep.core.errors import SourceError
from ftprep.reading.formats import is_image_set
from ftprep.tasks.base import DEFAULT_MIN_ROWS, Options


def check(
    paths: str | os.PathLike[str] | t.Sequence[str | os.PathLike[str]],
    *,
    task: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    chat_template: str | None = None,
    min_rows: int = DEFAULT_MIN_ROWS,
    strict: bool = False,
    workers: int | None = None,
    max_per_code: int = 100_000,
    stdin_format: str = "jsonl",
    **extra: t.Any,
) -> Report:
    """Check datasets; returns a `Report` and never prints.

    `paths` may be files, globs, directories or zips of images (task
    `image`), `hf://datasets/OWNER/NAME[@REV]`, an http(s) URL, or `-`:
    standard input, read as `stdin_format` (jsonl, json, csv, tsv, parquet).
    Raises `SourceError` when an input cannot be read at all (missing, or a
    FIFO, device or other special file).
    """
    opts = Options(task=task, field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt,
                   field_chosen=field_chosen, field_rejected=field_rejected, chat_template=chat_template,
                   min_rows=min_rows, workers=workers, max_per_code=max_per_code, **extra)
    if task is not None:
        if task not in task_registry.TASK_NAMES:
            raise ValueError(f"unknown task {task!r}; choose from {', '.join(task_registry.TASK_NAMES)}")
    items = expand(paths, task)
    if "-" in items:  # standard input, on purpose: copied once, reported as "-"
        with stdin_copy(stdin_format) as copy:
            report = Report([check_file(copy, opts, display="-") if p == "-" else check_one(p, opts) for p in items])
    else:
        report = Report([check_one(p, opts) for p in items])
    return report.strict() if strict else report


def check_one(path: str, opts: Options) -> FileReport:
    if "://" in path:
        from ftprep.verbs.remote import check_remote

        return check_remote(path, opts)
    if is_image_set(path, opts.task):
        from ftprep.image import check_images

        return check_images(path, opts)
    return check_file(path, opts)


__all__ = ["check", "check_one", "SourceError"]
