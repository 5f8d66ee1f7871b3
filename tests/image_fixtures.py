"""Images for the image-task tests, generated with Pillow (nothing binary is committed
for the unit tests). Each helper writes one file and returns its path."""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw


def photo(seed: int, size: tuple[int, int] = (1024, 1024), mode: str = "RGB") -> Image.Image:
    """A distinct picture per seed (flat shapes: tiny files, far-apart perceptual hashes)."""
    r = random.Random(seed)
    im = Image.new("RGB", size, tuple(r.randrange(256) for _ in range(3)))
    d = ImageDraw.Draw(im)
    w, h = size
    for _ in range(6):
        x0, y0 = r.randrange(w), r.randrange(h)
        box = (x0, y0, x0 + r.randrange(1, w // 2 + 2), y0 + r.randrange(1, h // 2 + 2))
        (d.ellipse if r.random() < 0.5 else d.rectangle)(box, fill=tuple(r.randrange(256) for _ in range(3)))
    return im.convert(mode) if mode != "RGB" else im


def save(im: Image.Image, path: Path | str, fmt: str | None = None, **kw: object) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, fmt, **kw)
    return path


def pair(folder: Path, stem: str, seed: int, caption: str | None = "a photo of a red cube",
         ext: str = ".png", size: tuple[int, int] = (1024, 1024)) -> Path:
    path = save(photo(seed, size), folder / f"{stem}{ext}", "JPEG" if ext.lower() in (".jpg", ".jpeg") else None)
    if caption is not None:
        (folder / f"{stem}.txt").write_text(caption, encoding="utf-8")
    return path


def image_set(folder: Path, n: int, start: int = 0, ext: str = ".png", caption: str = "a photo number {i}",
              size: tuple[int, int] = (1024, 1024)) -> Path:
    """n clean pairs img000.png + img000.txt with distinct captions."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        pair(folder, f"img{i:03d}", 1000 + i, caption.format(i=i), ext, size)
    return folder


def jpeg_bytes(im: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def truncated_jpeg(path: Path, seed: int = 1) -> Path:
    # Noise makes the entropy-coded data long, so half the file cuts into the scan.
    im = Image.merge("RGB", [Image.effect_noise((1024, 1024), 60)] * 2 + [photo(seed).getchannel(0)])
    data = jpeg_bytes(im, quality=90)
    path.write_bytes(data[: len(data) // 2])
    return path


def exif_rotated_jpeg(path: Path, seed: int = 2, orientation: int = 6, size: tuple[int, int] = (1200, 1024)) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(photo(seed, size), path, "JPEG", exif=exif, quality=90)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims width x height, with almost no pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))
    return path


def animated_gif(path: Path, seed: int = 3) -> Path:
    frames = [photo(seed + k).convert("P") for k in range(2)]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def png16_grey(path: Path, value: int = 40000, size: tuple[int, int] = (1024, 1024)) -> Path:
    return save(Image.new("I;16", size, value), path, "PNG")


def rgba_hidden_red(path: Path, size: tuple[int, int] = (1024, 1024)) -> Path:
    """Fully transparent red everywhere: a naive convert('RGB') turns it solid red."""
    return save(Image.new("RGBA", size, (255, 0, 0, 0)), path, "PNG")


def cmyk_jpeg(path: Path, seed: int = 4) -> Path:
    return save(photo(seed).convert("CMYK"), path, "JPEG", quality=90)


def write_zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)
    return path


def folder_members(folder: Path, prefix: str = "") -> dict[str, bytes]:
    out = {}
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            full = Path(root) / name
            out[prefix + full.relative_to(folder).as_posix()] = full.read_bytes()
    return out
