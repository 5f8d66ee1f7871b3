"""What `check` is given, expanded to its inputs: globs to files, and a folder
of data files to those files (a folder without any is an image set)."""

from __future__ import annotations

import glob
import os
import typing as t

from ftprep import tasks
from ftprep.core.errors import SourceError
from ftprep.reading.formats import SUFFIXES


def expand(paths: str | os.PathLike[str] | t.Sequence[str | os.PathLike[str]], task: str | None = None) -> list[str]:
    """Globs to their files, and a folder of data files to those files (a folder
    without any is an image set). Other inputs pass as they are."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for p in map(str, items):
        if "://" not in p and any(c in p for c in "*?[") and not os.path.exists(p):
            hits = sorted(glob.glob(p, recursive=True))
            if not hits:
                raise SourceError(f"{p}: no file matches")
            out += hits
        elif tasks.kind_of(task) != tasks.IMAGES and os.path.isdir(p) and (data := data_files(p)):
            out += data
        else:
            out.append(p)
    return out


# JSON files that sit beside data but are not data (tokenizers, model and Hub metadata).
NOT_DATA = frozenset({"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json",
                      "generation_config.json", "dataset_info.json", "dataset_infos.json", "package.json",
                      "package-lock.json"})


def data_files(folder: str) -> list[str]:
    """The data files below a folder, sorted; hidden folders are skipped."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files)
                  if f.lower().endswith(SUFFIXES) and f.lower() not in NOT_DATA]
    return found


__all__ = ["expand", "data_files", "NOT_DATA"]
