"""Exact token counts while the next batch is rendered: the same numbers as counting batch by batch.

The tokenizer counts one batch on a thread while the rows of the next are read
and rendered (ftprep.engine.tokens.Exact.start). These tests pin that it changes
nothing: per-row tokens and trained tokens equal a per-row reference (one
`encode` per text and axolotl's bisect over its offsets), and the statistics
and the check reports equal the synchronous path's, in full, on generated
conversations (empty and non-ASCII messages, system messages, several
templates, limits at and around the rows' lengths), on every path a check takes
(one block, many blocks, worker processes, DPO, CSV) and on the golden T cases.
A tiny byte-level BPE is trained here: nothing is downloaded.
"""

from __future__ import annotations

import bisect
import functools
import json
import tempfile
import typing as t
from pathlib import Path

import pytest
from golden_args import case_args
from hypothesis import given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.engine import jsonl_scan, lengths
from ftprep.engine.renderer import render
from ftprep.engine.tokens import Exact
from tiny_tokenizer import trained

GOLDEN = Path(__file__).parent / "golden"
TEMPLATE_NAMES = ["chatml", "qwen3", "llama3", "gemma3"]
PIECES = ["The quick brown fox.", "Héllo wörld", "你好", "🚀", " ", "\n", "\t", "<think>", "</think>", "a", "ok"]


@functools.lru_cache(maxsize=None)
def tiny(template: str):  # type: ignore[no-untyped-def]
    return trained(template, PIECES * 20, 300)


def tokenizer_file(tmp: Path, template: str) -> str:
    path = tmp / f"tok-{template}.json"
    if not path.exists():
        tiny(template).save(str(path))
    return str(path)


class Serial(Exact):
    """The counter without a thread: each batch counted before the next is rendered."""

    start = None  # type: ignore[assignment]


def serially(m: pytest.MonkeyPatch) -> None:
    """Count with the synchronous counter from here on (the reference run)."""
    real = lengths.counter
    m.setattr(lengths, "counter", lambda spec: Serial(real(spec).tokenizer, real(spec).name))


def reference(tok: t.Any, text: str, spans: t.Sequence[tuple[int, int]]) -> tuple[int, int]:
    """Tokens and trained tokens of one text: axolotl's bisect over the token offsets."""
    enc = tok.encode(text, add_special_tokens=False)
    starts = [s for s, _ in enc.offsets]
    ends = [e for _, e in enc.offsets]
    trained = sum(max(0, (len(enc) if b >= len(text) else bisect.bisect_left(starts, b)) - bisect.bisect_right(ends, a))
                  for a, b in spans)
    return len(enc), trained


def write(tmp: Path, rows: list[t.Any], name: str = "data.jsonl") -> str:
    path = tmp / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


content = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
conversation = st.builds(
    lambda system, turns: {"conversations": ([{"role": "system", "content": system}] if system is not None else [])
                           + [m for u, a in turns for m in ({"role": "user", "content": u},
                                                            {"role": "assistant", "content": a})]},
    st.one_of(st.none(), content), st.lists(st.tuples(content, content), min_size=1, max_size=4))


@settings(max_examples=12, deadline=None)
@given(rows=st.lists(conversation, min_size=1, max_size=14), template=st.sampled_from(TEMPLATE_NAMES),
       at=st.integers(-1, 1), batch=st.integers(1, 5))
def test_stats_equal_the_serial_count_and_the_per_row_reference(rows: list[t.Any], template: str, at: int,
                                                               batch: int) -> None:
    tok = tiny(template)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        path = write(Path(tmp), rows)
        m.setattr(lengths, "BATCH", batch)  # many batches, so that counting overlaps rendering
        rendered = [e for e in render(path, chat_template=template).entries if e.text is not None]
        want = [reference(tok, e.text, e.spans) for e in rendered]
        # The limit at a row's length, one under and one over: T001 on both sides of it.
        limit = max(1, sorted(n for n, _ in want)[len(want) // 2] + at) if want else 10
        threaded = lengths.stats(path, chat_template=template, tokenizer=tok, max_seq_len=limit)
        assert [(n, tr) for n, tr in zip(threaded.lengths, threaded.trained)] == want
        serially(m)
        one_by_one = lengths.stats(path, chat_template=template, tokenizer=tok, max_seq_len=limit)
        assert threaded.to_json() == one_by_one.to_json()
        assert lengths.length_findings(threaded) == lengths.length_findings(one_by_one)


def check_json(path: str, **kw: t.Any) -> dict[str, t.Any]:
    report = ftprep.check(path, min_rows=1, **kw)
    return {"report": report.to_json(), "tokens": report.files[0].stats["tokens"].to_json()}


@settings(max_examples=6, deadline=None)
@given(rows=st.lists(conversation, min_size=1, max_size=20), template=st.sampled_from(TEMPLATE_NAMES),
       at=st.integers(-1, 1))
def test_check_reports_equal_the_serial_count(rows: list[t.Any], template: str, at: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        tok = tokenizer_file(Path(tmp), template)
        path = write(Path(tmp), rows)
        # Blocks of a few lines: the check's pass hands the tally many batches.
        m.setattr(jsonl_scan, "LineBlocks", functools.partial(jsonl_scan.LineBlocks, block=200))
        found = lengths.stats(path, chat_template=template, tokenizer=tok)
        limit = max(1, sorted(found.lengths)[len(found.lengths) // 2] + at) if found.lengths else 10
        kw = dict(task="chat", tokenizer=tok, max_seq_len=limit, chat_template=template, workers=1)
        threaded = check_json(path, **kw)
        serially(m)
        assert check_json(path, **kw) == threaded


def test_worker_processes_send_complete_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker's statistics are pickled when it is done: no batch left behind in its thread."""
    import random

    import ftprep.engine.checker as checker

    rng = random.Random(5)
    rows = [{"conversations": [{"role": "user", "content": "".join(rng.choices(PIECES, k=rng.randint(0, 30)))},
                               {"role": "assistant", "content": "".join(rng.choices(PIECES, k=rng.randint(0, 90)))}]}
            for _ in range(600)]
    tok = tokenizer_file(tmp_path, "qwen3")
    path = write(tmp_path, rows)
    monkeypatch.setattr(jsonl_scan, "LineBlocks", functools.partial(jsonl_scan.LineBlocks, block=4096))
    kw = dict(task="chat", tokenizer=tok, max_seq_len=120, chat_template="qwen3")
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    parallel = check_json(path, workers=2, **kw)
    one = check_json(path, workers=1, **kw)
    serially(monkeypatch)
    assert parallel == one == check_json(path, workers=1, **kw)
    assert parallel["tokens"]["rendered"] == 600
    assert any(d["code"] == "T001" for d in parallel["report"]["files"][0]["diagnostics"])


def test_dpo_and_csv_counts_equal_the_serial_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    tok = tokenizer_file(tmp_path, "chatml")
    monkeypatch.setattr(lengths, "BATCH", 3)
    words = [p for p in PIECES if p.strip()]
    dpo = write(tmp_path, [{"prompt": p, "chosen": c, "rejected": r}
                           for p, c, r in zip(words, words[3:] + words[:3], words[5:] + words[:5])])
    table = tmp_path / "data.csv"
    with open(table, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "output"])
        w.writerows([(p, q) for p, q in zip(PIECES, reversed(PIECES))] * 30)
    cases = [(dpo, "dpo"), (str(table), "text")]
    threaded = [(lengths.stats(p, task=task, tokenizer=tok).to_json(),
                 check_json(p, task=task, tokenizer=tok, max_seq_len=6, workers=1)) for p, task in cases]
    serially(monkeypatch)
    assert threaded == [(lengths.stats(p, task=task, tokenizer=tok).to_json(),
                         check_json(p, task=task, tokenizer=tok, max_seq_len=6, workers=1)) for p, task in cases]
    assert threaded[0][0]["rendered"] == len(words) and threaded[1][0]["rendered"] == 30 * len(PIECES)


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.glob("T*")))
def test_golden_token_cases_with_a_tokenizer_equal_the_serial_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     case: str) -> None:
    """The golden T cases, counted by a real tokenizer instead of the estimate."""
    folder = GOLDEN / case
    data = next(p for p in folder.iterdir() if p.name.startswith("input"))
    args = dict(case_args(folder))
    args["tokenizer"] = tokenizer_file(tmp_path, args.get("chat_template") or "chatml")
    monkeypatch.setattr(jsonl_scan, "LineBlocks", functools.partial(jsonl_scan.LineBlocks, block=64))
    threaded = ftprep.check(str(data), **args).to_json()
    serially(monkeypatch)
    assert ftprep.check(str(data), **args).to_json() == threaded
    assert any(d["code"].startswith("T") for f in threaded["files"] for d in f["diagnostics"])
