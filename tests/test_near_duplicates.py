"""Near duplicates (Q001): the MinHash groups, and check's findings with --near-duplicates."""

from __future__ import annotations

import json
import random

import ftprep
from ftprep.engine.near_duplicates import Signatures, shingles, text_of

WORDS = [f"w{i}" for i in range(3000)]


def _text(rng: random.Random, n: int = 40) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _edited(text: str, words: int) -> str:
    """The text with its last `words` words replaced: a near copy."""
    kept = text.split()[:-words] if words else text.split()
    return " ".join(kept + ["edit"] * words)


def _write(tmp_path, rows):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_shingles_are_five_lowercased_words_and_none_under_five() -> None:
    assert shingles("One two, three") == []
    assert shingles("A b C d E f") == ["a b c d e", "b c d e f"]


def test_text_of_keeps_contents_not_roles() -> None:
    text = text_of([[{"role": "user", "content": "hello there"}, {"from": "gpt", "value": "hi"}]])
    assert "hello there" in text and "hi" in text
    assert "user" not in text and "gpt" not in text


def test_a_group_is_found_once_at_its_first_row_with_similarities() -> None:
    rng = random.Random(3)
    base = _text(rng)
    sigs = Signatures()
    texts = [base, _text(rng), _edited(base, 1), _text(rng), _edited(base, 2)]
    for row, text in enumerate(texts):
        sigs.add(row, text)
    groups = sigs.groups()
    assert [g.first for g in groups] == [0]
    assert [r for r, _ in groups[0].others] == [2, 4]
    assert all(0.8 <= s <= 1.0 for _, s in groups[0].others)


def test_exact_repeats_are_left_to_d001() -> None:
    rng = random.Random(4)
    base = _text(rng)
    sigs = Signatures()
    for row, text in enumerate([base, _text(rng), base, base]):
        sigs.add(row, text)
    assert sigs.groups() == []  # rows 2 and 3 repeat row 0 exactly: D001's, not a near-duplicate group


def test_unrelated_and_half_similar_rows_are_not_grouped() -> None:
    rng = random.Random(5)
    sigs = Signatures()
    row = 0
    for _ in range(1500):  # over one batch of the MinHash
        sigs.add(row, _text(rng))
        row += 1
    base = _text(rng)
    sigs.add(row, base)
    sigs.add(row + 1, " ".join(base.split()[:20] + _text(rng, 20).split()))  # half the words: Jaccard ~ 0.3
    assert sigs.groups() == []


def test_check_reports_q001_only_with_the_option(tmp_path) -> None:
    rng = random.Random(6)
    base, other = _text(rng), _text(rng)
    rows = [{"instruction": base, "output": "yes"}, {"instruction": other, "output": "no"},
            {"instruction": _edited(base, 1), "output": "yes"}]
    path = _write(tmp_path, rows)
    found = [d for d in ftprep.check(path, task="text", near_duplicates=True).diagnostics if d.code == "Q001"]
    assert len(found) == 1
    q = found[0]
    assert (q.line, q.row, q.rows, q.lines) == (1, 0, (2,), (3,))
    assert "line 3" in q.message and q.stage == "train" and q.severity == "warning"
    assert not [d for d in ftprep.check(path, task="text").diagnostics if d.code == "Q001"]
    ignored = ftprep.check(path, task="text", near_duplicates=True, ignore="Q001").diagnostics
    assert not [d for d in ignored if d.code == "Q001"]


def test_check_compares_chat_contents(tmp_path) -> None:
    rng = random.Random(7)
    question, answer = _text(rng, 20), _text(rng, 20)

    def conversation(a: str) -> dict:
        return {"conversations": [{"role": "user", "content": question}, {"role": "assistant", "content": a}]}

    path = _write(tmp_path, [conversation(answer), conversation(_text(rng, 20)), conversation(_edited(answer, 1))])
    found = [d for d in ftprep.check(path, task="chat", near_duplicates=True).diagnostics if d.code == "Q001"]
    assert [(d.row, d.rows) for d in found] == [(0, (2,))]


def test_groups_beyond_max_per_code_are_counted(tmp_path) -> None:
    rng = random.Random(8)
    rows = []
    for _ in range(3):
        base = _text(rng)
        rows += [{"instruction": base, "output": "a"}, {"instruction": _edited(base, 1), "output": "a"}]
    report = ftprep.check(_write(tmp_path, rows), task="text", near_duplicates=True, max_per_code=2)
    assert [d.row for d in report.diagnostics if d.code == "Q001"] == [0, 2]
    assert report.files[0].dropped["Q001"] == 1


def test_dataset_finds_near_duplicates_across_files(tmp_path) -> None:
    rng = random.Random(9)
    base = _text(rng)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"instruction": _text(rng), "output": "x"}) + "\n"
                 + json.dumps({"instruction": base, "output": "x"}) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"instruction": _text(rng), "output": "x"}) + "\n"
                 + json.dumps({"instruction": _edited(base, 1), "output": "x"}) + "\n", encoding="utf-8")
    report = ftprep.check([str(a), str(b)], task="text", dataset=True, near_duplicates=True)
    found = [d for d in report.diagnostics if d.code == "Q001"]
    assert len(found) == 1
    q = found[0]
    assert (q.path, q.line, q.row, q.rows) == (str(a), 2, 1, ())  # the other member is in b.jsonl
    assert f"line 2 of {b}" in q.message
    alone = ftprep.check([str(a), str(b)], task="text", near_duplicates=True)
    assert not [d for d in alone.diagnostics if d.code == "Q001"]  # without --dataset, files are apart


def _leaks(report) -> list[tuple[int, str]]:
    return [(d.row, d.code) for d in report.diagnostics if d.code in ("Q002", "Q003", "Q004")]


def test_eval_leaks_get_their_strongest_code_each(tmp_path) -> None:
    rng = random.Random(10)
    seen, passage = _text(rng), _text(rng)
    ev = tmp_path / "eval.jsonl"
    ev.write_text(json.dumps({"instruction": seen, "output": "a"}) + "\n"
                  + json.dumps({"instruction": passage, "output": "b"}) + "\n", encoding="utf-8")
    quoted = " ".join(_text(rng, 30).split() + passage.split()[:13])  # 13 words of an eval row, nothing more
    rows = [{"instruction": _text(rng), "output": "z"}, {"instruction": seen, "output": "a"},
            {"instruction": _edited(seen, 1), "output": "a"}, {"instruction": quoted, "output": "z"},
            {"instruction": " ".join(_text(rng, 30).split() + passage.split()[:12]), "output": "z"}]
    report = ftprep.check(_write(tmp_path, rows), task="text", eval=str(ev))
    assert _leaks(report) == [(1, "Q002"), (2, "Q003"), (3, "Q004")]  # 12 shared words (row 4) are not a leak
    q2 = next(d for d in report.diagnostics if d.code == "Q002")
    assert q2.line == 2 and "eval.jsonl line 1" in q2.message and q2.stage == "eval"
    assert not _leaks(ftprep.check(_write(tmp_path, rows), task="text"))


def test_eval_is_read_again_when_it_changes(tmp_path) -> None:
    rng = random.Random(11)
    text = _text(rng)
    path = _write(tmp_path, [{"instruction": text, "output": "a"}])
    ev = tmp_path / "eval.jsonl"
    ev.write_text(json.dumps({"instruction": _text(rng), "output": "a"}) + "\n", encoding="utf-8")
    assert not _leaks(ftprep.check(path, task="text", eval=str(ev)))
    ev.write_text(json.dumps({"instruction": text, "output": "a"}) + "\n" * 2, encoding="utf-8")
    assert _leaks(ftprep.check(path, task="text", eval=str(ev))) == [(0, "Q002")]
