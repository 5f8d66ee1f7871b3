"""Which format a data file is: from its name (`format_of`, the image sets
`is_image_set`), and the keys of a JSON Lines file's first records, to infer
the task (`probe_jsonl`).

The formats are read elsewhere in this layer: tables (CSV, TSV, Parquet) in
ftprep.reading.tables, a `.json` file (array, wrapper, one record, or lines)
in ftprep.reading.json_documents; JSON Lines is streamed in blocks by
ftprep.disk.streams.LineBlocks.
"""

from __future__ import annotations

import os
from pathlib import Path


from ftprep import tasks
from ftprep.core.errors import SourceError
from ftprep.reading.jsonl_head import PROBE_RECORDS, HeadFirst, probe_jsonl, probed_jsonl  # noqa: F401

FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet",
}
SUFFIXES = tuple(FORMATS) + tuple(f"{s}.gz" for s in FORMATS if s != ".parquet")


def is_image_set(path: str, task: str | None = None) -> bool:
    """An input the image task reads: `--task image`, or (no task given) a zip or a
    folder not named like a data file. A folder named `x.jsonl` is a mistake, not images."""
    if task is not None or "://" in path:
        return tasks.kind_of(task) == tasks.IMAGES
    lower = path.lower().rstrip("/\\")
    if lower.endswith(SUFFIXES):
        return False
    return os.path.isdir(path) or lower.endswith(".zip")


def format_of(path: str | os.PathLike[str]) -> tuple[str, bool]:
    """(format, gzipped) from the file name."""
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            if fmt == "parquet" and gz:
                break
            return fmt, gz
    raise SourceError(f"{path}: unknown file type; expected one of {', '.join(SUFFIXES)}")


def first_line(e: BaseException) -> str:
    """An exception's first non-empty line, or its type's name."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
