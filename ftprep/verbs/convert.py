"""`ftprep.convert` and `ftprep.load`: any input to the canonical columns of its task.

A folder or zip of images goes to the image conversion; a data file to the
record conversion (`ftprep.engine.converter`).
"""

from __future__ import annotations

import os
import tempfile
import typing as t
from typing import Unpack

from ftprep.core.diagnostics import ERROR
from ftprep.core.keywords import ConvertOptions, InMemory
from ftprep.core.options import Options
from ftprep.core.results import Conversion
from ftprep.disk.outputs import refuse_input, terminating
from ftprep.engine.converter import convert_records
from ftprep.engine.settings import settle
from ftprep.image import convert_images
from ftprep.reading.formats import is_image_set
from ftprep.reading.memory import kind_of

if t.TYPE_CHECKING:
    import polars as pl


def convert(
    input: str | os.PathLike[str] | InMemory,
    output: str | os.PathLike[str] | None = None,
    *,
    options: Options | None = None,
    **keywords: Unpack[ConvertOptions],
) -> Conversion:
    """Convert a data file to the canonical columns of `task`, checked.

    `output` ends in `.jsonl` or `.parquet` (custom_* tasks: `.jsonl` or `.json`,
    which the trainer loads from a URL). For the image task, `output` is a folder.
    The keywords are those of `ConvertOptions`; `options` is an already built
    `Options` they override. Raises TypeError for an unknown keyword, ValueError
    for a bad value.

    `input` may be in-memory data (a polars or pandas DataFrame, a pyarrow
    Table, a `datasets.Dataset` or `DatasetDict`, a list of dicts; `name` names
    it in the report). Without `output`, the canonical rows come back in
    `Conversion.data`, in the same kind (a DatasetDict: each split converted).
    """
    opts = settle("convert", options, keywords)
    if kind_of(input) is not None:
        from ftprep.verbs.in_memory import convert_in_memory

        return convert_in_memory(input, None if output is None else str(output), opts)
    if output is None:
        raise TypeError("convert() of a path needs an output path")
    src, dst = str(input), str(output)
    refuse_input(dst, [src])
    with terminating():  # SIGTERM unwinds: the finally blocks below remove what was staged
        if is_image_set(src, opts.task):
            return convert_images(src, dst, opts, drop_invalid=opts.drop_invalid, also_zip=opts.also_zip,
                                  force=opts.force)
        return convert_records(src, dst, opts, opts.task, opts.chat_template, opts.drop_invalid, opts.min_rows)


def load(
    path: str | os.PathLike[str] | InMemory,
    *,
    options: Options | None = None,
    **keywords: Unpack[ConvertOptions],
) -> pl.DataFrame:
    """A polars DataFrame of the canonical columns of a data file or of in-memory
    data (checked like convert).

    Raises `ValueError` with the report's first error when the data has errors
    and `drop_invalid` is False.
    """
    import polars as pl

    opts = settle("load", options, keywords)
    with tempfile.TemporaryDirectory(prefix="ftprep-load-") as d:
        out = os.path.join(d, "data.parquet")
        conv = convert(path, out, options=opts)
        if not conv.written:
            first = next((x for x in conv.report.diagnostics if x.severity == ERROR), None)
            shown = conv.report.files[0].path if conv.report.files else path
            raise ValueError(f"{shown}: {conv.report.errors} error(s); first: "
                             f"{first.location if first else ''}: {first.code if first else ''} {first.message if first else ''}")
        return pl.read_parquet(out)
