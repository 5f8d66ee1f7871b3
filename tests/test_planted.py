"""The planted datasets of sample_data/quality/: each planted problem is found, at its
line, and nothing else is (the clean rows around them hold look-alikes: a
documentation e-mail and IP, a private IP, an API key read from the environment,
an order number that fails the Luhn check, a refusal in a user turn or in a
DPO rejected answer, closed code fences, a short prompt the detector cannot judge).

README's "Data quality" subsection runs these files; the expectations here are
the planted rows, written by hand, not a recorded report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main

QUALITY = Path(__file__).parent.parent / "sample_data" / "quality"
CHAT = QUALITY / "planted_chat.jsonl"
DPO = QUALITY / "planted_dpo.jsonl"

# code -> the lines it stands for (a file-level finding has none).
CHAT_PLANTED = {
    "Q010": (6, 42),        # an AWS access key; a password in a database URL
    "Q011": (9,),           # a personal e-mail address
    "Q012": (17,),          # a French mobile number
    "Q013": (22,),          # a Luhn-valid Visa number
    "Q014": (27,),          # a valid British IBAN
    "Q015": (34,),          # a public IPv4 address
    "Q020": (12, 40),       # "I'm sorry, but I can't", "As an AI language model"
    "Q022": (14,),          # "CafÃ©", UTF-8 read as Windows-1252
    "Q023": (31,),          # U+FFFD where bytes were lost
    "Q024": (25,),          # an answer ending in a loop
    "Q025": (37,),          # a code fence never closed
    "V010": (45,),          # lorem ipsum in the answer
    "D001": (48,),          # line 30 again, exactly
}
NEAR_PLANTED = {"Q001": (3, 20)}  # the same answer, its last words reworded
DPO_PLANTED = {
    "Q030": (),             # chosen longer in 24 of 26 pairs
    "Q031": (8, 21),        # French and German answers to English prompts
}


def found(report: ftprep.Report) -> dict[str, tuple[int, ...]]:
    """Each code reported, with the lines its findings stand for, in order (a
    near-duplicate group is at its first line and lists the others)."""
    out: dict[str, set[int]] = {}
    for d in report.diagnostics:
        out.setdefault(d.code, set()).update(d.lines or (), () if d.line is None else (d.line,))
    return {code: tuple(sorted(lines)) for code, lines in out.items()}


def test_every_planted_chat_problem_is_found_and_nothing_else() -> None:
    report = ftprep.check(str(CHAT), task="chat", min_rows=1)
    assert found(report) == CHAT_PLANTED
    assert report.rows == 66


def test_near_duplicates_add_only_the_planted_pair() -> None:
    report = ftprep.check(str(CHAT), task="chat", min_rows=1, near_duplicates=True)
    assert found(report) == {**CHAT_PLANTED, **NEAR_PLANTED}
    q001 = next(d for d in report.diagnostics if d.code == "Q001")
    assert q001.message.startswith("2 rows are near duplicates") and "line 20" in q001.message


def test_every_planted_dpo_problem_is_found_and_nothing_else() -> None:
    report = ftprep.check(str(DPO), min_rows=1)
    assert report.files[0].task == "dpo"
    assert found(report) == DPO_PLANTED
    bias = next(d for d in report.diagnostics if d.code == "Q030")
    assert "92% of 26 pairs" in bias.message


def test_secrets_are_masked_in_the_report() -> None:
    """The report names the key's kind and a masked preview, never the key itself."""
    text = CHAT.read_text(encoding="utf-8")
    report = ftprep.check(str(CHAT), task="chat", min_rows=1, select=["Q010"])
    secrets = [d.message for d in report.diagnostics]
    assert len(secrets) == 2
    for planted in ("AKIAGPRQSE4T5ZZHQOUW", "Vq8sLm2TzR4k"):
        assert planted in text
        assert not any(planted in m for m in secrets)


@pytest.mark.parametrize(("path", "args"), [(CHAT, {"task": "chat", "near_duplicates": True}), (DPO, {})],
                         ids=["chat", "dpo"])
def test_fast_and_explain_paths_agree_on_planted_files(path: Path, args: dict) -> None:
    fast = ftprep.check(str(path), min_rows=1, **args).to_json()
    slow = ftprep.check(str(path), min_rows=1, explain_all=True, **args).to_json()
    assert fast == slow


def test_exit_codes_follow_the_planted_severities(capsys: pytest.CaptureFixture[str]) -> None:
    """The chat file holds credentials (errors: exit 1); the DPO file only warnings (exit 0)."""
    assert main(["check", str(CHAT), "--task", "chat", "--min-rows", "1", "--isolated", "-q"]) == 1
    assert main(["check", str(CHAT), "--task", "chat", "--min-rows", "1", "--isolated", "-q", "--ignore", "Q010"]) == 0
    assert main(["check", str(DPO), "--min-rows", "1", "--isolated", "-q"]) == 0
    capsys.readouterr()
