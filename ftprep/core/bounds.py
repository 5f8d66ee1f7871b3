"""Bounds on hostile input, as values: how far a .gz may expand, and the
stand-in for a record nested too deeply to decode.

They keep a bad file a finding at its line (P014, P013) instead of a
MemoryError, a hang or a RecursionError that loses every other finding.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.errors import DecompressionCapped

# What a .gz may expand to: `ratio` times its own size (text compresses 3-10x;
# deflate's ceiling is ~1030x, a bomb's), and never more than `size` bytes.
# Small outputs pass whatever their ratio: a few MB of repeated rows is no bomb.
MAX_EXPANSION = 100.0
MAX_DECOMPRESSED = 8 << 30
EXPANSION_FLOOR = 16 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class Bounds:
    """Decompression bounds (options `max_expansion`, `max_decompressed`)."""

    ratio: float = MAX_EXPANSION
    size: int = MAX_DECOMPRESSED

    def allowed(self, compressed: int) -> int:
        return min(self.size, max(int(self.ratio * compressed), EXPANSION_FLOOR))

    def reason(self, compressed: int) -> str:
        """Which bound `allowed` applies, in words."""
        limit = self.allowed(compressed)
        if limit == self.size:
            return f"--max-decompressed ({limit:,} bytes)"
        return (f"--max-expansion ({self.ratio:g}x the {compressed:,}-byte file, at least "
                f"{EXPANSION_FLOOR >> 20} MiB: {limit:,} bytes)")


def bounds_of(opts: t.Any) -> Bounds:
    """The bounds an Options (or any object with the two options) asks for."""
    return Bounds(getattr(opts, "max_expansion", None) or MAX_EXPANSION,
                  getattr(opts, "max_decompressed", None) or MAX_DECOMPRESSED)


def capped(e: DecompressionCapped) -> tuple[str, str]:
    """P014's message and hint for a bound that was hit."""
    return (f"{e}; the rest of the file is not checked",
            "the rest may be a decompression bomb; if the data is real, raise --max-expansion or --max-decompressed")


class TooDeep(t.NamedTuple):
    """Stands in for a record nested too deeply to decode (P013), at its line."""

    line: int | None


TOO_DEEP = ("nested too deeply to decode: Python's JSON decoding raises RecursionError on it, "
            "as the trainer's would")
TOO_DEEP_HINT = "the row is unusable: flatten the value or remove the row (convert --drop-invalid drops it)"
