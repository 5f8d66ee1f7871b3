"""`check --dataset`: the checked files are ONE dataset (the shards of a split).

Each file was checked on its own, keeping what its dataset needs (a `Shard`);
here the files must agree on one task (the trainer loads them as one table:
files of another task fail its load or its prep), and then the row minimum,
the empty rows and the duplicates are counted over all of them
(`ftprep.engine.shards`), and an empty file is only a shard without rows.
"""

from __future__ import annotations

import collections

from ftprep.core.diagnostics import Diagnostic, FileReport
from ftprep.core.options import Options
from ftprep.engine.shards import SHARD, finish_dataset


def one_dataset(files: list[FileReport], opts: Options) -> list[FileReport]:
    """The reports of the files of one dataset, with its dataset-level findings added."""
    named = [f.task for f in files if f.task is not None]
    if named:
        task, n = collections.Counter(named).most_common(1)[0]  # ties: the first file's task
        for f in files:
            if f.task is not None and f.task != task:
                # Its rows are not counted with the dataset's: they would not train as its rows.
                f.stats.pop(SHARD, None)
                f.diagnostics.insert(0, Diagnostic(
                    "S004", f"this file is {f.task} data (from its columns), but {n:,} of the dataset's {len(named):,} "
                    f"files are {task}: one dataset has one task, and the trainer loads its files as one table",
                    f.path, hint="move it to a dataset of its own, or check the files without --dataset"))
    finish_dataset(files, opts.min_rows, opts.max_per_code, opts.near_duplicates, opts.trainer_split)
    if any(f.rows for f in files):
        for f in files:
            # An empty shard adds no rows and loads (datasets reads an empty JSON Lines file, or a CSV
            # header, as no rows): beside files that have rows it fails nothing.
            if not f.rows and f.diagnostics and all(d.code == "P004" for d in f.diagnostics):
                f.diagnostics = []
    return files


__all__ = ["one_dataset"]
