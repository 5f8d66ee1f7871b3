"""`ftprep.stats`, token counting, `check --tokenizer/--max-seq-len`, and the HTML page.

Exact counts use a tiny byte-level BPE trained here on a few sentences plus a
template's special tokens: nothing is downloaded.
"""

from __future__ import annotations

import bisect
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli, main
from ftprep.engine.renderer import render
from ftprep.engine.lengths import stats
from ftprep.templates import Rendered
from ftprep.core.errors import TokenizerError
from ftprep.engine.tokens import Exact, estimate, load_tokenizer
from tiny_tokenizer import trained

SAMPLE = Path(__file__).parent.parent / "sample_data"
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.", "Explain photosynthesis in one sentence.",
    "Plants turn light, water and carbon dioxide into sugar.", "Give an example of compound interest.",
    "Héllo wörld, 你好, emoji 🚀 and tabs\tand newlines\n.", "Binary search halves the range each step.",
]


def tiny_tokenizer(template: str = "chatml", vocab: int = 400):  # type: ignore[no-untyped-def]
    return trained(template, SENTENCES * 5, vocab)


def write(tmp_path: Path, rows: list[object], name: str = "data.jsonl") -> str:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(p)


def chat(*turns: tuple[str, str]) -> dict:
    return {"conversations": [{"role": r, "content": c} for r, c in turns]}


def some_chats(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        turns = [("user", " ".join(rng.choices(SENTENCES, k=rng.randint(1, 3)))),
                 ("assistant", " ".join(rng.choices(SENTENCES, k=rng.randint(1, 12))))]
        rows.append(chat(*turns))
    return rows


@pytest.mark.parametrize("template", ["chatml", "llama3", "qwen3", "gemma3"])
def test_exact_counts_equal_the_tokenizer(tmp_path: Path, template: str) -> None:
    tok = tiny_tokenizer(template)
    path = write(tmp_path, some_chats(60))
    st = stats(path, chat_template=template, tokenizer=tok)
    texts = [e.text for e in render(path, chat_template=template).entries]
    want = [len(tok.encode(x, add_special_tokens=False)) for x in texts]
    assert st.exact and list(st.lengths) == want and st.total_tokens == sum(want)
    assert all(0 < tr < n for tr, n in zip(st.trained, st.lengths))
    # The template's control strings are single tokens of this tokenizer: no note about them.
    assert not [n for n in st.notes if "no single token" in n]


def test_trained_tokens_follow_axolotls_offset_mapping() -> None:
    tok = tiny_tokenizer("qwen3")
    exact = Exact(tok, "tiny")
    rng = random.Random(3)
    items = []
    for _ in range(200):
        text = "".join(rng.choice(SENTENCES + ["<|im_start|>", "<|im_end|>", "🚀", "\n\n", " "]) for _ in range(8))
        a = rng.randrange(len(text))
        b = rng.randrange(a, len(text) + 1)
        items.append(Rendered(text, ((a, b),)))
    for r, (n, trained) in zip(items, exact.count(items)):
        enc = tok.encode(r.text, add_special_tokens=False)
        starts = [s for s, _ in enc.offsets]
        ends = [e for _, e in enc.offsets]
        a, b = r.spans[0]
        assert n == len(enc)
        assert trained == max(0, bisect.bisect_left(starts, b) - bisect.bisect_right(ends, a)), r


def test_over_length_rows_are_listed_by_line(tmp_path: Path) -> None:
    rows = [chat(("user", "hi"), ("assistant", "short")), chat(("user", "hi"), ("assistant", "x " * 400)),
            chat(("user", "hi"), ("assistant", "y " * 1500))]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n\n" + json.dumps(rows[2]) + "\n")
    tok = tiny_tokenizer("chatml")
    st = stats(str(path), tokenizer=tok, max_seq_len=1000)
    assert [(line, row) for line, row, _ in st.over(1000)] == [(4, 2)]
    assert [line for line, _, _ in st.over(512)] == [2, 4]
    lengths = {line: n for line, _, n in st.over(0)}
    assert lengths[4] == len(tok.encode(render(str(path)).entries[2].text, add_special_tokens=False))
    j = st.to_json()
    assert j["over_max_seq_len"] == [{"line": 4, "row": 2, "tokens": lengths[4]}]
    assert j["over_base_seq_len"] == {"limit": 512, "rows": 2} and j["estimate"] is False


def test_estimate_is_labelled_everywhere(tmp_path: Path) -> None:
    path = write(tmp_path, some_chats(20))
    st = stats(path)
    assert not st.exact and st.to_json()["estimate"] is True and "estimate" in st.tokenizer
    assert estimate("abcd" * 10) == 10 and estimate("你好") == 2 and estimate("") == 0
    res = CliRunner().invoke(cli, ["stats", path])
    assert res.exit_code == 0
    numbers = [line for line in res.stdout.splitlines() if any(ch.isdigit() for ch in line)
               and not line.startswith(("  ", path, "note"))]
    assert numbers and all("estimate" in line for line in numbers), numbers
    assert "ESTIMATE" in res.stdout and "ASSUMED" in res.stdout


def test_stats_cli_exact_histogram_and_json(tmp_path: Path) -> None:
    tok_path = tmp_path / "tokenizer.json"
    tiny_tokenizer("chatml").save(str(tok_path))
    path = write(tmp_path, some_chats(40))
    runner = CliRunner()
    res = runner.invoke(cli, ["stats", path, "--tokenizer", str(tmp_path), "--max-seq-len", "120", "--hours", "2"])
    assert res.exit_code == 0, res.output
    assert "tokens: exact" in res.stdout and "estimate" not in res.stdout.lower().replace("assumed", "")
    assert "|" in res.stdout and "2 h covers about" in res.stdout
    st = stats(path, tokenizer=str(tok_path), max_seq_len=120, hours=2)
    out = json.loads(runner.invoke(cli, ["stats", path, "--tokenizer", str(tok_path), "--max-seq-len", "120",
                                         "--hours", "2", "--format", "json"]).stdout)
    assert out["tokens_per_row"] == st.summary() and out["total_tokens"] == st.total_tokens
    assert sum(b["rows"] for b in out["histogram"]) == 40
    assert out["time"]["epochs_in_hours"] == pytest.approx(2 * 8000 * 3600 / st.total_tokens)
    over_lines = [o["line"] for o in out["over_max_seq_len"]]
    assert over_lines and all(f"{n}" in res.stdout for n in over_lines[:3])


def test_dpo_and_grpo_lengths(tmp_path: Path) -> None:
    tok = tiny_tokenizer("chatml")
    dpo = write(tmp_path, [{"prompt": "Explain photosynthesis in one sentence.", "chosen": SENTENCES[2] * 3,
                            "rejected": SENTENCES[0]}], "dpo.jsonl")
    st = stats(dpo, tokenizer=tok)
    pair = render(dpo).entries[0].pair
    n = {k: len(tok.encode(v.text, add_special_tokens=False)) for k, v in pair.items()}
    assert list(st.lengths) == [n["prompt"] + max(n["chosen"], n["rejected"])]
    assert list(st.trained) == [n["chosen"] + n["rejected"]]
    grpo = stats(str(SAMPLE / "grpo_good.jsonl"), tokenizer=tok)
    assert not grpo.trains and grpo.to_json()["trained_tokens_per_row"] is None and grpo.rendered == 12


def test_no_trained_tokens_and_missing_specials(tmp_path: Path) -> None:
    path = write(tmp_path, [chat(("user", "q"), ("assistant", "<think>all reasoning</think>")),
                            chat(("user", "q"), ("assistant", "fine"))])
    st = stats(path, chat_template="deepseek_v3", tokenizer=tiny_tokenizer("chatml"))
    assert st.empty_trained == [(1, 0)]
    assert any("no single token" in n and "<｜User｜>" in n for n in st.notes)
    assert [d.code for d in st.length_diagnostics()] == ["T002"]


def test_check_reports_over_length_rows_with_lines(tmp_path: Path) -> None:
    tok_path = tmp_path / "tokenizer.json"
    tiny_tokenizer("qwen3").save(str(tok_path))
    path = write(tmp_path, some_chats(30, seed=5))
    st = stats(path, chat_template="qwen3", tokenizer=str(tok_path), max_seq_len=100)
    want = [(line, row) for line, row, _ in st.over(100)]
    assert want
    report = ftprep.check(path, task="chat", chat_template="qwen3", tokenizer=str(tok_path), max_seq_len=100,
                          min_rows=1)
    got = [(d.line, d.row) for d in report.diagnostics if d.code == "T001"]
    assert got == want
    assert all("estimate" not in d.message for d in report.diagnostics if d.code == "T001")
    html = tmp_path / "out" / "report.html"
    html.parent.mkdir()
    code = main(["check", path, "--task", "chat", "--chat-template", "qwen3", "--tokenizer", str(tok_path),
                 "--max-seq-len", "100", "--min-rows", "1", "--html", str(html)])
    assert code == 0  # over-length rows are warnings
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and "T001" in page and "exact, tokenizer" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script src" not in page  # the filters are inline
    assert sorted(p.name for p in html.parent.iterdir()) == ["report.html"]  # no temp file left


def test_html_without_token_options_uses_an_estimate(tmp_path: Path) -> None:
    from ftprep.output.html import write_html

    path = write(tmp_path, some_chats(10))
    report = ftprep.check(path, task="chat", min_rows=1)
    out = tmp_path / "r.html"
    write_html(report, out)
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "estimate" in page and "No findings" in page


def test_tokenizer_errors_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json")
    with pytest.raises(TokenizerError):
        load_tokenizer(str(bad))
    with pytest.raises(ValueError):
        load_tokenizer(str(tmp_path / "missing.json"))
    path = write(tmp_path, some_chats(3))
    assert main(["stats", path, "--tokenizer", str(bad)]) == 2
    assert main(["check", path, "--tokenizer", str(bad)]) == 2


def test_over_length_rows_are_capped_like_every_code() -> None:
    import ftprep

    report = ftprep.check(str(SAMPLE / "chat_good.jsonl"), max_seq_len=1, max_per_code=2, min_rows=1)
    assert [d.code for d in report.diagnostics] == ["T001", "T001"]
    assert report.files[0].dropped == {"T001": 10} and report.warnings == 12


def test_stats_group_row_findings_per_code_and_count_dropped_rows(tmp_path: Path) -> None:
    rows = [{"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]} for i in range(7)]
    path = write(tmp_path, rows + [chat(("user", "q"), ("assistant", "a"))])
    res = CliRunner().invoke(cli, ["stats", path])
    lines = res.stdout.splitlines()
    assert lines[0].endswith("8 rows, 1 rendered, 7 dropped by the trainer's prep")
    c004 = [ln for ln in lines if " C004 " in ln]
    assert len(c004) == 1 and c004[0].endswith("[7 rows: lines 1, 2, 3, 4, 5, ...]")
    assert res.exit_code == 1  # C004 is an error, as in check
    converted = CliRunner().invoke(cli, ["stats", path, "--as-converted"])
    assert converted.exit_code == 0 and "8 rows, 8 rendered" in converted.stdout.splitlines()[0]


def test_stats_keep_the_first_findings_per_code_and_count_them_all(tmp_path: Path, monkeypatch) -> None:
    import ftprep.engine.lengths

    monkeypatch.setattr(ftprep.engine.lengths, "KEPT_PER_CODE", 3)
    rows = [{"instruction": f"q{i}", "input": "x", "output": "a"} for i in range(10)]
    s = stats(write(tmp_path, rows))
    assert len(s.diagnostics) == 3 and s.counts == {"S003": 10}
    from ftprep.cli.stats_view import stats_text

    line = next(ln for ln in stats_text(s) if " S003 " in ln)
    assert line.endswith("[10 rows: lines 1, 2, 3, ...]")
