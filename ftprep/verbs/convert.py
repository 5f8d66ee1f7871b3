"""`ftprep.convert` and `ftprep.load`: any input to the canonical columns of its task.

A folder or zip of images goes to the image conversion; a data file to the
record conversion (`ftprep.engine.converter`).
"""

from __future__ import annotations

import os
import tempfile
import typing as t

from ftprep.core.diagnostics import ERROR
from ftprep.core.results import Conversion
from ftprep.disk.outputs import refuse_input, terminating
from ftprep.engine.converter import convert_records
from ftprep.image import convert_images
from ftprep.reading.formats import is_image_set
from ftprep.tasks.base import DEFAULT_MIN_ROWS, Options


def convert(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    task: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    chat_template: str | None = None,
    drop_invalid: bool = False,
    min_rows: int = DEFAULT_MIN_ROWS,
    **extra: t.Any,
) -> Conversion:
    """Convert a data file to the canonical columns of `task`, checked.

    `output` ends in `.jsonl` or `.parquet` (custom_* tasks: `.jsonl` or `.json`,
    which the trainer loads from a URL). For the image task, `output` is a folder.
    """
    src, dst = str(input), str(output)
    also_zip = bool(extra.pop("also_zip", False))
    force = bool(extra.pop("force", False))
    opts = Options(task=task, field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt, field_chosen=field_chosen,
                   field_rejected=field_rejected, chat_template=chat_template, min_rows=min_rows, **extra)
    refuse_input(dst, [src])
    with terminating():  # SIGTERM unwinds: the finally blocks below remove what was staged
        if is_image_set(src, task):
            return convert_images(src, dst, opts, drop_invalid=drop_invalid, also_zip=also_zip, force=force)
        return convert_records(src, dst, opts, task, chat_template, drop_invalid, min_rows)


def load(
    path: str | os.PathLike[str],
    *,
    task: str | None = None,
    drop_invalid: bool = False,
    **options: t.Any,
) -> t.Any:
    """A polars DataFrame of the canonical columns of a data file (checked like convert).

    Raises `ValueError` with the report's first error when the data has errors
    and `drop_invalid` is False.
    """
    import polars as pl

    with tempfile.TemporaryDirectory(prefix="ftprep-load-") as d:
        out = os.path.join(d, "data.parquet")
        conv = convert(path, out, task=task, drop_invalid=drop_invalid, **options)
        if not conv.written:
            first = next((x for x in conv.report.diagnostics if x.severity == ERROR), None)
            raise ValueError(f"{path}: {conv.report.errors} error(s); first: "
                             f"{first.location if first else ''}: {first.code if first else ''} {first.message if first else ''}")
        return pl.read_parquet(out)
