"""Leakage against every reference: `--eval` on hf:// and URLs (the fake Hub and a
FileServer on 127.0.0.1), and `--trainer-split`, the trainer's own test split."""

from __future__ import annotations

import json
import os
import random
import re
import uuid

import numpy as np
import pytest

import ftprep
from ftprep.cli import main
from ftprep.core.errors import SourceError
from ftprep.engine import near_duplicates as near
from ftprep.engine.trainer_split import MAX_TEST_DATA_POINTS, held_out_rows

WORDS = [f"w{i}" for i in range(5000)]


def _text(rng: random.Random, n: int = 30) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _leaks(report) -> list[tuple[int, str]]:
    return [(d.row, d.code) for d in report.diagnostics if d.code in ("Q002", "Q003", "Q004")]


def _held_out(n: int) -> set[int]:
    """The trainer's test rows, by the trainer's own call (validator/tasks/task_prep.py)."""
    import datasets

    size = min(int(0.1 * n), MAX_TEST_DATA_POINTS)
    split = datasets.Dataset.from_dict({"i": list(range(n))}).train_test_split(test_size=size, shuffle=True, seed=42)
    return set(split["test"]["i"])


# --- the trainer's split --------------------------------------------------------
def test_test_rows_are_the_first_of_numpys_permutation_and_capped() -> None:
    # datasets shuffles with np.random.default_rng(seed).permutation and takes the test rows first.
    assert held_out_rows(300) == np.random.default_rng(42).permutation(300)[:30].tolist()
    assert len(held_out_rows(20_000)) == MAX_TEST_DATA_POINTS == 1000
    assert held_out_rows(20_000, cap=400) == held_out_rows(20_000)[:400]  # the older cap: a prefix of the same rows
    assert held_out_rows(9) == []  # 10% is under one row: nothing held out


def _planted(n: int, pairs: list[tuple[int, int, bool]], seed: int = 5) -> list[dict]:
    """`n` unrelated rows; for each (a, b, exact) row b is a copy of row a (exact, or with one word changed)."""
    rng = random.Random(seed)
    rows = [{"instruction": _text(rng, 120), "output": _text(rng, 10)} for _ in range(n)]
    for a, b, exact in pairs:
        words = rows[a]["instruction"].split()
        rows[b] = dict(rows[a]) if exact else {"instruction": " ".join(words[:-1] + ["changed"]),
                                               "output": rows[a]["output"]}
    return rows


def test_trainer_split_reports_exactly_the_pairs_across_it(tmp_path) -> None:
    n = 400
    rng = random.Random(1)
    order = rng.sample(range(n), 120)
    pairs = [(order[2 * k], order[2 * k + 1], k % 2 == 0) for k in range(60)]
    path = tmp_path / "train.jsonl"
    path.write_text(_jsonl(_planted(n, pairs)), encoding="utf-8")
    test = _held_out(n)
    expected = set()
    for a, b, exact in pairs:
        if (a in test) != (b in test):  # one copy on each side of the split
            trained, held = (b, a) if a in test else (a, b)
            expected.add((trained, "Q002" if exact else "Q003", held + 1))
    assert len(expected) >= 5  # the planted pairs do straddle the split
    report = ftprep.check(str(path), task="text", trainer_split=True, max_per_code=1000, min_rows=1)
    found = {(d.row, d.code, int(d.message.split("line ")[1].split()[0].rstrip(":,)")))
             for d in report.diagnostics if d.code in ("Q002", "Q003")}
    assert found == expected
    q = next(d for d in report.diagnostics if d.code in ("Q002", "Q003"))
    assert "the trainer's test split" in q.message and q.line == q.row + 1 and q.stage == "eval"
    assert not _leaks(ftprep.check(str(path), task="text", min_rows=1))  # only with the option


def test_trainer_split_with_near_duplicates_reads_signatures_once(tmp_path, monkeypatch) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(_jsonl(_planted(100, [(0, 1, False)])), encoding="utf-8")
    calls = []
    real = near.file_signatures
    monkeypatch.setattr(near, "file_signatures", lambda *a, **k: calls.append(1) or real(*a, **k))
    report = ftprep.check(str(path), task="text", trainer_split=True, near_duplicates=True, min_rows=1)
    assert [d.code for d in report.diagnostics].count("Q001") == 1 and len(calls) == 1


def test_trainer_split_over_a_dataset_splits_the_files_together(tmp_path) -> None:
    n_a, n_b = 150, 150
    rows = _planted(n_a + n_b, [])
    test = _held_out(n_a + n_b)
    across = next(r for r in range(n_a, n_a + n_b) if r in test)  # a test row of b.jsonl
    trained = next(r for r in range(n_a) if r not in test)  # a training row of a.jsonl
    rows[trained] = dict(rows[across])
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(_jsonl(rows[:n_a]), encoding="utf-8")
    b.write_text(_jsonl(rows[n_a:]), encoding="utf-8")
    report = ftprep.check([str(a), str(b)], task="text", dataset=True, trainer_split=True, min_rows=1)
    (q,) = [d for d in report.diagnostics if d.code == "Q002"]
    assert (q.path, q.row, q.line) == (str(a), trained, trained + 1)
    assert f"line {across - n_a + 1} of {b}" in q.message


# --- near duplicates across files: each file's lines, signatures only ------------
def test_cross_file_groups_name_each_files_lines(tmp_path) -> None:
    rng = random.Random(4)
    base = _text(rng, 40)
    words = base.split()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(_jsonl([{"instruction": _text(rng), "output": "x"}, {"instruction": base, "output": "x"},
                         {"instruction": " ".join(words[:-1] + ["one"]), "output": "x"}]), encoding="utf-8")
    b.write_text(_jsonl([{"instruction": " ".join(words[:-1] + ["two"]), "output": "x"},
                         {"instruction": _text(rng), "output": "x"}]), encoding="utf-8")
    report = ftprep.check([str(a), str(b)], task="text", dataset=True, near_duplicates=True, min_rows=1)
    (q,) = [d for d in report.diagnostics if d.code == "Q001"]
    assert (q.path, q.line, q.rows, q.lines) == (str(a), 2, (2,), (3,))  # the group's own file: rows and lines
    assert "3 rows" in q.message and "line 3," in q.message and f"line 1 of {b}" in q.message
    sigs = near.file_signatures(str(a), ["instruction", "output"])
    # What a shard keeps for its dataset: 64 two-byte values and one key a row, no text.
    assert not sigs.pending and len(sigs.flat) == near.PERMS * len(sigs.rows) and len(sigs.exact) == len(sigs.rows)


# --- --eval on the Hub ------------------------------------------------------------
def _seed(hub, files: dict[str, str]) -> str:
    repo = f"bob/eval-{uuid.uuid4().hex[:8]}"
    hub.seed(repo, files)
    return repo


def _hub_case(hub, tmp_path):
    rng = random.Random(7)
    in_train, in_test = _text(rng), _text(rng)
    repo = _seed(hub, {"data/train.jsonl": _jsonl([{"instruction": in_train, "output": "a"}]),
                       "data/test.jsonl": _jsonl([{"instruction": _text(rng), "output": "b"},
                                                  {"instruction": in_test, "output": "c"}])})
    path = tmp_path / "mine.jsonl"
    path.write_text(_jsonl([{"instruction": _text(rng), "output": "z"}, {"instruction": in_train, "output": "a"},
                            {"instruction": in_test, "output": "c"}]), encoding="utf-8")
    return repo, str(path)


def test_eval_hub_split_and_all_splits(hub, tmp_path) -> None:
    repo, path = _hub_case(hub, tmp_path)
    only_test = ftprep.check(path, task="text", eval=f"hf://{repo}:test", min_rows=1)
    assert _leaks(only_test) == [(2, "Q002")]
    q = next(d for d in only_test.diagnostics if d.code == "Q002")
    assert f"hf://{repo}:test row 1" in q.message and "ftprep-eval" not in q.message  # by row: no temp lines
    every = ftprep.check(path, task="text", eval=f"hf://datasets/{repo}@main", min_rows=1)
    assert _leaks(every) == [(1, "Q002"), (2, "Q002")]  # train then test, merged as the trainer merges them
    assert f"hf://datasets/{repo}@main row 2" in every.diagnostics[-1].message


@pytest.mark.parametrize("suffix, said", [(":nope", "no split 'nope' (the first config has train, test)"),
                                          ("@no-branch", "revision 'no-branch' does not exist")])
def test_eval_hub_bad_split_or_revision(hub, tmp_path, suffix, said) -> None:
    repo, path = _hub_case(hub, tmp_path)
    with pytest.raises(SourceError, match=re.escape(said)):
        ftprep.check(path, task="text", eval=f"hf://{repo}{suffix}")


def test_eval_hub_missing_repo_is_exit_2_without_traceback_or_token(hub, tmp_path, capsys) -> None:
    _, path = _hub_case(hub, tmp_path)
    status = main(["check", path, "--task", "text", "--eval", "hf://bob/no-such-eval", "--isolated"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert status == 2 and "bob/no-such-eval does not exist" in text
    assert "Traceback" not in text and os.environ["HF_TOKEN"] not in text


def test_eval_reference_without_the_trained_columns_is_an_error(hub, tmp_path) -> None:
    repo = _seed(hub, {"data.jsonl": _jsonl([{"question": "q", "answer": "a"}])})
    _, path = _hub_case(hub, tmp_path)
    with pytest.raises(SourceError, match=r"none of its 1 rows has the trained columns \(instruction, output\)"):
        ftprep.check(path, task="text", eval=f"hf://{repo}")


# --- --eval at a URL -------------------------------------------------------------
def test_eval_url_names_the_url_and_its_lines(file_server, tmp_path) -> None:
    rng = random.Random(8)
    seen = _text(rng)
    url = file_server.add("/bench/eval.jsonl", _jsonl([{"instruction": _text(rng), "output": "a"},
                                                        {"instruction": seen, "output": "b"}]))
    path = tmp_path / "mine.jsonl"
    path.write_text(_jsonl([{"instruction": seen, "output": "b"}]), encoding="utf-8")
    report = ftprep.check(str(path), task="text", eval=url, min_rows=1)
    (q,) = [d for d in report.diagnostics if d.code == "Q002"]
    assert f"{url} line 2" in q.message and q.line == 1
    assert file_server.log[-1] == ("GET", "/bench/eval.jsonl", 200)


def test_eval_url_json_array(file_server, tmp_path) -> None:
    rng = random.Random(12)
    seen = _text(rng)
    url = file_server.add("/eval.json", json.dumps([{"instruction": seen, "output": "b"}]))
    path = tmp_path / "mine.jsonl"
    path.write_text(_jsonl([{"instruction": seen, "output": "b"}]), encoding="utf-8")
    assert _leaks(ftprep.check(str(path), task="text", eval=url, min_rows=1)) == [(0, "Q002")]


def test_eval_url_404_is_exit_2(file_server, tmp_path, capsys) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(_jsonl([{"instruction": "a b c d e f", "output": "b"}]), encoding="utf-8")
    with pytest.raises(SourceError, match="HTTP 404"):
        ftprep.check(str(path), task="text", eval=file_server.url + "/gone.jsonl")
    status = main(["check", str(path), "--task", "text", "--eval", file_server.url + "/gone.jsonl", "--isolated"])
    text = "".join(capsys.readouterr())
    assert status == 2 and "HTTP 404" in text and "Traceback" not in text


def test_trainer_split_names_rows_where_the_input_has_no_lines(tmp_path) -> None:
    rows = _planted(100, [])
    test = _held_out(100)
    held = min(test)
    trained = next(r for r in range(100) if r not in test)
    rows[trained] = dict(rows[held])
    report = ftprep.check(rows, task="text", trainer_split=True, min_rows=1)  # a list of dicts: rows, no lines
    (q,) = [d for d in report.diagnostics if d.code == "Q002"]
    assert (q.row, q.line, q.first_row, q.first_line) == (trained, None, held, None)
    assert q.message.endswith(f"exactly: row {held}")


def test_trainer_split_of_a_hub_input_splits_the_merged_splits(hub) -> None:
    rows = _planted(100, [])
    test = _held_out(100)  # the trainer splits the 100 merged rows: 80 of train, then 20 of test
    held = max(test)
    trained = next(r for r in range(100) if r not in test)
    rows[trained] = dict(rows[held])
    repo = _seed(hub, {"data/train.jsonl": _jsonl(rows[:80]), "data/test.jsonl": _jsonl(rows[80:])})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", trainer_split=True, min_rows=1)
    (q,) = [d for d in report.diagnostics if d.code == "Q002"]
    assert (q.row, q.line, q.first_row) == (trained, None, held) and q.message.endswith(f"row {held}")
