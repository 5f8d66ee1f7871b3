"""`convert_images`: a checked image set to an ImageFolder (and the trainer's flat zip).

Output (docs/image-datasets.md §4)::

    DST/README.md                 YAML `configs`: one train split from train/**
    DST/train/metadata.jsonl      {"file_name": "000001.jpg", "text": "..."}
    DST/train/000001.jpg ...      8-bit sRGB RGB, orientation baked in, long side <= 2048
    DST.zip (also_zip)            000001.jpg + 000001.txt, flat, for Gradients / G.O.D

Neutral names keep `datasets` from inferring splits. The folder is built in a
temporary folder beside DST and renamed into place, so a failure leaves
nothing half-written; an existing DST is replaced only if ftprep wrote it.
ftprep knows its own output by a marker: the README of the folder, and the
archive comment of the zip (`ZIP_COMMENT`); an existing DST.zip without it
is replaced only with `force`.
"""

from __future__ import annotations

import concurrent.futures
import io
import math
import os
import stat
import typing as t
import warnings

from ftprep.core.codes import ERROR
from ftprep.disk import outputs as files
from ftprep.core.errors import OutputError
from ftprep.disk.outputs import publish
from ftprep.image import captions as cap
from ftprep.engine.forked_pool import cores
from ftprep.image.checker import MAX_WORKERS, scan
from ftprep.image.inspect import (
    MAX_FILE_BYTES,
    load,
    open_image,
    orientation,
    to_8bit,
    transpose,
)
from ftprep.core.options import Options

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion

MAX_SIDE = 2048  # G.O.D's max_bucket_reso
BACKGROUND = (255, 255, 255)  # transparency is composited onto white
JPEG_QUALITY = 95
MARKER = "Written by ftprep"
ZIP_COMMENT = b"Written by ftprep: images and captions for Gradients / G.O.D"
README = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: train/**
---
# Image dataset

{marker}: {n} images with captions. `train/metadata.jsonl` maps each `file_name` to its
`text`; `datasets.load_dataset(PATH)` gives one `train` split with `image` and `text` columns.
"""


def convert_images(src: str, dst: str, opts: Options, drop_invalid: bool = False,
                   also_zip: bool = False, force: bool = False) -> Conversion:
    """Check `src`, then write it as an ImageFolder at `dst`, atomically.

    Refuses (written=False) on any error, unless `drop_invalid`, which skips
    the unusable pairs but still refuses when too few or too many remain.
    Raises ValueError when `dst` is inside `src`, or is a folder ftprep did not write,
    or (with `also_zip`, unless `force`) DST.zip exists and ftprep did not write it.
    """
    from ftprep.core.results import Conversion
    from ftprep.core.diagnostics import Report

    _check_destination(src, dst)
    if also_zip:
        _check_zip(src, dst.rstrip("/\\") + ".zip", force)
    with scan(src, opts) as s:
        # convert prepends the trigger word where it is missing: that warning is fixed, not found.
        s.report.diagnostics = [d for d in s.report.diagnostics if d.code != "M023"]
        report = Report([s.report])
        errors = {d.code for d in s.report.diagnostics if d.severity == ERROR}
        rows_in = len(s.layout.pairs)
        # The API's own option name; unset means the API default (flux).
        job = {"imageModelType": opts.image_model} if opts.image_model else {}
        blocked = (errors and not drop_invalid) or errors & {"M011", "M012"} or not s.usable
        if blocked:
            return Conversion(report, None, "image", s.layout.kind, rows_in, 0, rows_in, False, job)
        _write(s.source, s.usable, dst, opts, also_zip)
        n = len(s.usable)
        return Conversion(report, dst, "image", s.layout.kind, rows_in, n, rows_in - n, True, job)


def _check_destination(src: str, dst: str) -> None:
    real_src, real_dst = os.path.realpath(src), os.path.realpath(dst)
    if real_dst == real_src or real_dst.startswith(real_src.rstrip(os.sep) + os.sep):
        raise ValueError(f"{dst}: the output folder must not be inside the input")
    if real_src.startswith(real_dst.rstrip(os.sep) + os.sep):
        raise ValueError(f"{dst}: the output folder must not hold the input")
    if files.same_file(dst.rstrip("/\\") + ".zip", src):  # --also-zip would overwrite the input
        raise OutputError(f"{dst}: its .zip would replace the input {src}; choose another -o")
    if os.path.exists(dst) and not os.path.isdir(dst):
        raise ValueError(f"{dst}: exists and is not a folder")
    if os.path.isdir(dst) and os.listdir(dst) and not _ours(dst):
        raise ValueError(f"{dst}: the folder is not empty and was not written by ftprep; choose another -o")


def _check_zip(src: str, path: str, force: bool) -> None:
    files.refuse_input(path, [src], "the zip")
    if os.path.lexists(path) and not force and not _our_zip(path):
        raise OutputError(f"{path}: exists and was not written by ftprep; pass --force to replace it, "
                          "or choose another -o")


def _our_zip(path: str) -> bool:
    """Whether `path` is a regular file holding a zip that ftprep wrote (its archive comment)."""
    import zipfile

    if not os.path.isfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.comment == ZIP_COMMENT
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def _ours(folder: str) -> bool:
    try:
        with open(os.path.join(folder, "README.md"), encoding="utf-8") as f:
            return MARKER in f.read(4096)
    except OSError:
        return False


def _write(source: t.Any, pairs: list[t.Any], dst: str, opts: Options, also_zip: bool) -> None:
    import msgspec
    from PIL import Image

    parent = os.path.dirname(os.path.abspath(dst)) or "."
    os.makedirs(parent, exist_ok=True)
    files.sweep(parent)  # temporaries of writers killed before they could clean up
    tmp = files.temp_dir(parent)
    try:
        os.chmod(tmp, 0o755)
        os.mkdir(os.path.join(tmp, "train"))

        def one(i: int) -> str:
            data = source.read(pairs[i].image, MAX_FILE_BYTES)
            body, ext = render(data, pairs[i].image)
            name = f"{i + 1:06d}{ext}"
            with open(os.path.join(tmp, "train", name), "wb") as f:
                f.write(body)
            return name

        total = len(pairs)
        workers = min(opts.workers or min(MAX_WORKERS, cores()), total)
        if opts.progress:  # the pass starts: a bar's delay counts from here
            opts.progress("write", 0, total)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with concurrent.futures.ThreadPoolExecutor(max(workers, 1), thread_name_prefix="ftprep-image") as pool:
                names = []
                for done, name in enumerate(pool.map(one, range(total)), 1):
                    names.append(name)
                    if opts.progress:
                        opts.progress("write", done, total)
        texts = [cap.with_trigger(p.caption.text or "", opts.trigger) for p in pairs]
        encoder = msgspec.json.Encoder()
        with open(os.path.join(tmp, "train", "metadata.jsonl"), "wb") as f:
            for name, text in zip(names, texts):
                f.write(encoder.encode({"file_name": name, "text": text}) + b"\n")
        with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8") as readme:
            readme.write(README.format(marker=MARKER, n=total))
        if also_zip:
            _write_zip(os.path.join(tmp, "train"), names, texts, dst.rstrip("/\\") + ".zip")
        _install(tmp, dst)
    finally:
        files.discard(tmp)


def _install(tmp: str, dst: str) -> None:
    """Put the finished folder at `dst`; a folder it replaces passes on its mode."""
    if not os.path.isdir(dst):
        files.rename(tmp, dst)
        return
    os.chmod(tmp, stat.S_IMODE(os.stat(dst).st_mode))
    old = files.temp_dir(os.path.dirname(os.path.abspath(dst)))
    with files.held():  # a signal between the two renames would leave no folder at dst
        os.rmdir(old)
        os.rename(dst, old)
        files.rename(tmp, dst)
    files.discard(old)


def _write_zip(folder: str, names: list[str], texts: list[str], path: str) -> None:
    """The flat zip the trainer consumes: N.ext + N.txt at the root, no folders, no junk."""
    import zipfile

    fd, staged = files.temp_file(os.path.dirname(os.path.abspath(path)), ".zip")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            zf.comment = ZIP_COMMENT  # how a later run knows it may replace this file
            for name, text in zip(names, texts):
                stem = os.path.splitext(name)[0]
                with open(os.path.join(folder, name), "rb") as f:
                    zf.writestr(_entry(name, zipfile.ZIP_STORED), f.read())
                zf.writestr(_entry(stem + ".txt", zipfile.ZIP_DEFLATED), text.encode("utf-8"))
        publish(staged, path)
    finally:
        files.discard(staged)


def _entry(name: str, compression: int) -> t.Any:
    import zipfile

    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible bytes
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def render(data: bytes, name: str) -> tuple[bytes, str]:
    """One image to (bytes, extension): frame 0, 8-bit sRGB RGB, upright, long side <= MAX_SIDE."""
    from PIL import Image

    im = open_image(data, name)
    with im:
        fmt = im.format
        w, h = im.size
        if fmt in ("JPEG", "MPO") and max(w, h) > MAX_SIDE:
            scale = MAX_SIDE / max(w, h)  # DCT scaling only ever picks a size >= the one asked
            im.draft(im.mode, (math.ceil(w * scale), math.ceil(h * scale)))
        load(im)
        turn = orientation(im)
        icc = im.info.get("icc_profile")
        out = _modes(to_8bit(im), im.info)
    if max(out.size) > MAX_SIDE:
        scale = MAX_SIDE / max(out.size)
        size = (max(1, round(out.size[0] * scale)), max(1, round(out.size[1] * scale)))
        out = out.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = _flatten(_to_srgb(out, icc))
    out = transpose(out, turn)
    buf = io.BytesIO()
    if fmt in ("JPEG", "MPO"):
        out.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
        return buf.getvalue(), ".jpg"
    out.save(buf, "PNG")
    return buf.getvalue(), ".png"


def _modes(im: t.Any, info: dict[str, t.Any]) -> t.Any:
    """Palette, bilevel and exotic modes to L, LA, RGB, RGBA or CMYK, keeping transparency."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in info else "RGB")
    if im.mode == "PA":
        return im.convert("RGBA")
    if im.mode in ("RGBa", "La"):
        return im.convert(im.mode[0:-1] + "A")
    if im.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return im.convert("RGB")
    return im


def _to_srgb(im: t.Any, icc: bytes | None) -> t.Any:
    """Apply an embedded ICC profile (CMYK, Display P3, ...) into sRGB."""
    if not icc or im.mode not in ("L", "RGB", "RGBA", "CMYK"):
        return im
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if im.mode in ("RGB", "RGBA") and "sRGB" in (ImageCms.getProfileDescription(profile) or ""):
            return im
        return ImageCms.profileToProfile(im, profile, ImageCms.createProfile("sRGB"),
                                         outputMode="RGBA" if im.mode == "RGBA" else "RGB")
    except Exception:  # noqa: BLE001 - a broken or mismatched profile: keep the numbers as they are
        return im


def _flatten(im: t.Any) -> t.Any:
    """Composite transparency onto BACKGROUND (a naive convert would reveal hidden colours)."""
    from PIL import Image

    if im.mode in ("RGBA", "LA"):
        bg = Image.new("RGB", im.size, BACKGROUND)
        bg.paste(im.convert("RGB"), mask=im.getchannel("A"))
        return bg
    return im if im.mode == "RGB" else im.convert("RGB")
