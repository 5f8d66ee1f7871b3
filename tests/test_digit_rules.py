"""The digit rules' cheap bounds: a text the phone bound (ftprep.engine.personal_data.phone_possible)
rules out is one phonenumbers' matcher finds no valid number in, so skipping the matcher
changes no finding (the bound's numbers and classes come from phonenumbers itself); and
the prefilter's rows whose only anchors are digit runs are exactly the rows with a hit."""

from __future__ import annotations

import json

import phonenumbers
import pytest
from hypothesis import given, settings, strategies as st
from phonenumbers import PhoneMetadata, phonenumbermatcher, phonenumberutil

from ftprep.engine import personal_data, secrets_scan, text_suspects
from ftprep.engine.text_suspects import suspect_rows


def _found(text: str) -> list[str]:
    return [m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID)]


def test_the_bound_is_no_larger_than_the_shortest_valid_number() -> None:
    shortest = min([len(str(PhoneMetadata.metadata_for_region(r).country_code))
                    + min(PhoneMetadata.metadata_for_region(r).general_desc.possible_length)
                    for r in phonenumbers.SUPPORTED_REGIONS]
                   + [len(str(cc)) + min(PhoneMetadata.metadata_for_nongeo_region(cc).general_desc.possible_length)
                      for cc in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS])
    us = PhoneMetadata.metadata_for_region("US")
    assert personal_data.MIN_INTERNATIONAL <= shortest
    assert personal_data.MIN_DIALLED <= min(min(us.general_desc.possible_length),
                                            len(us.international_prefix) + shortest)


def test_the_run_class_is_the_matchers() -> None:
    assert personal_data.PHONE_PUNCTUATION == phonenumberutil._VALID_PUNCTUATION
    assert personal_data.PHONE_LEADS == phonenumbermatcher._OPENING_PARENS
    assert personal_data.PLUS_CHARS == phonenumberutil._PLUS_CHARS


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["0", "1", "2", "5", "8", "9", "٣", " ", "-", ".", "(", ")", "+", "＋", "/", "x",
                                 "ext. ", "#", "a", "tel:", "Solve ", " * ", "011 ", "+43 ", "+1 ", "1-800-", "\n"]),
                max_size=24).map("".join))
def test_a_text_the_bound_rules_out_holds_no_phone_number(text: str) -> None:
    if not personal_data.phone_possible(text):
        assert _found(text) == []


def test_the_bound_keeps_real_numbers_and_drops_arithmetic() -> None:
    for text in ("call (650) 253-0000 now", "+43 1 58858", "011 44 20 7946 0958", "+49 30 901820"):
        assert _found(text), text  # (each is a valid number)
        assert personal_data.phone_possible(text), text
    for text in ("Solve 866 - 396. Show your reasoning. (ticket #199999)", "12.5 * 3.75 = 46.875", "x = 3, y = 4"):
        assert not personal_data.phone_possible(text), text


# Digit runs short and long, real numbers, cards and addresses, near misses (fake values).
PIECES = ["866", " - ", "396", "(650) 253-" + "0000", "+43 1 " + "58858", "4528 7316 " + "0294 5185", "8.8." + "4.4",
          "10.0.0.1", " ", ".", "-", "1", "07", "+", "x", "ext 5", "#12345", "a", "é", "\n", "jane" + "@acme-mail.com",
          "DE89 3704 0044 " + "0532 0130 00", "＋43 1 " + "58858", "（650）253‐" + "0000", "٦٥٠ ٢٥٣ ٠٠٠٠", "~", "[",
          "/", "x"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(TEXT, min_size=1, max_size=3), min_size=1, max_size=6), ascii_json=st.booleans())
def test_digit_suspects_are_exactly_the_rows_with_a_hit(rows: list[list[str]], ascii_json: bool) -> None:
    texts = [x for row in rows for x in row]
    lines = [json.dumps({"m": row}, ensure_ascii=ascii_json).encode() for row in rows]
    expected = {r for r, row in enumerate(rows) if any(map(secrets_scan.scan_text, row))}
    for few in (text_suspects.FEW_RUNS, 0):  # rows met one by one, and the block's search for long runs
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(text_suspects, "FEW_RUNS", few)
            assert suspect_rows(texts, [len(row) for row in rows], lines, ("secrets",)) == expected


def test_every_digit_and_phone_character_keeps_a_phone_run_going() -> None:
    """A character phonenumbers reads as a digit translates (in UTF-8) to one digit, and one it
    reads as phone punctuation to nothing, a digit or a plus: none breaks a run, none hides a digit."""
    from ftprep.engine.digit_runs import PHONE_CLASSES, PHONE_GONE

    phone = set(personal_data.PHONE_PUNCTUATION.replace("\\", "") + personal_data.PHONE_LEADS.replace("\\", "")
                + personal_data.PLUS_CHARS) | set("\u2010\u2011\u2012\u2013\u2014\u2015\uff0d\uff0e\uff0f")
    import re
    import sys

    digit = re.compile(r"\d")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000 or not (digit.match(c) or c in phone):
            continue
        seen = c.encode().translate(PHONE_CLASSES, PHONE_GONE)
        if digit.match(c) or c == "x":
            assert seen == b"0", (hex(cp), seen)
        else:
            assert seen in (b"", b"0", b"+"), (hex(cp), seen)
