"""One conversation of 1,000, 10,000 and 100,000 messages converts to exactly the
rows expected: ShareGPT roles mapped, masked middle turns kept (C019), the masked
tail cut (C020), every e-mail redacted (Q016), mistral_v3_tekken's alternation
checked. These are the paths that were quadratic in the row's length (the masked
turns, the cached alternating role lists, the overlap test of a text's secrets);
the costs are in benchmarks/bench_convert.py, not asserted here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ftprep
from ftprep.engine.personal_data import Hit, disjoint
from ftprep.engine.secrets_scan import masked, redact
from ftprep.tasks.chat_rules import alternating, is_clean


def _source(n: int) -> dict:
    """ShareGPT turns; every fourth turn a masked gpt turn, the last gpt turn masked too."""
    turns = []
    for i in range(n):
        if i % 2 == 0:
            turns.append({"from": "human", "value": f"question {i}: write to ann{i}@gmail.com please"})
        else:
            turn = {"from": "gpt", "value": f"answer {i}"}
            if i % 4 == 3 or i == n - 1:
                turn["weight"] = 0
            turns.append(turn)
    return {"conversations": turns}


def _expected(n: int) -> dict:
    """The source turns up to the last trained one, mapped and redacted, weights dropped."""
    out = []
    for i in range(n - 2):  # the last user turn and the masked tail after it are cut
        if i % 2 == 0:
            out.append({"role": "user", "content": f"question {i}: write to <EMAIL> please"})
        else:
            out.append({"role": "assistant", "content": f"answer {i}"})
    return {"conversations": out}


@pytest.mark.parametrize("n", [1_000, 10_000, 100_000])
def test_a_long_row_converts_exactly(tmp_path: Path, n: int) -> None:
    src = tmp_path / "long.jsonl"
    src.write_text(json.dumps(_source(n)) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    conv = ftprep.convert(src, out, min_rows=1, redact=True, chat_template="mistral_v3_tekken")
    assert conv.written == 1
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == [_expected(n)]
    found = {d.code: d for d in conv.report.files[0].diagnostics}
    assert sorted(found) == ["C019", "C020", "Q016"]
    assert found["C019"].message.startswith("kept masked assistant turn(s) 3, 7, 11, 15, 19, ...")
    assert found["C020"].message.startswith(f"cut the conversation after turn {n - 3}: masked assistant turn(s) {n - 1}")
    assert found["Q016"].message.startswith(f"replaced {n // 2 - 1:,} secret or personal value(s) in 1 row(s)")


def test_alternating_role_lists_of_any_length() -> None:
    for n in (0, 1, 2, 255, 256, 257, 10_001):
        assert alternating(n) == ["user", "assistant"] * (n // 2) + ["user"] * (n % 2)
    long = alternating(10_001)
    assert is_clean(long, "gemma3")
    assert not is_clean(long[:-2] + ["assistant", "assistant"], "mistral_v3_tekken")


def test_disjoint_hits_keep_the_first_of_overlapping_ones() -> None:
    def hit(a: int, b: int) -> Hit:
        return Hit("Q011", "an e-mail address", "EMAIL", a, b)

    # Earlier in the list wins, whatever its place in the text; the result is in text order.
    assert disjoint([hit(10, 20), hit(0, 5), hit(4, 12), hit(19, 30), hit(20, 25), hit(5, 10)]) == [
        hit(0, 5), hit(5, 10), hit(10, 20), hit(20, 25)]
    # A long hit overlapping two kept ones, and a hit inside a kept one, are dropped.
    assert disjoint([hit(0, 3), hit(6, 9), hit(2, 7), hit(7, 8), hit(3, 6)]) == [hit(0, 3), hit(3, 6), hit(6, 9)]
    # An empty hit takes the plain pairwise test: inside a kept hit it is dropped, between two kept.
    assert disjoint([hit(0, 5), hit(3, 3), hit(5, 9)]) == [hit(0, 5), hit(5, 9)]
    assert disjoint([hit(0, 5), hit(5, 5), hit(5, 9)]) == [hit(0, 5), hit(5, 5), hit(5, 9)]


def test_a_text_of_many_secrets_is_redacted_and_masked_whole() -> None:
    text = " ".join(f"ann{i}@gmail.com" for i in range(5_000))
    redacted, counts = redact(text)
    assert counts == {"EMAIL": 5_000}
    assert redacted == " ".join(["<EMAIL>"] * 5_000)
    starred = masked(text)
    assert len(starred) == len(text)
    assert starred.split(" ")[1234] == "an" + "*" * (len("ann1234@gmail.com") - 2)
