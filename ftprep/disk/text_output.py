"""One text file written atomically (a report, a baseline), never onto an input."""

from __future__ import annotations

import os
import typing as t

from ftprep.disk.outputs import discard, publish, refuse_input, temp_file


def write_text(target: str | os.PathLike[str], text: str, inputs: t.Iterable[str] = (),
               what: str = "the output") -> None:
    """Write `text` to `target` through a temporary file beside it, so that a
    reader never sees half of it. Raises OutputError (a ValueError) when
    `target` is one of `inputs`, OSError when the folder cannot be written."""
    path = os.fspath(target)
    refuse_input(path, inputs, what)
    fd, tmp = temp_file(os.path.dirname(os.path.abspath(path)), os.path.splitext(path)[1])
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        publish(tmp, path)
    finally:
        discard(tmp)
