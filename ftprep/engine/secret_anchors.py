"""The anchors of the credential and personal-data rules (ftprep.engine.secrets_scan):
the literals, digit runs and IBAN heads that every match of a rule holds.

A text without any anchor is never searched by the rules, which keeps them
linear and cheap on huge texts, and lets the fast path (ftprep.engine.text_suspects)
find candidates in a whole block with one automaton and one translate.
"""

from __future__ import annotations

import re
import typing as t

# Each rule runs only on a text holding one of its anchors (as gitleaks' keywords):
# literals every match of the rule holds, as the rule spells them (its case), or
# in lower case, capitalised or upper case for the rules that ignore case.
_KEYWORDS = {"AWS_ACCESS_KEY": ("A3T", "ABIA", "ACCA", "AKIA", "ASIA", "aws", "Aws", "AWS"),
             "AZURE_STORAGE_KEY": ("AccountKey=",),
             "GITHUB_TOKEN": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
             "GITLAB_TOKEN": ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "GR1348941", "glcbt-", "glimt-", "glptt-",
                              "glagent-", "gloas-"),
             "SLACK_TOKEN": tuple(_casing for k in "abposr" for _casing in (f"xox{k}-", f"Xox{k}-", f"XOX{k.upper()}-"))
                             + ("hooks.slack", "Hooks.slack", "HOOKS.SLACK"),
             "STRIPE_KEY": ("rk_live_", "sk_live_"), "OPENAI_KEY": ("T3BlbkFJ", "sk-proj-", "sk-svcacct-", "sk-admin-"),
             "SENDGRID_KEY": ("SG.",), "PYPI_TOKEN": ("pypi-Ag",), "NPM_TOKEN": ("_authToken=",),
             "SQUARE_SECRET": ("sq0csp-",), "URL_PASSWORD": ("://",), "GCP_API_KEY": ("AIza",),
             "ANTHROPIC_KEY": ("sk-ant-",), "HF_TOKEN": ("hf_",), "PRIVATE_KEY": ("PRIVATE KEY",), "JWT": ("eyJ",)}
# What follows a key-like name's anchor word before its ':' or '=': the rest of the
# name ("passw" of "password", "secret" of "secret_key"), a quote, spaces; in a JSON
# line the quote and the spaces may be escapes.
_SEPARATOR = re.compile(r"[\w-]{0,8}[\"']?\s{0,8}[:=]", re.ASCII)
_SEPARATOR_JSON = re.compile(rb"[\w-]{0,8}(?:\\?[\"'])?(?:\s|\\[nrt]){0,8}[:=]")
# The anchors: every credential rule holds one of its keywords (above) in lower case,
# capitalised or upper case, and a key-like name holds one of these words; every
# personal-data rule holds an '@' or a run of digits (DIGIT_RUN) or an IBAN's head.
# A text without any is never searched further, which keeps the rules linear and
# cheap on huge texts (and lets the fast path find candidates with one automaton).
_KEYLIKE_WORDS = ("key", "secret", "token", "passw", "pwd")


def _casings(words: t.Iterable[str]) -> list[str]:
    return sorted({w for word in words for w in (word, word.capitalize(), word.upper())})


# Anchor -> what it opens: a rule's label, "SECRET" (a key-like name), "@" (an e-mail).
_LABEL_OF = {**{k: label for label, ks in _KEYWORDS.items() for k in ks},
             **{w: "SECRET" for w in _casings(_KEYLIKE_WORDS)}, "@": "@"}
CREDENTIAL_ANCHORS = sorted(_LABEL_OF)
KEYLIKE_ANCHORS = frozenset(a for a, label in _LABEL_OF.items() if label == "SECRET")
# Digits and the separators a phone, card or IP address holds; and an IBAN's country and check digits.
DIGIT_RUN = re.compile(r"[0-9][0-9 .()/+-]{5,}[0-9]|[A-Z]{2}[0-9]{2}")
PHONE_HINT = re.compile(r"[0-9][0-9 .()/-]{5,}[0-9]")
# DIGIT_RUN over bytes translated so that digits are b"0", its separators (and the
# backslash of a JSON escape) b".", capitals b"A" and all else b"x": the same runs, found
# at the speed of a search for the literal b"0" or b"A".
DIGIT_CLASSES = bytes(ord("0") if chr(c).isdigit() and c < 128 else ord(".") if chr(c) in " .()/+-\\"
                      else ord("A") if 65 <= c <= 90 else ord("x") for c in range(256))
DIGITS_IN_BYTES = re.compile(rb"0[0.]{5,}0")  # (an alternation would lose re's literal-prefix search)
IBAN_IN_BYTES = b"AA00"
# Texts longer than this are searched only in windows around their anchors (linear in the text).
BIG = 1 << 16
WINDOW_BEFORE, WINDOW_AFTER = 256, 8192

def anchors(text: str) -> list[tuple[int, str]]:
    """Where `text` holds an anchor (above), in characters, with what it opens
    ("DIGITS": a run of digits; "IBAN": an IBAN's head); empty: nothing to search."""
    # An ASCII text is searched as bytes (offsets are the same): the bytes automaton
    # and a translate with a literal-led regex are many times faster than on str.
    ascii_text = text.isascii()
    hay: str | bytes = text.encode("ascii") if ascii_text else text
    found = [(at, label) for k, at, end in _automaton(ascii_text).find_matches_as_indexes(hay, overlapping=True)
             if (label := _LABEL_OF[CREDENTIAL_ANCHORS[k]]) != "SECRET" or separated(text, end)]
    if ascii_text:
        translated = t.cast(bytes, hay).translate(DIGIT_CLASSES)
        found += [(m.start(), "DIGITS") for m in DIGITS_IN_BYTES.finditer(translated)]
        at = translated.find(IBAN_IN_BYTES)
        while at >= 0:
            found.append((at, "IBAN"))
            at = translated.find(IBAN_IN_BYTES, at + 1)
    else:
        found += [(m.start(), "IBAN" if m.group()[:1].isalpha() else "DIGITS") for m in DIGIT_RUN.finditer(text)]
    return found


def separated(text: str | bytes, end: int) -> bool:
    """Whether a ':' or '=' follows a key-like name's anchor ending at `end` (a text, or a JSON line)."""
    if isinstance(text, str):
        return _SEPARATOR.match(text, end) is not None
    return _SEPARATOR_JSON.match(text, end) is not None


def labels(text: str) -> set[str]:
    """The labels whose anchors `text` holds."""
    return {label for _, label in anchors(text)}


def windows(points: list[int], n: int) -> t.Iterator[tuple[int, int]]:
    """The spans WINDOW_BEFORE before to WINDOW_AFTER after each point, overlapping ones merged."""
    start, end = -1, -1
    for p in points:
        lo, hi = max(0, p - WINDOW_BEFORE), min(n, p + WINDOW_AFTER)
        if lo > end:
            if end > start:
                yield start, end
            start = lo
        end = max(end, hi)
    if end > start:
        yield start, end


_automata: dict[bool, t.Any] = {}


def _automaton(over_bytes: bool) -> t.Any:
    """The anchors' automaton over bytes (ASCII texts) or over str (built once each)."""
    if over_bytes not in _automata:
        import ahocorasick_rs

        dfa = ahocorasick_rs.Implementation.DFA
        _automata[over_bytes] = (ahocorasick_rs.BytesAhoCorasick([a.encode() for a in CREDENTIAL_ANCHORS], implementation=dfa)
                                 if over_bytes else ahocorasick_rs.AhoCorasick(CREDENTIAL_ANCHORS, implementation=dfa))
    return _automata[over_bytes]


__all__ = ["BIG", "CREDENTIAL_ANCHORS", "DIGITS_IN_BYTES", "DIGIT_CLASSES", "DIGIT_RUN", "IBAN_IN_BYTES",
           "KEYLIKE_ANCHORS", "PHONE_HINT", "anchors", "labels", "separated", "windows"]
