"""Junk in trained text (Q020-Q025, and lorem ipsum in V010): the rules, and the
fast path's agreement with them."""

from __future__ import annotations

import json

import pytest

import ftprep
from ftprep.engine.text_suspects import suspect_rows
from ftprep.tasks import junk as j
from ftprep.tasks.placeholders import placeholder


@pytest.mark.parametrize("text", [
    "As an AI language model, I cannot write poems.",
    "I\u2019m sorry, but I can\u2019t help with that.",
    "I cannot assist with that request.",
    "I apologize, but I cannot do this.",
    "AS A LARGE LANGUAGE MODEL I have no opinions.",
    "En tant qu'IA, je ne peux pas.",
    "Als KI-Sprachmodell kann ich das nicht.",
    "Como modelo de lenguaje, no puedo.",
    "作为一个AI语言模型，我不能。",
])
def test_refusals_are_found(text: str) -> None:
    assert j.refusal(text)


@pytest.mark.parametrize("text", [
    "I'm sorry, but the store closes at five.",
    "I cannot stress this enough: back up your data.",
    "I am an AI researcher at a university.",
    "Sure, here is the poem.",
])
def test_ordinary_answers_are_not_refusals(text: str) -> None:
    assert j.refusal(text) is None


def test_mojibake_names_the_word_and_its_repair() -> None:
    assert j.mojibake("Le cafÃ© est bon") == ("cafÃ©", "café")
    assert j.mojibake("It\u00e2\u20ac\u2122s fine") is not None
    assert j.mojibake("Le café est très bon, ça va.") is None
    assert j.mojibake("Привет, мир") is None


def test_a_loop_must_end_the_text_with_four_copies() -> None:
    span = "and then we go back to "
    assert j.loop("Sure. " + span * 4) is not None
    assert j.loop("Sure. " + span * 4 + "and th") is not None  # cut mid-copy at the token limit
    assert j.loop("Sure. " + span * 3) is None
    assert j.loop(span * 5 + "Then it stopped, and the answer went on normally.") is None
    assert j.loop("na " * 20) is None  # a span of 16+ characters needs 4 copies: 72 characters
    assert j.loop((" ".join(f"w{i}" for i in range(150)) + " ") * 4) is None  # a span over 500 characters
    long = "x" * 5000 + " " + span * 4  # the fast path's window is the end of the text: still found
    assert suspect_rows([long], 1, [b"{}"]) == {0}


def test_fences() -> None:
    assert j.unclosed_fence("Here:\n```python\nprint(1)\n")
    assert not j.unclosed_fence("Here:\n```python\nprint(1)\n```\n")
    assert not j.unclosed_fence("Wrap code in ``` fences.\n```\nx\n```")  # odd count, but the last block closes
    assert not j.unclosed_fence("````md\n```python\nx = 1\n```\n````")


def test_lorem_ipsum_is_a_placeholder_outside_code() -> None:
    assert placeholder("Lorem ipsum dolor sit amet.") == "Lorem ipsum"
    assert placeholder("Use it:\n```html\n<p>Lorem ipsum</p>\n```") is None


def _write(tmp_path, answers: list[str], user: str = "hi"):
    p = tmp_path / "d.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"conversations": [{"role": "user", "content": user},
                                                   {"role": "assistant", "content": a}]}) + "\n" for a in answers)
    return p


def _codes(report) -> dict[str, int]:
    return {d.code: d.count or 1 for f in report.files for d in f.diagnostics if d.code[0] in "QV"}


def test_findings_are_aggregated_per_file_with_counts(tmp_path) -> None:
    answers = ["As an AI language model, I cannot."] * 3 + [f"Fine answer number {i}." for i in range(5)]
    answers += [f"Lorem ipsum dolor sit amet {i}" for i in range(2)]
    report = ftprep.check(str(_write(tmp_path, answers)), task="chat")
    assert _codes(report) == {"Q020": 3, "V010": 2}


def test_user_turns_are_not_trained(tmp_path) -> None:
    report = ftprep.check(str(_write(tmp_path, ["Sure, here it is."] * 3, user="As an AI language model, I cannot.")),
                          task="chat")
    assert _codes(report) == {}


def test_text_and_dpo_outputs_are_searched(tmp_path) -> None:
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"instruction": "x", "output": "Here:\n```py\nprint(1)\n"}) + "\n", encoding="utf-8")
    assert _codes(ftprep.check(str(p), task="text")) == {"Q025": 1}
    p.write_text(json.dumps({"prompt": "x", "chosen": "Le cafÃ© est bon", "rejected": "no"}) + "\n", encoding="utf-8")
    assert _codes(ftprep.check(str(p), task="dpo")) == {"Q022": 1}


@pytest.mark.parametrize("answer", [
    "As an AI language model, I cannot.", "Le cafÃ© est bon", "Hello \ufffd world", "Here:\n```py\nx\n",
    "ok " + "and then we go back to " * 4, "Lorem ipsum dolor",
])
@pytest.mark.parametrize("ascii_json", [True, False])
def test_fast_path_agrees_with_explain(tmp_path, answer: str, ascii_json: bool) -> None:
    """The same junk found whether a row reaches explain through the fast path's
    prefilter or because --explain-all sends every row there; JSON with \\u escapes too."""
    p = tmp_path / "d.jsonl"
    rows = [{"conversations": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": a}]}
            for a in ["A clean answer.", answer, "Another clean one."]]
    p.write_text("".join(json.dumps(r, ensure_ascii=ascii_json) + "\n" for r in rows), encoding="utf-8")
    fast = _codes(ftprep.check(str(p), task="chat"))
    full = _codes(ftprep.check(str(p), task="chat", explain_all=True))
    assert fast == full and len(fast) == 1


def test_suspects_are_exactly_the_texts_with_junk() -> None:
    texts = ["clean", "As an AI language model, I cannot.", "more clean", "Le cafÃ© est bon"]
    lines = [json.dumps({"a": x}).encode() for x in texts]
    assert suspect_rows(texts, 1, lines) == {1, 3}
