"""The phone rule's digit bound (ftprep.engine.personal_data.phone_possible): a text it
rules out is one phonenumbers' matcher finds no valid number in, so skipping the matcher
changes no finding; the bound's numbers and classes come from phonenumbers itself."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings, strategies as st
from phonenumbers import PhoneMetadata, phonenumbermatcher, phonenumberutil

from ftprep.engine import personal_data


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
