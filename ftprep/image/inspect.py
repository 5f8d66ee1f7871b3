"""One image, checked with Pillow: the safe opener and the per-image rules.

Safety: formats are an explicit allow-list (Pillow would otherwise try about
40 decoders, EPS and FITS included); the pixel count is refused from the
header before any decode; `ImageFile.LOAD_TRUNCATED_IMAGES` is never set, so a
truncated file fails here rather than mid-training. The caller escalates
`DecompressionBombWarning` to an error around the pool (see checker.py).

JPEGs are decoded in draft mode (DCT scaling): every byte of entropy-coded
data is still decoded, so truncation is caught, at a fraction of the cost.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import typing as t

from ftprep.core.codes import ERROR, severity_of
from ftprep.core.errors import ImageRefused
from ftprep.image.dedup import Hashes, jpeg_pixel_key, phash
from ftprep.tasks.base import Finding

# Camera MPO files open through the JPEG plugin, so "JPEG" admits them.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF")
FORMAT_EXTS = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"), "MPO": (".jpg", ".jpeg", ".mpo"), "PNG": (".png",),
    "WEBP": (".webp",), "GIF": (".gif",), "BMP": (".bmp", ".dib"), "TIFF": (".tif", ".tiff"), "AVIF": (".avif",),
}
TRAINER_EXTS = (".png", ".jpg", ".jpeg")  # G.O.D's case-sensitive suffix test
MAX_FILE_BYTES = 50 << 20
DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's MAX_IMAGE_PIXELS, if a caller set it to None
MIN_SIDE = 256
GOOD_SIDE = 1024
MAX_ASPECT = 2.0
# EXIF Orientation value -> the transpose that undoes it.
TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
             7: "TRANSVERSE", 8: "ROTATE_90"}


class Info(t.NamedTuple):
    """What checking one image found."""

    findings: list[Finding]
    ok: bool  # no error: usable for training
    format: str | None
    size: tuple[int, int] | None  # as displayed (orientation applied)
    orientation: int
    hashes: Hashes


def max_pixels() -> int:
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_PIXELS


def open_image(data: bytes, name: str) -> t.Any:
    """Open from bytes with the allow-list; refuse bombs from the header. Raises ImageRefused."""
    from PIL import Image, UnidentifiedImageError

    Image.init()  # `formats=` looks plugins up by name; only five load without this
    try:
        im = Image.open(io.BytesIO(data), formats=[f for f in ALLOWED_FORMATS if f in Image.OPEN])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageRefused(Finding("M006", f"refused from its header: {e}", None, "downscale it")) from None
    except UnidentifiedImageError:
        ext = posixpath.splitext(name)[1].lower()
        hint = ("convert it to JPEG or PNG (HEIC needs pillow-heif)" if ext in (".heic", ".heif")
                else "convert it to JPEG or PNG, or remove it")
        raise ImageRefused(Finding("M002", f"not an image in the allowed formats ({', '.join(ALLOWED_FORMATS)})",
                              None, hint)) from None
    except Exception as e:  # noqa: BLE001 - a hostile header can raise nearly anything
        raise ImageRefused(Finding("M001", f"cannot be read: {type(e).__name__}: {e}", None,
                              "re-export the image")) from None
    w, h = im.size
    if w * h > max_pixels():
        im.close()
        raise ImageRefused(Finding("M006", f"{w}x{h} is {w * h:,} pixels, over Pillow's limit of {max_pixels():,}; "
                              "refused before decoding", None, "downscale it"))
    return im


def load(im: t.Any) -> None:
    try:
        im.load()
    except Exception as e:  # noqa: BLE001 - decoders raise many types
        raise ImageRefused(Finding("M001", f"does not fully decode: {e}", None,
                              "the file is truncated or corrupt; re-export it")) from None


def to_8bit(im: t.Any) -> t.Any:
    """16/32-bit and float modes scaled (never clipped) to 8-bit L; others untouched."""
    if im.mode.startswith("I;16") or im.mode == "I":
        if im.mode != "I;16":
            im = im.convert("I")
        hi = im.getextrema()[1]
        scale = 255 / (max(65535, hi))
        return im.point(lambda v: v * scale).convert("L")
    if im.mode == "F":
        hi = im.getextrema()[1]
        scale = 255.0 if hi <= 1.0 else 255.0 / hi
        return im.point(lambda v: v * scale).convert("L")
    return im


def orientation(im: t.Any) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - decoders raise many types
        return 1
    return value if value in TRANSPOSE else 1


def transpose(im: t.Any, value: int) -> t.Any:
    from PIL import Image

    return im.transpose(getattr(Image.Transpose, TRANSPOSE[value])) if value in TRANSPOSE else im


def inspect(name: str, data: bytes) -> Info:
    """Every per-image rule on one image's bytes."""
    found: list[Finding] = []
    if len(data) > MAX_FILE_BYTES:
        found.append(Finding("M006", f"over {MAX_FILE_BYTES >> 20} MB", None, "downscale or recompress it"))
        return Info(found, False, None, None, 1, Hashes(None, None, None))
    file_hash = hashlib.sha256(data).digest()
    try:
        im = open_image(data, name)
    except ImageRefused as e:
        return Info(found + [e.finding], False, None, None, 1, Hashes(file_hash, None, None))
    with im:
        fmt = im.format
        w, h = im.size
        animated = bool(getattr(im, "is_animated", False))
        if fmt in ("JPEG", "MPO"):
            im.draft(im.mode, (max(64, w // 8), max(64, h // 8)))
        try:
            load(im)
        except ImageRefused as e:
            return Info(found + [e.finding], False, fmt, (w, h), 1, Hashes(file_hash, None, None))
        turn = orientation(im)
        if turn in (5, 6, 7, 8):
            w, h = h, w
        key = jpeg_pixel_key(data) if fmt in ("JPEG", "MPO") else None
        small = to_8bit(im)
        if key is None:
            key = small.mode.encode() + repr(small.size).encode() + small.tobytes()
        pixels = hashlib.sha256(key + bytes([turn])).digest()
        from PIL import Image

        grey = transpose(small.convert("L").resize((32, 32), Image.Resampling.LANCZOS, reducing_gap=2.0), turn)
        perceptual = phash(grey.tobytes())
    found += _rules(name, fmt or "", w, h, animated, turn)
    ok = not any(severity_of(f.code) == ERROR for f in found)
    return Info(found, ok, fmt, (w, h), turn, Hashes(file_hash, pixels, perceptual))


def _rules(name: str, fmt: str, w: int, h: int, animated: bool, turn: int) -> list[Finding]:
    out = []
    short, long = min(w, h), max(w, h)
    if short < MIN_SIDE:
        out.append(Finding("M005", f"{w}x{h}: the short side is under {MIN_SIDE} px", None,
                           "use a bigger image, or remove it"))
    elif short < GOOD_SIDE:
        out.append(Finding("M016", f"{w}x{h}: the short side is under {GOOD_SIDE} px, the training resolution",
                           None, "the trainer does not upscale; it trains at this size"))
    if short and long / short > MAX_ASPECT:
        out.append(Finding("M017", f"{w}x{h}: aspect ratio {long / short:.1f}:1 is beyond {MAX_ASPECT:g}:1", None,
                           "crop it closer to square"))
    if animated:
        out.append(Finding("M018", f"animated {fmt}: only the first frame is trained on", None,
                           "export the frame you want as PNG or JPEG"))
    if turn != 1:
        out.append(Finding("M019", f"EXIF orientation {turn}: kohya trains it unrotated", None,
                           "ftprep convert bakes the rotation into the pixels"))
    ext = posixpath.splitext(name)[1]
    if ext.lower() not in FORMAT_EXTS.get(fmt, (ext.lower(),)):
        out.append(Finding("M027", f"the extension is {ext or 'missing'} but the image is {fmt}", None,
                           "ftprep convert writes the right extension"))
    if ext not in TRAINER_EXTS:
        why = (f"matches .png/.jpg/.jpeg case-sensitively: '{ext}' is skipped" if ext.lower() in TRAINER_EXTS
               else f"takes only .png, .jpg and .jpeg: '{ext or posixpath.basename(name)}' is skipped")
        out.append(Finding("M025", f"the trainer {why}", None, "ftprep convert writes lower-case .png/.jpg"))
    return out
