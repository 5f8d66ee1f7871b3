"""The language detector's model (py3langid's), loaded fast after the first time.

The wheel ships the model xz-compressed (4.5 MB); unpacking it costs ~0.7 s of CPU in
every process that judges languages (Q031), most of a default check's cost on a
small file. The first load keeps the unpacked arrays in an uncompressed numpy file
(~70 MB) in the user's cache ($FTPREP_MODEL_DIR, else $XDG_CACHE_HOME/ftprep/models,
else ~/.cache/ftprep/models), named by the py3langid version and the model file's
size and time, so that a new model is never read from an old copy; later loads read
that copy (~0.2 s). Written atomically; without pickles (read with
allow_pickle=False); a copy that cannot be read or written is ignored (the model is
then unpacked as before), so the cache never changes a verdict.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

from ftprep.disk.cache import cache_folder

ENV_DIR = "FTPREP_MODEL_DIR"
# The model's parts, in the order py3langid's loader returns them.
_PARTS = ("ptc", "pc", "classes", "nextmove", "row", "output")


def folder() -> Path:
    return cache_folder("models", ENV_DIR)


def identifier() -> t.Any:
    """py3langid's LanguageIdentifier with normalised probabilities."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = Path(MODEL_DIR) / MODEL_FILE
    copy = _copy_path(source)
    parts = _read(copy) if copy is not None else None
    if parts is None:
        from py3langid.modelio import load_model

        parts = load_model(source)
        if copy is not None:
            _write(copy, parts)
    ptc, pc, classes, nextmove, row, output = parts
    return LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, norm_probs=True, tk_row=row)


def _copy_path(source: Path) -> Path | None:
    try:
        from importlib.metadata import version

        st = source.stat()
        return folder() / f"langid-{version('py3langid')}-{st.st_size}-{st.st_mtime_ns}.npz"
    except (OSError, ValueError, ImportError):
        return None


def _read(path: Path) -> tuple[t.Any, ...] | None:
    import array
    import zipfile

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            codes = data["codes"].tolist()
            nextmove = array.array(codes[0], data["nextmove"].tobytes())
            row = array.array(codes[1], data["row"].tobytes())
            return (data["ptc"], data["pc"], data["classes"].tolist(), nextmove, row, data["output"].tolist())
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):  # absent, cut short, another layout
        return None


def _write(path: Path, parts: tuple[t.Any, ...]) -> None:
    """The unpacked parts, as one uncompressed numpy file (best effort: a cache)."""
    import numpy as np

    from ftprep.disk.outputs import discard, publish, temp_file

    ptc, pc, classes, nextmove, row, output = parts
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(str(path.parent), ".npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, ptc=ptc, pc=pc, classes=np.array(classes), output=np.array(output),
                     nextmove=np.frombuffer(nextmove, dtype=np.uint8), row=np.frombuffer(row, dtype=np.uint8),
                     codes=np.array([nextmove.typecode, row.typecode]))
        publish(tmp, str(path))
    except (OSError, ValueError, TypeError):
        if tmp is not None:
            discard(tmp)


__all__ = ["ENV_DIR", "folder", "identifier"]
