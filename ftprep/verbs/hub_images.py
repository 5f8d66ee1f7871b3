"""A Hub dataset with images checked as an image folder: its rows become files and a
metadata.jsonl in a temporary folder, which ftprep.image checks."""

from __future__ import annotations

import os
import re
import typing as t

import msgspec

from ftprep.core.errors import SourceError
from ftprep.core.diagnostics import FileReport
from ftprep.core.options import Options

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _jsonable(obj: t.Any) -> t.Any:
    return str(obj)


def check_image_rows(url: str, splits: dict[str, t.Any], columns: list[str], opts: Options, tmp: str) -> FileReport:
    """Rows with images become an image folder (files + metadata.jsonl) for ftprep.image."""
    import datasets

    try:
        from ftprep.image import check_images as image_check
    except ImportError:
        raise SourceError(f"{url}: checking images needs ftprep.image, which is not installed") from None
    folder = os.path.join(tmp, "images")
    os.makedirs(folder)
    enc = msgspec.json.Encoder(enc_hook=_jsonable)
    taken: set[str] = set()
    n = 0
    with open(os.path.join(folder, "metadata.jsonl"), "wb") as meta:
        for s in splits.values():
            for col in columns:
                if col in s.features:
                    s = s.cast_column(col, datasets.Image(decode=False))
            for row in s:
                images = {col: row.pop(col, None) for col in columns}  # no image bytes in metadata rows
                for value in images.values():
                    value = value or {}
                    data = value.get("bytes")
                    if data is None and value.get("path") and os.path.isfile(value["path"]):
                        with open(value["path"], "rb") as f:
                            data = f.read()
                    if data is None:
                        continue
                    file = file_name(value.get("path") or "", data, n, taken)
                    with open(os.path.join(folder, file), "wb") as f:
                        f.write(data)
                    meta.write(enc.encode({"file_name": file, **row}) + b"\n")
                    n += 1
    return image_check(folder, opts).relabeled(folder, url)


def file_name(original: str, data: bytes, n: int, taken: set[str]) -> str:
    """A safe, unique name: the original basename when it is harmless, else a numbered one."""
    base = SAFE_NAME.sub("_", os.path.basename(original.replace("\\", "/")))
    if not base or base.startswith(".") or base in taken or "." not in base:
        ext = ".png" if data[:4] == b"\x89PNG" else ".jpg" if data[:2] == b"\xff\xd8" else \
            ".webp" if data[8:12] == b"WEBP" else os.path.splitext(base)[1] or ".bin"
        base, k = f"{n:06d}{ext}", 1
        while base in taken:
            base, k = f"{n:06d}-{k}{ext}", k + 1
    taken.add(base)
    return base


__all__ = ["check_image_rows", "file_name"]
