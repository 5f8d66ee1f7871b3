"""Documented example values are no finding; a real-looking value one digit off still is.
And near duplicates compare what the model learns to write, not the shared system prompt.

Values are assembled from pieces, so that this file is not itself a finding to a scanner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ftprep
from ftprep.engine import example_values, personal_data, secrets_scan
from ftprep.engine.near_duplicates import Signatures, system_text, text_of

# Each documented value, as docs and tutorials quote it, with the code its rule gives.
DOCUMENTED = {
    "aws-key": ("Q010", "AKIA" + "IOSFODNN7EXAMPLE"),
    "aws-key-2": ("Q010", "AKIA" + "I44QH8DHBEXAMPLE"),
    "aws-secret": ("Q010", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"),
    "jwt-io": ("Q010", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
               "IjoxNTE2MjM5MDIyfQ." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    "visa-4242": ("Q013", "4242 4242 4242 4242"),
    "visa-4111": ("Q013", "4111 1111 1111 1111"),
    "mastercard": ("Q013", "5555-5555-5555-4444"),
    "amex": ("Q013", "378282246310005"),
    "discover": ("Q013", "6011 1111 1111 1117"),
    "diners": ("Q013", "3056 9300 0902 0004"),
    "jcb": ("Q013", "3566 0020 2036 0505"),
    "iban-de": ("Q014", "DE89 3704 0044 0532 0130 00"),
    "iban-gb-ecbs": ("Q014", "GB82 WEST 1234 5698 7654 32"),
    "iban-gb": ("Q014", "GB29NWBK60161331926819"),
    "iban-fr": ("Q014", "FR14 2004 1010 0505 0001 3M02 606"),
    "phone-555": ("Q012", "(212) 555-0123"),
    "phone-555-intl": ("Q012", "+1 415-555-0199"),
}
# One digit off each kind, the check digit recomputed, so that the rule's own check still holds.
REAL_LOOKING = {
    "aws-key": ("Q010", "AKIA" + "IOSFODNN7EXAMPLF"),
    "jwt": ("Q010", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkxIiwibmFtZSI6IkpvaG4gRG9lIn0."
            + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    "visa": ("Q013", "4242 4242 4242 4259"),
    "visa-4111": ("Q013", "4111 1111 1111 1129"),
    "mastercard": ("Q013", "5555 5555 5555 4451"),
    "iban-de": ("Q014", "DE62 3704 0044 0532 0130 01"),
    "phone": ("Q012", "(212) 555-0212"),
}


def _row(value: str) -> dict[str, str]:
    return {"instruction": "Show me an example", "output": f"Here it is: {value} -- as the docs say."}


def _codes(value: str) -> list[str]:
    return [h.code for h in secrets_scan.scan_text(_row(value)["output"])]


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_a_documented_value_matches_its_rule_but_is_no_finding(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, value = DOCUMENTED[name]
    assert _codes(value) == []
    # Without the list the rule fires: the entry is what stops it, not a rule that misses it.
    monkeypatch.setattr(secrets_scan, "documented", lambda *_: False)
    assert _codes(value) == [code]


@pytest.mark.parametrize("name", sorted(REAL_LOOKING))
def test_a_value_one_digit_off_still_fires(name: str) -> None:
    code, value = REAL_LOOKING[name]
    assert _codes(value) == [code]


def test_every_listed_card_and_iban_would_fire_without_the_list() -> None:
    """The lists hold no value the rules would pass anyway (a typo in a PAN fails its Luhn check)."""
    for card in example_values.TEST_CARDS:
        assert personal_data.luhn(card) and personal_data.CARD_PREFIX.match(card), card
    for number in example_values.EXAMPLE_IBANS:
        assert personal_data.iban(number), number


@pytest.mark.parametrize("value", sorted(example_values.TEST_CARDS | example_values.EXAMPLE_IBANS))
def test_every_listed_card_and_iban_is_no_finding_and_is_not_redacted(value: str) -> None:
    text = f"The docs use {value} in this example."
    assert secrets_scan.scan_text(text) == []
    assert secrets_scan.redact(text) == (text, {})


def _write(tmp_path: Path, rows: list[dict[str, object]], name: str = "in.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_check_passes_documented_values_and_convert_redact_leaves_them(tmp_path: Path) -> None:
    rows = [_row(value) for _, value in DOCUMENTED.values()]
    p = _write(tmp_path, rows)
    report = ftprep.check(str(p), task="text", min_rows=1)
    assert [d.code for d in report.files[0].diagnostics if d.code.startswith("Q01")] == []
    out = tmp_path / "out.jsonl"
    ftprep.convert(str(p), str(out), task="text", redact=True, min_rows=1)
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["output"] for r in written] == [r["output"] for r in rows]


def test_check_and_redact_still_catch_the_real_looking_values(tmp_path: Path) -> None:
    p = _write(tmp_path, [_row(value) for _, value in REAL_LOOKING.values()])
    report = ftprep.check(str(p), task="text", min_rows=1)
    found = {d.code for d in report.files[0].diagnostics}
    assert {"Q010", "Q012", "Q013", "Q014"} <= found
    out = tmp_path / "out.jsonl"
    ftprep.convert(str(p), str(out), task="text", redact=True, min_rows=1)
    text = out.read_text()
    assert all(value not in text for _, value in REAL_LOOKING.values())


# --- near duplicates: the system prompt is shared by design ---------------------------------
SYSTEM = " ".join(f"rule{i}" for i in range(60))  # 60 words, the same in every row


def _chat(system: str, question: str, answer: str) -> dict[str, object]:
    return {"conversations": [{"role": "system", "content": system}, {"role": "user", "content": question},
                              {"role": "assistant", "content": answer}]}


def test_rows_that_share_a_long_system_prompt_are_not_near_duplicates(tmp_path: Path) -> None:
    rows = [_chat(SYSTEM, f"What is the capital of country number {i} on the list?",
                  f"It is city {i} {i * 7}.") for i in range(50)]
    report = ftprep.check(str(_write(tmp_path, rows)), task="chat", near_duplicates=True)
    assert "Q001" not in [d.code for d in report.files[0].diagnostics]
    # Counted in, the shared prompt alone would make every row a near duplicate of the first.
    sigs = Signatures()
    for i, r in enumerate(rows):
        sigs.add(i, text_of([r["conversations"]], system=True))
    (group,) = sigs.groups()
    assert group.first == 0 and len(group.others) == 49


def test_same_trained_text_under_different_system_prompts_is_a_near_duplicate(tmp_path: Path) -> None:
    """D001 keys on the whole trained column, system message included, so these rows are not
    exact duplicates to it; the text the model learns is the same, so they are one Q001 group."""
    question, answer = "How do I reverse a list in Python quickly?", "Call reversed on it or slice it with a step of minus one."
    rows = [_chat("You are a helpful assistant.", question, answer), _chat("Answer as a pirate would.", question, answer),
            _chat(SYSTEM, "Something else entirely, a new question here", "And a different answer to it, too.")]
    codes = [(d.code, d.line) for d in ftprep.check(str(_write(tmp_path, rows)), task="chat", near_duplicates=True).files[0].diagnostics]
    assert ("Q001", 1) in codes or ("Q001", 2) in codes
    assert "D001" not in [c for c, _ in codes]


def test_rows_equal_with_their_system_prompt_stay_d001_only(tmp_path: Path) -> None:
    row = _chat("You are a helpful assistant.", "How do I reverse a list in Python quickly?",
                "Call reversed on it or slice it with a step of minus one.")
    codes = [d.code for d in ftprep.check(str(_write(tmp_path, [row, row])), task="chat", near_duplicates=True).files[0].diagnostics]
    assert "D001" in codes and "Q001" not in codes


def test_system_messages_are_left_out_by_any_role_key() -> None:
    conversation = [{"from": "system", "value": "shared prompt"}, {"from": "human", "value": "q"},
                    {"role": "System", "content": "another"}, {"from": "gpt", "value": "a"}]
    assert text_of([conversation]) == "q\na"
    assert "shared prompt" in text_of([conversation], system=True)
    assert system_text([conversation]) == "shared prompt\nanother"


def test_an_eval_row_with_the_same_trained_text_is_an_exact_leak(tmp_path: Path) -> None:
    """Q002 compares the trained text on both sides: the same system prompt and answer in
    the evaluation file is an exact leak, and so is the same answer under another prompt."""
    question, answer = "How do I reverse a list in Python quickly?", "Call reversed on it or slice it with a step of minus one."
    train = _write(tmp_path, [_chat(SYSTEM, question, answer),
                              _chat(SYSTEM, "A wholly different question about sorting", "Use sorted with a key function.")])
    for name, system in (("same.jsonl", SYSTEM), ("other.jsonl", "Answer briefly.")):
        ref = _write(tmp_path, [_chat(system, question, answer)], name)
        found = [(d.code, d.line) for d in ftprep.check(str(train), task="chat", eval=str(ref), min_rows=1).files[0].diagnostics]
        assert ("Q002", 1) in found and all(line != 2 for c, line in found if c in ("Q002", "Q003")), (name, found)
