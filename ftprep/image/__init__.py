"""Image LoRA datasets (FLUX / SDXL): check and convert image+caption sets with Pillow.

`check_images` and `convert_images` are what `ftprep.check(..., task="image")`
and `ftprep.convert(..., task="image")` call. Pillow is imported only inside
the functions that decode images, so importing this package stays cheap.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion
    from ftprep.core.diagnostics import FileReport
    from ftprep.core.options import Options


def check_images(path: str, opts: Options) -> FileReport:
    """Check a folder or .zip of images with .txt captions or ImageFolder metadata."""
    from ftprep.image.checker import check_images as run

    return run(path, opts)


def convert_images(src: str, dst: str, opts: Options, drop_invalid: bool = False,
                   also_zip: bool = False, force: bool = False) -> Conversion:
    """Write `src` as an ImageFolder at `dst` (and the flat zip at `dst`.zip when `also_zip`;
    an existing one ftprep did not write is replaced only with `force`)."""
    from ftprep.image.convert import convert_images as run

    return run(src, dst, opts, drop_invalid=drop_invalid, also_zip=also_zip, force=force)


__all__ = ["check_images", "convert_images"]
