"""The digit rules' bounds (cards, IPv4 addresses, phone numbers: Q012, Q013, Q015) for
the fast path's prefilter: which rows of a block, and which texts, hold a run of digits
long enough for one of them. Most runs of digits are not (arithmetic, dates, counts,
ticket numbers), and a row whose only anchors are such runs need not meet the rules.

Each bound is a necessary condition of its rule (ftprep.engine.personal_data), so that
the rows it drops are rows the rules find nothing in:
- a card holds 13 digits with at most a space or a dash between two of them (a phone run);
- an IPv4 address holds a digit, a dot, digits, a dot, digits, a dot, a digit;
- a phone number is a run of phonenumbers' phone characters holding at least
  MIN_DIALLED digits, or a plus followed by MIN_INTERNATIONAL (personal_data.phone_possible).

Over a block's raw JSON lines, searched at C speed with a literal-led regex each: the
addresses over the lines translated to digit classes (secret_anchors.DIGIT_CLASSES), the
phone runs over a second translation that deletes the phone punctuation (so a run's digits
stand side by side: one literal search) and counts a non-ASCII character that may be a
digit or phone punctuation (in UTF-8) as a digit. A line holding a \\u escape (any character may hide in one) or a fullwidth
plus is always a candidate.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import typing as t

from ftprep.engine import secret_anchors, secrets_scan
from ftprep.engine.personal_data import MIN_DIALLED, MIN_INTERNATIONAL, phone_possible

# Over DIGIT_CLASSES' translation (digits b"0", separators b"."): an address's four parts.
_ADDRESS = re.compile(rb"0\.0{1,3}\.0{1,3}\.0")
# The phone runs: the ASCII phone punctuation and brackets (and a JSON escape's backslash) and
# UTF-8's continuation bytes are deleted, so that a run's digits stand side by side; digits,
# 'x' (parse reads three letters as keypad digits) and the first byte of every non-ASCII
# character that may be a digit (Unicode's Nd, which phonenumbers reads) or phone punctuation
# -> b"0"; '+' and the newline stay; the rest b"x". The first bytes of the scripts without
# digits (Latin-1's letters, Greek, Cyrillic, Hebrew, CJK, Hangul) break a run, as their
# letters do (tests/test_digit_rules.py checks every code point). A card's 13 digits, with a
# space or a dash between, are such a run too.
DIGIT_LEADS = frozenset([0xC2, 0xD9, 0xDB, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xEA, 0xEF, *range(0xF0, 0x100)])
PHONE_GONE = b" .()/-[]~\\" + bytes(range(0x80, 0xC0))
PHONE_CLASSES = bytes(ord("0") if chr(c).isdigit() and c < 128 or c == ord("x") or c in DIGIT_LEADS
                      else c if c in b"+\n" else ord("x") for c in range(256))
# A number without a plus (a candidate holds a plus only as its lead): MIN_DIALLED digits side
# by side; with one: the plus, then MIN_INTERNATIONAL digits (or pluses) side by side.
_DIALLED = re.compile(b"0" * MIN_DIALLED)
_INTERNATIONAL = re.compile(rb"\+[+0]{%d}" % MIN_INTERNATIONAL)
_ESCAPE = re.compile(rb"\\u")
# (the fullwidth plus's first byte counts as a digit, as the fullwidth digits': a line holding one is a candidate)
_FULLWIDTH_PLUS = re.compile("\uff0b".encode())
# The same bounds over a text: a card or an address (no lookarounds: a match in a window
# of a big text is one in the text).
_DIGIT_RULES = re.compile(r"[0-9](?:[ -]?[0-9]){12}|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")


def _rows_hit(pattern: re.Pattern[bytes], hay: bytes, ends: list[int], into: set[int]) -> None:
    """The rows (`ends`: one past each line's newline in `hay`) where `pattern` matches."""
    for m in pattern.finditer(hay):
        into.add(bisect.bisect_right(ends, m.start()))


def digit_rows(joined: bytes, translated: bytes, ends: list[int]) -> set[int]:
    """The rows of a block (`joined` lines, `translated` by DIGIT_CLASSES) whose runs
    of digits may hold a card, an IPv4 address or a phone number."""
    rows: set[int] = set()
    _rows_hit(_ADDRESS, translated, ends, rows)
    _rows_hit(_ESCAPE, joined, ends, rows)
    _rows_hit(_FULLWIDTH_PLUS, joined, ends, rows)
    phones = joined.translate(PHONE_CLASSES, PHONE_GONE)
    if _DIALLED.search(phones) is None and _INTERNATIONAL.search(phones) is None:
        return rows  # (the usual block: the line ends of the shortened lines are not needed)
    phone_ends = list(map(operator.add, itertools.accumulate(map(len, phones.split(b"\n"))), itertools.count(1)))
    _rows_hit(_DIALLED, phones, phone_ends, rows)
    _rows_hit(_INTERNATIONAL, phones, phone_ends, rows)
    return rows


def digits_hit(text: str) -> bool:
    """Whether a text whose only anchors are runs of digits holds a card, an IP address
    or a phone number: what `secrets_scan.scan_text` finds in it, asked only when a run
    is long enough for one of them."""
    if _DIGIT_RULES.search(text) is None and not (secret_anchors.PHONE_HINT.search(text) and phone_possible(text)):
        return False
    return bool(secrets_scan.scan_text(text))


__all__ = ["PHONE_CLASSES", "digit_rows", "digits_hit"]
