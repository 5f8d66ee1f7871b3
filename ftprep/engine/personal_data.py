"""Personal data in the training text (Q011-Q015), and the hits every text rule gives.

E-mail addresses (not the reserved documentation domains of RFC 2606/6761),
phone numbers (`phonenumbers`, valid numbers only), card numbers (an issuer
prefix and the Luhn check), IBANs (the ISO 13616 mod-97 check) and public IPv4
addresses (not private, loopback or documentation). Each rule runs only when
the text holds its anchor (ftprep.engine.secret_anchors); phonenumbers is
imported the first time a phone-like run is seen.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import typing as t

from ftprep.engine.secret_anchors import PHONE_HINT, labels


class Hit(t.NamedTuple):
    code: str       # Q010 (a credential) or the personal-data code of its kind
    kind: str       # words: "an AWS access key"
    label: str      # the typed placeholder convert --redact writes: "AWS_ACCESS_KEY"
    start: int
    end: int



_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@((?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24})\b")
_RESERVED = re.compile(r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost|local)$", re.IGNORECASE)
_CARD = re.compile(r"(?<![0-9-])(?:[0-9][ -]?){12,18}[0-9](?![0-9-])")
CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|6011|65|35|3[068]")
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b")
_IPV4 = re.compile(r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\w|\.\d)")


PERSONAL = {"Q011": ("an e-mail address", "EMAIL"), "Q012": ("a phone number", "PHONE"),
            "Q013": ("a card number", "CARD_NUMBER"), "Q014": ("an IBAN", "IBAN"),
            "Q015": ("an IP address", "IP_ADDRESS")}



def personal(text: str, present: t.Collection[str] | None = None) -> list[Hit]:
    """Every piece of personal data in `text` (`present` as for `credentials`)."""
    hits: list[Hit] = []
    present = labels(text) if present is None else present
    if "@" in present:
        hits += [Hit("Q011", *PERSONAL["Q011"], m.start(), m.end()) for m in _emails(text)
                 if not _RESERVED.search(m.group(1))]
    if "DIGITS" not in present:  # nothing but an IBAN can be left
        if "IBAN" in present:
            hits += [Hit("Q014", *PERSONAL["Q014"], m.start(), m.end()) for m in _IBAN.finditer(text) if iban(m.group())]
        return disjoint(hits)
    # IBANs before cards: an IBAN's account digits can pass the Luhn check (1 in 10), its mod-97 check is the surer.
    hits += [Hit("Q014", *PERSONAL["Q014"], m.start(), m.end()) for m in _IBAN.finditer(text) if iban(m.group())]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and CARD_PREFIX.match(digits) and luhn(digits):
            hits.append(Hit("Q013", *PERSONAL["Q013"], m.start(), m.end()))
    for m in _IPV4.finditer(text):
        try:
            if ipaddress.IPv4Address(m.group()).is_global:
                hits.append(Hit("Q015", *PERSONAL["Q015"], m.start(), m.end()))
        except ValueError:
            pass
    if PHONE_HINT.search(text) and phone_possible(text):
        import phonenumbers

        hits += [Hit("Q012", *PERSONAL["Q012"], m.start, m.end)
                 for m in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID)]
    return disjoint(hits)


# A phone number the matcher finds is a run of digits, its punctuation, brackets and
# plus signs (phonenumbers' own classes; an extension follows, its digits are not the
# number's). A valid number has at least MIN_DIALLED digits without a plus (a NANPA
# number has 10, one dialled through the US international prefix 011 has 3 more than
# the shortest international number) and MIN_INTERNATIONAL with one (the shortest
# country code and national number: +43 1234). A run with fewer digits cannot hold a
# match, and the matcher (milliseconds a candidate) is not asked: arithmetic such as
# "866 - 396" is not a phone number. tests/test_secrets_scan.py derives both numbers
# from the metadata.
MIN_DIALLED, MIN_INTERNATIONAL = 9, 6
# (phonenumbers' _VALID_PUNCTUATION, _OPENING_PARENS and _PLUS_CHARS, as its matcher puts them in a class)
PHONE_PUNCTUATION = ("-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000()\uff08\uff09\uff3b\uff3d"
                     ".\\[\\]/~\u2053\u223c\uff5e")
PHONE_LEADS, PLUS_CHARS = "(\\[\uff08\uff3b", "+\uff0b"
_PHONE_RUN = re.compile(f"[{PHONE_PUNCTUATION}{PHONE_LEADS}{PLUS_CHARS}\\d]{{{MIN_INTERNATIONAL},}}")
_DIGIT = re.compile(r"[\dx]")  # (parse reads a number with three letters as keypad digits: an x may be one)


def phone_possible(text: str) -> bool:
    """Whether `text` holds a run of phone characters with enough digits for a valid number."""
    for m in _PHONE_RUN.finditer(text):
        run = m.group()
        digits = len(_DIGIT.findall(run))
        if digits >= MIN_DIALLED or (digits >= MIN_INTERNATIONAL and any(c in run for c in PLUS_CHARS)):
            return True
    return False


def _emails(text: str) -> list[re.Match[str]]:
    """The e-mail addresses of `text`, each searched in a window around its '@' (a
    local part has at most 64 characters; a domain longer than 300 is cut there)."""
    out: list[re.Match[str]] = []
    done, at = 0, text.find("@")
    while at >= 0:
        m = _EMAIL.search(text, max(done, at - 70), at + 300)
        if m is not None and m.start() <= at < m.end():
            out.append(m)
            done = m.end()
        at = text.find("@", max(at + 1, done))
    return out


def disjoint(hits: list[Hit]) -> list[Hit]:
    """Hits in text order, dropping any that overlaps one kept before it (earlier in the list wins)."""
    if any(h.end <= h.start for h in hits):  # an empty hit breaks the neighbour argument below
        kept: list[Hit] = []
        for h in hits:
            if all(h.end <= k.start or h.start >= k.end for k in kept):
                kept.append(h)
        return sorted(kept, key=lambda h: h.start)
    # The kept hits are disjoint and in text order, so a new hit that overlaps any of them
    # overlaps one of the two around its start: a text with thousands of hits stays linear.
    starts: list[int] = []
    ordered: list[Hit] = []
    for h in hits:
        i = bisect.bisect_right(starts, h.start)
        if (i and ordered[i - 1].end > h.start) or (i < len(ordered) and ordered[i].start < h.end):
            continue
        starts.insert(i, h.start)
        ordered.insert(i, h)
    return ordered


def luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def iban(value: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1."""
    s = value.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1
