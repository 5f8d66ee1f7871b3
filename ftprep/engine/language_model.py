"""The language detector's model (py3langid's), loaded fast after the first time.

The wheel ships the model xz-compressed (4.5 MB); unpacking it costs ~0.7 s of CPU in
every process that judges languages (Q031), most of a default check's cost on a
small file. The first load keeps the unpacked arrays in one uncompressed file
(~68 MB) in the user's cache ($FTPREP_MODEL_DIR, else $XDG_CACHE_HOME/ftprep/models,
else ~/.cache/ftprep/models), named by the py3langid version and the model file's
size and time, so that a new model is never read from an old copy. Later loads map
that copy into memory instead of reading it: the detector touches only the pages
of the states and features its texts reach, so judging a few pairs costs a few
milliseconds where reading the arrays cost ~0.15 s and ~70 MB. The copy is a magic
line, a JSON header (each part's type, shape and offset) and the raw arrays; no
pickles. Written atomically and never changed in place (a mapped file must not
be rewritten under its reader); a copy that cannot be read or written is ignored
(the model is then unpacked as before), so the cache never changes a verdict.
"""

from __future__ import annotations

import os
import sys
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
        return folder() / f"langid-{version('py3langid')}-{st.st_size}-{st.st_mtime_ns}.bin"
    except (OSError, ValueError, ImportError):
        return None


# The copy's first bytes: the format and the byte order its arrays are in.
MAGIC = f"ftprep langid copy 1 {sys.byteorder}\n".encode()
# Each part starts at a multiple of this (aligned for any array type).
ALIGN = 64


def _read(path: Path) -> tuple[t.Any, ...] | None:
    import json
    import mmap

    import numpy as np

    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if mapped[:len(MAGIC)] != MAGIC:
            return None
        size = int.from_bytes(mapped[len(MAGIC):len(MAGIC) + 8], "little")
        header = json.loads(mapped[len(MAGIC) + 8:len(MAGIC) + 8 + size])
        parts = header["parts"]
        if any(p["offset"] + p["nbytes"] > len(mapped) for p in parts.values()):
            return None  # cut short
        view = memoryview(mapped)

        def array(name: str) -> t.Any:
            p = parts[name]
            return np.frombuffer(mapped, dtype=p["dtype"], count=p["nbytes"] // np.dtype(p["dtype"]).itemsize,
                                 offset=p["offset"]).reshape(p["shape"])

        def indexed(name: str) -> memoryview:  # indexed per byte of text: Python ints, as array.array gives
            p = parts[name]
            return view[p["offset"]:p["offset"] + p["nbytes"]].cast(p["typecode"])

        return (array("ptc"), array("pc"), header["classes"], indexed("nextmove"), indexed("row"),
                indexed("output"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):  # absent, cut short, another layout
        return None


def _write(path: Path, parts: tuple[t.Any, ...]) -> None:
    """The unpacked parts as one file of raw arrays behind a JSON header (best effort: a cache)."""
    import array
    import json

    import numpy as np

    from ftprep.disk.outputs import discard, publish, temp_file

    ptc, pc, classes, nextmove, row, output = parts
    blobs: dict[str, tuple[bytes, dict[str, t.Any]]] = {}
    for name, value in (("ptc", ptc), ("pc", pc)):
        a = np.ascontiguousarray(value)
        blobs[name] = (a.tobytes(), {"dtype": a.dtype.str, "shape": list(a.shape)})
    for name, value in (("nextmove", nextmove), ("row", row), ("output", array.array("q", output))):
        blobs[name] = (value.tobytes(), {"typecode": value.typecode})
    header: dict[str, t.Any] = {"classes": list(classes), "parts": {}}
    # Offsets depend on the header's length, which depends on the offsets: size it with room to spare.
    base = len(MAGIC) + 8 + len(json.dumps({**header, "parts": {n: {**m, "offset": 0, "nbytes": 0}
                                                                for n, (_, m) in blobs.items()}})) + 512
    offset = base
    for name, (blob, meta) in blobs.items():
        offset = -(-offset // ALIGN) * ALIGN
        header["parts"][name] = {**meta, "offset": offset, "nbytes": len(blob)}
        offset += len(blob)
    text = json.dumps(header).encode()
    tmp = None
    try:
        if len(MAGIC) + 8 + len(text) > base:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(str(path.parent), ".bin")
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + len(text).to_bytes(8, "little") + text)
            for name, (blob, _) in blobs.items():
                f.write(b"\0" * (header["parts"][name]["offset"] - f.tell()))
                f.write(blob)
        publish(tmp, str(path))
        tmp = None
        # Copies in the form this one replaced (~70 MB each). Other versions' copies stay: two
        # environments sharing the cache would otherwise rewrite theirs on every run.
        for old in path.parent.glob("langid-*.npz"):
            old.unlink(missing_ok=True)  # a process still reading one keeps its open file
    except (OSError, ValueError, TypeError):
        if tmp is not None:
            discard(tmp)


__all__ = ["ENV_DIR", "folder", "identifier"]
