"""Exact and near duplicates: byte hashes, pixel hashes and a small pHash.

The pHash follows imagehash.phash: a 32x32 grey image, its 2-D DCT, the 8x8
lowest frequencies compared with their median, giving 64 bits. Hamming
distance <= 10 is a near duplicate (imagededup's default threshold). Written
here with Pillow alone so the image extra needs no numpy or scipy.
"""

from __future__ import annotations

import math
import statistics
import typing as t

NEAR = 10
_N = 32
_COS = [[math.cos(math.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(8)]
# Pigeonhole bands: two hashes within NEAR bits agree exactly on at least one of NEAR + 1 bands.
_BANDS = [(i * 64 // (NEAR + 1), (i + 1) * 64 // (NEAR + 1)) for i in range(NEAR + 1)]


def phash(grey32: bytes) -> int:
    """64-bit perceptual hash of 32x32 8-bit grey pixels (row-major)."""
    rows = [[sum(grey32[r * _N + x] * c[x] for x in range(_N)) for c in _COS] for r in range(_N)]
    low = [sum(rows[r][u] * _COS[v][r] for r in range(_N)) for v in range(8) for u in range(8)]
    med = statistics.median(low)
    bits = 0
    for value in low:
        bits = (bits << 1) | (value > med)
    return bits


def jpeg_pixel_key(data: bytes) -> bytes | None:
    """The JPEG minus its APPn/COM segments: equal keys decode to equal pixels.

    Cheaper than hashing a full decode, and exact, unlike hashing a reduced
    (draft) decode. None when the marker walk fails (then the caller hashes pixels).
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[i:]
            return bytes(out)
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += data[i:i + 2 + length]
        i += 2 + length
    return None


class Hashes(t.NamedTuple):
    file: bytes | None
    pixels: bytes | None
    perceptual: int | None


def duplicates(names: list[str], hashes: list[Hashes]) -> list[tuple[str, str, str]]:
    """(name, code, message) for each image that repeats an earlier one."""
    out: list[tuple[str, str, str]] = []
    by_file: dict[bytes, str] = {}
    by_pixels: dict[bytes, str] = {}
    exact: set[int] = set()
    for i, (name, h) in enumerate(zip(names, hashes)):
        if h.file is not None and h.file in by_file:
            out.append((name, "M020", f"same bytes as '{by_file[h.file]}'"))
            exact.add(i)
        elif h.pixels is not None and h.pixels in by_pixels:
            out.append((name, "M020", f"same pixels as '{by_pixels[h.pixels]}'"))
            exact.add(i)
        if h.file is not None:
            by_file.setdefault(h.file, name)
        if h.pixels is not None:
            by_pixels.setdefault(h.pixels, name)
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, h in enumerate(hashes):
        if h.perceptual is None:
            continue
        best: tuple[int, int] | None = None
        for b, (lo, hi) in enumerate(_BANDS):
            key = (b, (h.perceptual >> lo) & ((1 << (hi - lo)) - 1))
            for j in buckets.get(key, ()):
                d = (h.perceptual ^ t.cast(int, hashes[j].perceptual)).bit_count()
                if d <= NEAR and (best is None or (d, j) < best):
                    best = (d, j)
            buckets.setdefault(key, []).append(i)
        if best is not None and i not in exact:
            message = f"near duplicate of '{names[best[1]]}' (perceptual hash distance {best[0]}/64)"
            out.append((names[i], "M021", message))
    return out
