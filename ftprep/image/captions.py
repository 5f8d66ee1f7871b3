"""Captions: strict decoding, cleaning, and the per-caption and per-set rules.

Token counts here are estimates (no tokenizer files are needed): CLIP splits
letters, digits and punctuation apart, and long or rare words into several
pieces; T5's smaller vocabulary splits words a little more often. Messages
say "about" and "estimate" so that nobody mistakes them for exact counts.
"""

from __future__ import annotations

import collections
import re
import unicodedata

from ftprep.tasks.base import Finding

MAX_CAPTION_BYTES = 64 << 10
CLIP_LIMIT = 75  # 77 positions minus BOS/EOS; SDXL and FLUX's pooled CLIP-L
T5_LIMIT = 512  # FLUX.1-dev max_sequence_length; the pipeline rejects more
_PIECES = re.compile(r"[^\W\d_]+|\d|[^\w\s]+|_+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_SPACE = re.compile(r"\s+")


def decode(raw: bytes) -> tuple[str | None, Finding | None]:
    """Caption bytes to text, as kohya reads them (strict UTF-8), a BOM accepted."""
    if len(raw) > MAX_CAPTION_BYTES:
        return None, Finding("M013", f"caption is over {MAX_CAPTION_BYTES:,} bytes", None,
                             "a caption is a sentence or two")
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, Finding("M013", f"caption is not UTF-8 (byte {e.start}); kohya raises on it", None,
                             "re-save it as UTF-8")


def clean(text: str) -> str:
    """One line of NFC text without control characters or runs of spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return _SPACE.sub(" ", text).strip()


def estimate_tokens(text: str, model: str) -> int:
    """About how many tokens CLIP (`sdxl`) or T5 (`flux`) makes of `text`."""
    whole, per = (7, 5) if model == "clip" else (5, 4)
    n = 0
    for piece in _PIECES.findall(text.lower()):
        if piece[0].isalpha():
            n += 1 if len(piece) <= whole else -(-len(piece) // per)
            n += sum(1 for c in piece if ord(c) > 0x2FF)  # non-Latin scripts split to bytes
        else:
            n += len(piece)
    return n + (1 if model == "t5" else 0)  # T5 appends </s>


def trigger_pattern(trigger: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(trigger) + r"(?!\w)", re.IGNORECASE)


def findings(text: str, image_model: str | None, trigger: re.Pattern[str] | None,
             trigger_word: str | None) -> list[Finding]:
    """The rules for one decoded caption."""
    if not text.strip():
        shown = "empty" if text == "" else "whitespace only"
        return [Finding("M004", f"caption is {shown}", None, "describe the image; the trainer learns nothing from it")]
    out = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1:
        out.append(Finding("M028", f"caption has {len(lines)} lines; kohya trains on the first only", None,
                           "join them into one line (ftprep convert does)"))
    cleaned = clean(text)
    if image_model == "flux":
        n = estimate_tokens(cleaned, "t5")
        if n > T5_LIMIT:
            out.append(Finding("M022", f"caption is about {n} T5 tokens (estimate); FLUX's limit is {T5_LIMIT}", None,
                               "shorten it; the tail is cut"))
    else:
        n = estimate_tokens(cleaned, "clip")
        if n > CLIP_LIMIT:
            out.append(Finding("M022", f"caption is about {n} CLIP tokens (estimate); SDXL's limit is {CLIP_LIMIT}",
                               None, "shorten it; CLIP cuts the tail"))
    if trigger is not None and not trigger.search(cleaned):
        out.append(Finding("M023", f"caption lacks the trigger word '{trigger_word}'", None,
                           "add it, or let ftprep convert --trigger prepend it"))
    return out


def repeated(captions: list[str]) -> tuple[str, int] | None:
    """The caption shared by more than half of them (and at least two), if any."""
    counts = collections.Counter(clean(c).lower() for c in captions if c.strip())
    if not counts:
        return None
    text, n = counts.most_common(1)[0]
    return (text, n) if n >= 2 and n * 2 > len(captions) else None


def with_trigger(text: str, trigger: str | None) -> str:
    """The cleaned caption, with the trigger word first when it is missing."""
    text = clean(text)
    if trigger and not trigger_pattern(trigger).search(text):
        return f"{trigger}, {text}"
    return text
