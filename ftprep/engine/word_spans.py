"""The words a near-duplicate or overlap check compares: a trained value's text
(a conversation's contents, its system prompt left out), its words, and the
hashes of its word spans (shingles).
"""

from __future__ import annotations

import string
import typing as t

from ftprep.tasks.chat import ROLE_ALIASES

SHINGLE = 5
PUNCTUATION = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))

# Odd 64-bit constants (splitmix64's and the golden ratio's), one per place in a span.
MULTIPLIERS = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93, 0xCA5A826395121157)


def words(raw: bytes) -> list[bytes]:
    """A text's words: its UTF-8 bytes, ASCII lower-cased, ASCII punctuation
    as spaces, split on white space (bytes: three C passes, twice as fast as a
    Unicode regex, which dominated the cost)."""
    return raw.lower().translate(PUNCTUATION).split()


def shingles(text: str) -> list[str]:
    """The 5-word spans of a text, as `Signatures` hashes them; none under five words."""
    found = [w.decode("utf-8", "replace") for w in words(text.encode("utf-8", "surrogatepass"))]
    return [" ".join(found[i:i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)]


def _span_hashes(flat: t.Any, width: int = SHINGLE) -> t.Any:
    """A hash of each run of `width` word hashes, order-sensitive (a multiplier
    per place), with a final mix so the low bits that MinHash keeps are well spread."""
    import numpy as np

    n = len(flat) - width + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    mults = MULTIPLIERS if width == SHINGLE else [(MULTIPLIERS[0] * (2 * k + 1)) & (2**64 - 1) for k in range(width)]
    with np.errstate(over="ignore"):
        out = np.zeros(n, dtype=np.uint64)
        for k, mult in enumerate(mults):
            out ^= flat[k:k + n] * np.uint64(mult)
        out ^= out >> np.uint64(31)
        out *= np.uint64(0x94D049BB133111EB)
        out ^= out >> np.uint64(29)
    return out


def row_spans(flat: t.Any, sizes: t.Any, width: int) -> tuple[t.Any, t.Any]:
    """The `width`-word span hashes of rows laid end to end in `flat` (their
    word counts in `sizes`), without the spans that straddle two rows, and the
    count of spans per row (n-width+1, or 0)."""
    import numpy as np

    spans = _span_hashes(flat, width)
    ends = np.cumsum(sizes)
    keep = np.ones(len(spans), dtype=bool)
    for k in range(1, width):
        cut = ends[:-1] - k
        keep[cut[(cut >= 0) & (cut < len(spans))]] = False
    return spans[keep], np.maximum(sizes - (width - 1), 0)


ROLES = frozenset({"role", "from"})


# The role names the chat task reads as "system" (its aliases, lower-cased).
SYSTEM_NAMES = frozenset(name for name, role in ROLE_ALIASES.items() if role == "system")


def _system(message: dict[t.Any, t.Any]) -> bool:
    """A system message, by any role key and role name the chat task knows."""
    for key in ROLES:
        role = message.get(key)
        if type(role) is str and role.strip().lower() in SYSTEM_NAMES:
            return True
    return False


def text_of(value: t.Any, system: bool = False) -> str:
    """The words of a trained value: strings as they are, a conversation's
    contents in order (a message's role is not text the model learns). A system
    message is left out unless `system`: rows share their system prompt by design,
    and the trainer conditions the answers on it but does not train it, so rows
    that differ only in short answers are not near duplicates for sharing it."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(v if type(v) is str else text_of(v, system) for k, v in value.items() if k not in ROLES)
    if isinstance(value, (list, tuple)):
        return "\n".join(v if type(v) is str else text_of(v, system) for v in value
                         if system or type(v) is not dict or not _system(v))
    return "" if value is None else str(value)


def system_text(values: t.Sequence[t.Any]) -> str:
    """The system prompts `text_of` leaves out of the conversations among `values`, joined."""
    return "\n".join(text_of(m, True) for v in values if type(v) is list for m in v if type(m) is dict and _system(m))
