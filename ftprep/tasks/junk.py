"""Junk in trained text that teaches the wrong behaviour (Q020-Q025), for `explain`
and for the fast path.

A trained text (an assistant turn, a text output, a DPO chosen) is searched for:

    Q020  a refusal or AI boilerplate ("As an AI language model", "I'm sorry,
          but I can't", "I cannot help with that", and their French, German,
          Spanish and Chinese forms): the model learns to refuse or to talk
          about itself instead of answering.
    Q022  mojibake: UTF-8 read as Windows-1252 or Latin-1 ("cafÃ©"), which
          ftfy's `fix_encoding` would repair; the model learns the garbage.
    Q023  U+FFFD replacement characters: bytes lost in a decoding, beyond repair.
    Q024  a generation loop: the answer ends with one span of at least 4 words
          and 16 characters (at most 500) repeated at least 4 times in a row (a model's
          output that ran until its token limit).
    Q025  a code fence opened and never closed: the answer was cut off.

Every rule has a superset the fast path can test at C speed over all texts of
a block (ftprep.engine.text_suspects): a literal search (TEXT_MARKS), a slice and a count.
"""

from __future__ import annotations

import re
import typing as t

from ftprep.tasks.finding import Finding
from ftprep.tasks.placeholders import placeholder

# Apostrophes are matched in both their straight and curly forms.
_Q = "['\u2019]"
_REFUSAL = re.compile((
    r"\bas an (?:ai|artificial intelligence)(?: language)? model\b|\bas a (?:large )?language model\b"
    r"|\bi(?:Qm| am) (?:just |only )?an ai(?: language model| assistant)?\b(?! (?:researcher|engineer))"
    r"|\b(?:iQm|i am) sorry,? but i (?:can(?:no|Q)t|am unable|Qm unable|wonQt)\b"
    r"|\bi apologi[sz]e,? but i (?:can(?:no|Q)t|am unable|Qm unable|wonQt)\b"
    r"|\bi (?:cannot|canQt|am unable to|Qm unable to|wonQt) (?:help|assist|comply|fulfil{1,2})"
    r"(?: you)? with (?:that|this|your request)\b"
    r"|\ben tant qu(?:e |Q)(?:ia|intelligence artificielle|mod[eè]le de langage)\b"
    r"|\bals (?:ki-?)?sprachmodell\b|\bals k[uü]nstliche intelligenz\b"
    r"|\bcomo (?:un )?modelo de lenguaje\b|\bcomo (?:una )?inteligencia artificial\b"
    r"|作为一?个?(?:ai|人工智能)(?:语言模型|助手)?|作为(?:ai)?语言模型").replace("Q", _Q), re.IGNORECASE | re.ASCII)
# Literals one of which every refusal above holds, in lower case.
_REFUSAL_ANCHORS = ("an ai", "language model", "artificial intelligence", "cannot", "can't", "can\u2019t",
                    "unable", "won't", "won\u2019t", "en tant qu", "prachmodell", "intelligenz", "modelo de lenguaje",
                    "inteligencia", "作为")

# One lead character of a UTF-8 sequence read as Windows-1252 (Â to ô), then a
# character a continuation byte becomes there (U+0080-U+00BF, or cp1252's €‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ).
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+")
# The marks of the common mojibake, one of which a text must hold: Latin letters
# (Ã, Â), punctuation (â€), Cyrillic (Ð, Ñ), Arabic (Ø, Ù), CJK (ä¸, å, æ), a BOM (ï»¿).
_MOJIBAKE_MARKERS = ("Ã", "Â", "â€", "Ð", "Ñ", "Ø", "Ù", "ä¸", "å", "æ", "ï»¿")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,})", re.MULTILINE)
# A loop: this many copies of its span, the span at least this long, in characters and words.
LOOP_COPIES, LOOP_CHARS, LOOP_WORDS = 4, 16, 4
# ... and at most this long: a loop is a sentence or a paragraph, and the fast
# path then searches only the last LOOP_COPIES * LOOP_MAX_SPAN characters of a text.
LOOP_MAX_SPAN = 500


def _casings(words: t.Iterable[str]) -> list[str]:
    return sorted({w for word in words for w in (word, word.capitalize(), word.upper())})


# The refusal rule looks only at texts holding an anchor in lower case, capitalised
# or upper case ("cannot", "Cannot", "CANNOT"; not "CanNot"), which lets the
# fast path find every candidate with one multi-pattern search.
ANCHORS = _casings(_REFUSAL_ANCHORS)
# "orem ipsum": V010's filler text (ftprep.tasks.placeholders), found in the same pass.
TEXT_MARKS = [*ANCHORS, *_MOJIBAKE_MARKERS, "\ufffd", "orem ipsum"]


def json_forms(mark: str) -> set[bytes]:
    """The ways a JSON line can spell `mark`: raw UTF-8, or with each non-ASCII
    character as a lower- or upper-case \\u escape."""
    if mark.isascii():
        return {mark.encode()}
    forms = {mark.encode()}
    for spec in ("\\u{:04x}", "\\u{:04X}"):  # the marks are all in the BMP: no surrogate pairs
        forms.add("".join(c if c.isascii() else spec.format(ord(c)) for c in mark).encode())
    return forms


def refusal(text: str) -> str | None:
    if not any(map(text.__contains__, ANCHORS)):
        return None
    m = _REFUSAL.search(text)
    return m.group() if m else None


def mojibake(text: str) -> tuple[str, str] | None:
    """The first garbled span and what ftfy makes of it, when ftfy's
    `fix_encoding` changes the text (so a rare legitimate pair such as 'Ã©'
    inside correct text, which ftfy leaves alone, is not reported)."""
    if not any(map(text.__contains__, _MOJIBAKE_MARKERS)):
        return None
    m = _MOJIBAKE.search(text)
    if m is None:
        return None
    import ftfy

    if ftfy.fix_encoding(text) == text:
        return None
    start = max(0, text.rfind(" ", 0, m.start()) + 1)
    end = text.find(" ", m.end())
    word = text[start:end if end >= 0 else len(text)][:40]
    return word, ftfy.fix_encoding(word)


def loop(text: str) -> str | None:
    """The span an answer ends repeating (LOOP_COPIES times in a row at least), or None.
    The last LOOP_COPIES * p characters have period p for some p >= LOOP_CHARS."""
    s = text.rstrip()
    n = len(s)
    if n < LOOP_COPIES * LOOP_CHARS:
        return None
    tail = s[n - LOOP_CHARS:]
    at = s.rfind(tail, 0, n - LOOP_CHARS)
    while at >= 0:
        p = n - LOOP_CHARS - at
        if LOOP_COPIES * p > n or p > LOOP_MAX_SPAN:
            return None
        if p >= LOOP_CHARS and s[n - LOOP_COPIES * p:n - p] == s[n - (LOOP_COPIES - 1) * p:]:
            span = s[n - p:]
            if len(span.split()) >= LOOP_WORDS:
                return span
        at = s.rfind(tail, 0, at + LOOP_CHARS - 1)
    return None


def unclosed_fence(text: str) -> bool:
    """An odd number of ``` in the text, and the last fence line (``` at a line
    start, 3+ backticks) opens a block no later fence line closes."""
    if text.count("```") % 2 == 0:
        return False
    open_: str | None = None
    for m in _FENCE.finditer(text):
        fence = m.group(1)
        if open_ is None:
            open_ = fence
        elif len(fence) >= len(open_):
            open_ = None
    return open_ is not None


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n - 3] + "..."


def junk(value: object, field: str, what: str) -> list[Finding]:
    """Q020-Q025 for one trained text; `field` is the column, so the engine aggregates per file."""
    if not isinstance(value, str):
        return []
    out = []
    if found := refusal(value):
        out.append(Finding("Q020", f"{what} is a refusal or AI boilerplate ('{found}'); the model learns to refuse",
                           field, "drop the row, or replace the answer with a real one"))
    if garbled := mojibake(value):
        out.append(Finding("Q022", f"'{garbled[0]}' in {what} is mojibake (ftfy reads it as '{garbled[1]}')",
                           field, "run ftprep convert --fix-text, or re-read the source as UTF-8"))
    if "\ufffd" in value:
        out.append(Finding("Q023", f"{what} holds {value.count(chr(0xfffd))} U+FFFD replacement character(s): "
                           "bytes lost in a decoding", field, "re-export the text from its source with the right encoding"))
    if span := loop(value):
        out.append(Finding("Q024", f"{what} ends in a generation loop: '{_short(span)}' repeated "
                           f"{LOOP_COPIES}+ times", field, "cut the loop, or drop the row"))
    if unclosed_fence(value):
        out.append(Finding("Q025", f"{what} opens a code fence and never closes it: the answer is cut off", field,
                           "complete the answer, or drop the row"))
    return out


def conversation_junk(messages: object, field: str) -> list[Finding]:
    """Q020-Q025 of the assistant messages of one conversation, each code once per conversation."""
    if not isinstance(messages, list):
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    for i, m in enumerate(messages):
        if isinstance(m, dict) and m.get("role") == "assistant":
            for f in junk(m.get("content"), field, f"assistant message {i}"):
                if f.code not in seen:
                    seen.add(f.code)
                    out.append(f)
    return out


def marked(text: str) -> bool:
    """Whether `text` holds junk found through a mark (refusal, mojibake, U+FFFD) or filler text."""
    return bool(refusal(text) or mojibake(text) or "\ufffd" in text
                or ("orem ipsum" in text and placeholder(text)))
