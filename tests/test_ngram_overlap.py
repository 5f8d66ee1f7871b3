"""Q004 counts a shared 13-word span only if it is rare on both sides (GPT-3's and NeMo
Curator's decontamination rule): boilerplate such as a shared system prompt is not a leak."""

from __future__ import annotations

import json
import random

import numpy as np

import ftprep
from ftprep.engine import near_duplicates as near
from ftprep.engine import span_overlap as spans

WORDS = [f"w{i}" for i in range(5000)]


def _text(rng: random.Random, n: int = 30) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _write(path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _chat(system: str | None, user: str, answer: str) -> dict:
    turns = [{"role": "system", "content": system}] if system else []
    return {"conversations": [*turns, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def _q004(report) -> list[int]:
    return [d.row for d in report.diagnostics if d.code == "Q004"]


def test_a_shared_system_prompt_is_boilerplate_not_a_leak(tmp_path) -> None:
    rng = random.Random(1)
    system = _text(rng, 40)
    train = _write(tmp_path / "train.jsonl", [_chat(system, _text(rng), _text(rng)) for _ in range(200)])
    ev = _write(tmp_path / "eval.jsonl", [_chat(system, _text(rng), _text(rng)) for _ in range(5)])
    report = ftprep.check(train, task="chat", eval=ev, max_per_code=1000)
    assert _q004(report) == []
    assert report.rows == 200
    # The same eval rows with an answer quoted in one training row: that rare span is a leak.
    with open(ev, encoding="utf-8") as f:
        quoted = json.loads(f.readline())["conversations"][2]["content"]
    rows = [_chat(system, _text(rng), _text(rng)) for _ in range(200)]
    rows[70] = _chat(system, _text(rng), _text(rng, 10) + " " + quoted)
    report = ftprep.check(_write(tmp_path / "train2.jsonl", rows), task="chat", eval=ev, max_per_code=1000)
    found = [d for d in report.diagnostics if d.code == "Q004"]
    assert [d.row for d in found] == [70] and "eval.jsonl line 1" in found[0].message


def test_a_rare_span_that_is_mostly_the_shared_prompt_is_not_a_leak(tmp_path) -> None:
    # The last 12 words of the system prompt and the same first user word, in one row of each side:
    # a rare 13-word span, but 12 of its words are boilerplate.
    rng = random.Random(7)
    system = _text(rng, 40)
    for n_eval in (5, 15):  # the prompt rare in the evaluation data (frequent in training), then frequent in both
        train = [_chat(system, _text(rng), _text(rng)) for _ in range(200)]
        train[30] = _chat(system, "zebra " + _text(rng), _text(rng))
        ev = [_chat(system, _text(rng), _text(rng)) for _ in range(n_eval)]
        ev[0] = _chat(system, "zebra " + _text(rng), _text(rng))
        report = ftprep.check(_write(tmp_path / "train.jsonl", train), task="chat",
                              eval=_write(tmp_path / "eval.jsonl", ev))
        assert _q004(report) == [], n_eval


def test_a_template_sentence_with_one_rare_neighbour_is_not_a_leak(tmp_path) -> None:
    # A 12-word sentence in 30 training rows, after different words; one training and one eval row put
    # the same rare word before it: that 13-word span is in one row of each side, but its 8-word
    # spans inside the sentence are in 30 rows.
    rng = random.Random(8)
    sentence = "the key idea here is easier to see with a concrete example"
    assert len(sentence.split()) == 12
    train = [{"instruction": _text(rng), "output": f"{_text(rng, 10)} {sentence} {_text(rng, 10)}"} for _ in range(30)]
    train[12]["output"] = f"{_text(rng, 10)} quokka {sentence} {_text(rng, 10)}"
    ev = [{"instruction": _text(rng), "output": f"{_text(rng, 10)} quokka {sentence} {_text(rng, 10)}"}]
    report = ftprep.check(_write(tmp_path / "train.jsonl", train), task="text",
                          eval=_write(tmp_path / "eval.jsonl", ev))
    assert _q004(report) == []
    ev[0]["output"] += " " + train[20]["instruction"]  # and a real passage of another row: reported
    report = ftprep.check(_write(tmp_path / "train.jsonl", train), task="text",
                          eval=_write(tmp_path / "eval.jsonl", ev))
    assert _q004(report) == [20]


def test_a_shared_user_instruction_is_boilerplate_too(tmp_path) -> None:
    rng = random.Random(2)
    instruction = "Answer the question below in the style of a patient teacher and cite one source " + _text(rng, 20)
    train = _write(tmp_path / "train.jsonl",
                   [_chat(None, f"{instruction}\n{_text(rng, 15)}", _text(rng)) for _ in range(50)])
    ev = _write(tmp_path / "eval.jsonl", [_chat(None, f"{instruction}\n{_text(rng, 15)}", _text(rng)) for _ in range(3)])
    assert _q004(ftprep.check(train, task="chat", eval=ev)) == []


def _shared(tmp_path, n_train: int, n_eval: int, seed: int = 3) -> list[int]:
    """Q004 rows when one 20-word passage is in `n_train` of 40 training rows and `n_eval` of 30 eval rows."""
    rng = random.Random(seed)
    passage = _text(rng, 20)
    train = [{"instruction": _text(rng), "output": _text(rng, 10)} for _ in range(40)]
    for i in range(n_train):
        train[2 * i + 1]["output"] += " " + passage
    ev = [{"instruction": _text(rng), "output": _text(rng, 10)} for _ in range(30)]
    for i in range(n_eval):
        ev[i]["output"] = passage + " " + ev[i]["output"]
    report = ftprep.check(_write(tmp_path / "train.jsonl", train), task="text",
                          eval=_write(tmp_path / "eval.jsonl", ev), max_per_code=1000)
    return _q004(report)


def test_a_span_in_15_rows_of_each_side_is_frequent(tmp_path) -> None:
    assert _shared(tmp_path, 15, 15) == []


def test_a_span_in_one_row_of_each_side_is_reported(tmp_path) -> None:
    assert _shared(tmp_path, 1, 1) == [1]


def test_rare_means_at_most_ten_rows_on_each_side(tmp_path) -> None:
    assert _shared(tmp_path, 10, 10) == [2 * i + 1 for i in range(10)]
    assert _shared(tmp_path, 11, 1) == []  # frequent in training
    assert _shared(tmp_path, 1, 11) == []  # frequent in the evaluation data


def test_a_row_repeating_the_span_counts_once(tmp_path) -> None:
    rng = random.Random(4)
    passage = _text(rng, 20)
    train = [{"instruction": _text(rng), "output": f"{passage} {_text(rng, 5)} {passage}" if i < 10 else _text(rng)}
             for i in range(30)]
    ev = [{"instruction": _text(rng), "output": passage}]
    report = ftprep.check(_write(tmp_path / "train.jsonl", train), task="text",
                          eval=_write(tmp_path / "eval.jsonl", ev), max_per_code=1000)
    assert _q004(report) == list(range(10))


def test_the_limit_grows_with_big_data_only() -> None:
    assert spans.limit(0) == spans.limit(100_000) == spans.limit(1_000_000) == 10
    assert spans.limit(5_000_000) == 50


def _batch(texts: list[str]) -> tuple:
    import array

    import rensa

    hashed = rensa.RMinHash.hash_token_sets([near.words(t.encode()) for t in texts])
    sizes = np.array([len(h) for h in hashed], dtype=np.int64)
    flat = np.array([x for h in hashed for x in h], dtype=np.uint64)
    return array.array("q", range(len(texts))), flat, sizes


def test_the_training_count_is_exact_and_keeps_at_most_the_limit_per_span() -> None:
    rng = random.Random(5)
    passage = _text(rng, 13)
    ref = spans.ReferenceSpans()
    ref.add(*_batch([passage]))
    ref.seal(1)
    assert len(ref.hashes) == 1
    count = spans.TrainingCount(ref, 1000)
    for start in range(0, 40, 8):  # five batches of eight rows, every row with the passage (twice in some)
        _, flat, sizes = _batch([f"{_text(rng, 3)} {passage}" + (f" {passage}" if i % 2 else "")
                                    for i in range(8)])
        count.add(np.arange(start, start + 8, dtype=np.int64).tobytes(), flat, sizes)
    assert count.counts.tolist() == [40]  # rows, not occurrences
    assert sum(len(rows) for _, rows, _ in count.kept) == spans.RARE  # the rest are not needed
    assert count.hits() == {}  # 40 rows: frequent


def test_a_hash_match_is_confirmed_word_by_word() -> None:
    words = [w.encode() for w in _text(random.Random(6), 20).split()]
    hits = {0: [spans.SpanHit(0, 2, 7)], 1: [spans.SpanHit(1, 0, 7)]}
    train = {0: [b"x", b"y", *words[:13]], 1: [b"other", *words[1:14]]}  # row 1's words at 0 differ
    assert spans.confirmed(hits, train, {7: words}) == {0: 7}
