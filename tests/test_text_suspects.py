"""The fast path's one prefilter (ftprep.engine.text_suspects): a planted finding is
found anywhere in a block of clean texts; a deselected family costs nothing;
the rules stay linear on huge texts; the dataset-level junk codes (Q021, Q026)
keep to their thresholds; redacted placeholders are not V010."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.engine import secrets_scan, text_suspects
from ftprep.engine.text_suspects import suspect_rows
from ftprep.tasks import junk, placeholders

# Assembled at run time, so that this file is not itself a secret to a scanner (fake values).
PLANTS = {
    "aws": "AKIA" + "QX4MPLE7ZT3K2FWN",
    "github": "ghp_" + "R7kLmN2pQ9sT4vW8xY1zA3bC5dE6fG0hJ2kL",
    "keylike": "api_key = " + "Zx9vLq2Rt7Wk4Pm8Ns3Bd",
    "email": "jane.doe" + "@acme-mail.com",
    "card": "4528 7316 " + "0294 5185",
    "ip": "8.8." + "4.4",
    "refusal": "As an AI language model, I cannot do that.",
    "placeholder": "Dear {{customer_name}}, thanks.",
    "mojibake": "Le cafÃ© est bon.",
    "fffd": "bytes lost \ufffd here",
}
CLEAN = st.text(alphabet=st.sampled_from(list("abcdefghij klmnopqrstuvwxyz,.éü")), max_size=60)


def _lines(texts: list[str], ascii_json: bool = True) -> list[bytes]:
    return [json.dumps({"text": x}, ensure_ascii=ascii_json).encode() for x in texts]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clean=st.lists(CLEAN, min_size=1, max_size=12), kind=st.sampled_from(sorted(PLANTS)),
       where=st.integers(min_value=0), prefix=CLEAN, suffix=CLEAN, ascii_json=st.booleans())
def test_a_planted_finding_is_found_anywhere_in_a_block(clean: list[str], kind: str, where: int, prefix: str,
                                                        suffix: str, ascii_json: bool) -> None:
    k = where % (len(clean) + 1)
    texts = [*clean[:k], f"{prefix} {PLANTS[kind]} {suffix}", *clean[k:]]
    found = suspect_rows(texts, 1, _lines(texts, ascii_json))
    assert k in found
    # ... and every row it sends on holds a finding by the full rules
    for r in found:
        x = texts[r]
        assert secrets_scan.scan_text(x) or junk.marked(x) or placeholders.placeholder(x) or \
            junk.loop(x) or junk.unclosed_fence(x)


def test_clean_texts_are_not_suspects() -> None:
    texts = ["The key idea: water evaporates.", "Tokens are counted per row.", "Call me at noon, case-101."]
    assert suspect_rows(texts, 1, _lines(texts)) == set()


def test_a_deselected_family_is_never_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps({"instruction": "q", "output": f"Write to {PLANTS['email']} ({i})."}) + "\n"
                         for i in range(3)), encoding="utf-8")
    assert {d.code for d in ftprep.check(str(p), task="text", min_rows=1).diagnostics} == {"Q011"}

    def refuse(text: str) -> None:
        raise AssertionError("a deselected rule ran")

    monkeypatch.setattr(secrets_scan, "scan_text", refuse)
    monkeypatch.setattr(junk, "marked", refuse)
    assert ftprep.check(str(p), task="text", min_rows=1, ignore="Q").diagnostics == []


def test_families_follow_the_selection() -> None:
    from ftprep.core.options import Options

    assert text_suspects.families(Options(ignore="Q")) == {"placeholders"}
    assert text_suspects.families(Options(select="Q026")) == {"junk", "truncation"}
    assert text_suspects.families(Options()) == set(text_suspects.FAMILIES)


def test_huge_texts_cost_linear_time() -> None:
    """An anchor-free 32 MB text and one with an anchor at its end: the rules search
    windows around anchors only, so neither costs more than a few C-level passes."""
    start = time.process_time()
    assert secrets_scan.scan_text("x" * (32 << 20)) == []
    hits = secrets_scan.scan_text("x " * (8 << 20) + PLANTS["email"] + " BEGIN" * 1000)
    assert [h.code for h in hits] == ["Q011"]
    assert time.process_time() - start < 3.0


def test_redacted_placeholders_are_not_v010(tmp_path: Path) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text("".join(json.dumps({"instruction": "q", "output": f"Mail {PLANTS['email']}, key {PLANTS['aws']}, "
                                       f"card {PLANTS['card']} ({i})."}) + "\n" for i in range(2)), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert ftprep.convert(str(src), str(out), task="text", min_rows=1, redact=True).written
    text = out.read_text(encoding="utf-8")
    assert "<EMAIL>" in text and "<AWS_ACCESS_KEY>" in text and "<CARD_NUMBER>" in text
    assert [d.code for d in ftprep.check(str(out), task="text", min_rows=1).diagnostics] == []


def test_every_redaction_label_is_a_non_slot() -> None:
    labels = {plugin[3] for plugin in secrets_scan._PLUGINS} | {label for _, _, label in secrets_scan._OWN}
    labels |= {"JWT", "SECRET"} | {label for _, label in secrets_scan.PERSONAL.values()}
    assert labels <= placeholders._NOT_SLOTS


def _text_file(tmp_path: Path, outputs: list[str]) -> str:
    p = tmp_path / "t.jsonl"
    p.write_text("".join(json.dumps({"instruction": f"q{i}", "output": o}) + "\n" for i, o in enumerate(outputs)),
                 encoding="utf-8")
    return str(p)


def _codes(path: str, **kw: object) -> list[str]:
    return sorted(d.code for d in ftprep.check(path, task=kw.pop("task", "text"), min_rows=1, **kw).diagnostics)


def test_truncation_needs_many_cut_answers_of_one_length(tmp_path: Path) -> None:
    fine = [f"Answer {i}: it rains." for i in range(40)]
    cut = "It rains because the water evaporates from the warm sea and th"
    # cut at one length, in 10% of the answers: Q026
    assert _codes(_text_file(tmp_path, fine[:36] + [cut] * 4 + [cut.replace("It", "So")] * 1)) == ["Q026"]
    # as many answers ending mid-word, all of different lengths: real answers, not a cut
    varied = [" ".join(["word"] * (i + 2)) for i in range(8)]
    assert _codes(_text_file(tmp_path, fine[:32] + varied)) == []
    # a single answer ending mid-word says nothing
    assert _codes(_text_file(tmp_path, fine[:39] + [cut])) == []
    # labels end on a letter and share their length by nature: short answers are no cut
    assert _codes(_text_file(tmp_path, fine[:20] + ["positive", "negative"] * 10)) == []
    # fewer than 20 answers say nothing either
    assert _codes(_text_file(tmp_path, fine[:10] + [cut] * 6)) == []
    # deselected: not counted
    assert _codes(_text_file(tmp_path, fine[:36] + [cut] * 5), ignore="Q026") == []


def test_refusal_share_has_a_threshold(tmp_path: Path) -> None:
    refusal = "I'm sorry, but I can't help with that."
    fine = [f"Answer {i}: it rains." for i in range(400)]
    assert _codes(_text_file(tmp_path, fine[:390] + [refusal] * 10)) == ["Q020", "Q021"]  # 2.5%
    assert _codes(_text_file(tmp_path, fine[:392] + [refusal] * 8)) == ["Q020"]  # 2%: not over
    assert _codes(_text_file(tmp_path, fine[:36] + [refusal] * 4)) == ["Q020"]  # 10%, but fewer than 5
