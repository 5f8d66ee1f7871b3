"""The language of an answer against its question's, offline.

The detector is py3langid (langid.py's model, 97 languages, shipped inside the
wheel: nothing is downloaded at run time; numpy only). Measured on 900
two-sentence texts in six languages (en fr de es it pt): 100% right, ~6,900
texts/s warm for the top language, ~2,300/s for the full ranking used here;
lingua-language-detector (low accuracy mode, also 100%) gave ~700 texts/s with
its confidences, langdetect is pure Python and slower still. On 300
same-language and 300 cross-language pairs of those texts, `mismatch` flagged
0 and 279 (the rest not sure enough), at 1,000-3,500 pairs/s: hence the
sample. The fixed cost is the model's load (an xz-compressed numpy file,
~1-2 s and ~95 MB once per process), paid only when a pair is long enough. Short texts
are not judged: both sides need `MIN_CHARS` letters; the question's language
must have a normalised probability of `CONFIDENCE` or more, and the answer's
probability of being in that language must be under 1 - CONFIDENCE. The
answer is held to "surely not the question's language" rather than "surely
language X": langid spreads close languages (Spanish, Portuguese, Galician)
over each other, which puts a plain Spanish sentence near 0.9 for Spanish
while it is at 0.00 for English.
"""

from __future__ import annotations

import functools
import typing as t

# Below this many letters a side is not judged: a greeting or a number tells no language.
MIN_CHARS = 40
# Both sides must be identified at least this sure (normalised probability).
CONFIDENCE = 0.95
# Pairs judged per scan block (a file, or a 64 MB range of a big one) at most, its
# first long ones: ~1 ms a pair, so at most ~0.5 s a block on top of its scan.
SAMPLE = 500
# A prompt that asks for another language is answered in it: not a mismatch.
ASKS_FOR_LANGUAGE = ("translat", "tradu", "übersetz", "in english", "in french", "in spanish", "in german",
                     "language")


@functools.lru_cache(maxsize=1)
def _identifier() -> t.Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def ranking(text: str) -> list[tuple[str, float]] | None:
    """Every language with its normalised probability, likeliest first; None below MIN_CHARS letters."""
    if len(text) < MIN_CHARS or letters(text) < MIN_CHARS:
        return None
    return [(str(lang), float(p)) for lang, p in _identifier().rank(text)]


def language_of(text: str) -> tuple[str, float] | None:
    """The language of a text long enough to tell, and how sure; None below MIN_CHARS letters."""
    ranked = ranking(text)
    return None if ranked is None else ranked[0]


def mismatch(question: str, answer: str) -> tuple[str, str, float] | None:
    """(question's language, answer's, how surely the answer is not in the question's
    language) when the question is sure and the answer surely is in another language."""
    low = question.lower()
    if any(word in low for word in ASKS_FOR_LANGUAGE):
        return None
    q = language_of(question)
    if q is None or q[1] < CONFIDENCE:
        return None
    ranked = ranking(answer)
    if ranked is None or ranked[0][0] == q[0]:
        return None
    same = next((p for lang, p in ranked if lang == q[0]), 0.0)
    if same > 1 - CONFIDENCE:
        return None
    return q[0], ranked[0][0], 1 - same


__all__ = ["CONFIDENCE", "MIN_CHARS", "SAMPLE", "language_of", "mismatch", "ranking"]
