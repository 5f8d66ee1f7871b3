"""One `ftprep check` reads its data file once, however many features are on.

An audit hook counts the opens of the data file (builtins.open and os.open both
raise the "open" audit event); the counts and findings of the one pass must
equal those of a separate `ftprep.stats` run over the same file.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sys
import typing as t
from pathlib import Path

import pytest
from golden_args import case_args

import ftprep
from ftprep.cli import main
from ftprep.engine.lengths import stats
from ftprep.output.html_lengths import BINS

SAMPLE = Path(__file__).parent.parent / "sample_data"
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()

# Audit hooks cannot be removed: one hook for the session, counting only while a watch is on.
_WATCHED: list[tuple[str, list[int]]] = []


def _hook(event: str, args: tuple[t.Any, ...]) -> None:
    if event != "open" or not _WATCHED or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    opened = os.path.abspath(os.fsdecode(args[0]))
    for path, count in _WATCHED:
        if opened == path:
            count[0] += 1


sys.addaudithook(_hook)


@contextlib.contextmanager
def opens_of(path: str | Path) -> t.Iterator[list[int]]:
    """[n]: how many times `path` is opened inside the block."""
    count = [0]
    entry = (os.path.abspath(path), count)
    _WATCHED.append(entry)
    try:
        yield count
    finally:
        _WATCHED.remove(entry)


def chats(n: int, seed: int = 0) -> list[dict[str, t.Any]]:
    """Chats of varied length: some rows run over 512 estimated tokens."""
    rng = random.Random(seed)
    rows: list[dict[str, t.Any]] = [{"conversations": [
        {"role": "user", "content": " ".join(rng.choices(WORDS, k=rng.randint(2, 40)))},
        {"role": "assistant", "content": " ".join(rng.choices(WORDS, k=rng.randint(3, 600)))}]} for _ in range(n)]
    return rows


def write_jsonl(path: Path, rows: list[t.Any]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def t_findings(report: ftprep.Report) -> list[tuple[str, int | None, int | None, str]]:
    return [(d.code, d.line, d.row, d.message) for d in report.diagnostics if d.code.startswith("T")]


def stats_findings(st: t.Any) -> list[tuple[str, int | None, int | None, str]]:
    made = [d for d in st.diagnostics if d.code.startswith("T")] + st.length_diagnostics()  # T003 is the render's
    found = sorted(made, key=lambda d: -1 if d.row is None else d.row)  # check's order
    return [(d.code, d.line, d.row, d.message) for d in found]


def histogram_titles(page: str) -> list[str]:
    return re.findall(r"<title>([^<]* tokens: [^<]*)</title>", page)


@pytest.mark.parametrize("tokenizer", [None, str(SAMPLE / "tokenizer.json")], ids=["estimate", "exact"])
def test_check_with_tokens_and_html_opens_the_jsonl_once(tmp_path: Path, tokenizer: str | None) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", chats(300))
    page = tmp_path / "r.html"
    extra = ["--tokenizer", tokenizer] if tokenizer else []
    with opens_of(path) as n:
        code = main(["check", path, "--max-seq-len", "512", "--html", str(page), "--min-rows", "1", *extra])
    assert code == 0 and n[0] == 1  # over-length rows are warnings; one open for check, tokens and page
    # The same numbers as `ftprep stats`, which reads the file on its own.
    st = stats(path, tokenizer=tokenizer, max_seq_len=512)
    over = [f for f in stats_findings(st) if f[0] == "T001"]
    assert len(over) > 10
    with opens_of(path) as n:
        report = ftprep.check(path, max_seq_len=512, min_rows=1, tokenizer=tokenizer)
    assert n[0] == 1
    assert t_findings(report) == stats_findings(st)
    assert report.files[0].stats["tokens"].to_json() == st.to_json()
    bins = [f"{a:,}-{b - 1:,} tokens: {c:,} rows" for a, b, c in st.log_histogram(BINS)]
    assert histogram_titles(page.read_text(encoding="utf-8")) == bins


def test_check_with_only_html_opens_the_jsonl_once_and_reports_no_lengths(tmp_path: Path) -> None:
    """The page's histogram is counted in the check's own pass; without --max-seq-len
    or --tokenizer it adds no T finding, and it equals what `ftprep stats` counts."""
    path = write_jsonl(tmp_path / "data.jsonl", chats(300))
    page = tmp_path / "r.html"
    with opens_of(path) as n:
        code = main(["check", path, "--html", str(page), "--min-rows", "1", "--format", "json"])
    assert code == 0 and n[0] == 1
    st = stats(path)
    bins = [f"{a:,}-{b - 1:,} tokens: {c:,} rows" for a, b, c in st.log_histogram(BINS)]
    assert histogram_titles(page.read_text(encoding="utf-8")) == bins
    report = ftprep.check(path, min_rows=1, count_lengths=True)
    assert not [d for d in report.diagnostics if d.code.startswith("T")]
    assert report.files[0].stats["tokens"].to_json() == st.to_json()


def test_plain_check_opens_the_jsonl_once(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", chats(50))
    with opens_of(path) as n:
        ftprep.check(path, min_rows=1)
    assert n[0] == 1


def test_the_page_is_handed_the_counts_and_computes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.lengths as lengths
    from ftprep.output.html import write_html

    path = write_jsonl(tmp_path / "data.jsonl", chats(40))
    report = ftprep.check(path, max_seq_len=512, min_rows=1)

    def no_pass(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise AssertionError("the page read the file again")

    monkeypatch.setattr(lengths, "stats", no_pass)
    with opens_of(path) as n:
        write_html(report, tmp_path / "r.html")
    assert n[0] == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    bins = [f"{a:,}-{b - 1:,} tokens: {c:,} rows" for a, b, c in report.files[0].stats["tokens"].log_histogram(BINS)]
    assert histogram_titles(page) == bins


def test_counts_merge_across_worker_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.checker as checker

    rows: list[t.Any] = chats(400, seed=3)
    rows[7] = {"conversations": "not a list"}
    rows[300]["conversations"][1]["content"] = "<think>only reasoning</think>"  # deepseek_v3 trains nothing (T002)
    lines = [json.dumps(r) for r in rows]
    lines[20:20] = ["", "  ", "{broken"]  # blank lines and a bad one move lines and rows apart
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    st = stats(str(path), max_seq_len=512, chat_template="deepseek_v3")
    serial = ftprep.check(str(path), max_seq_len=512, min_rows=1, workers=1, chat_template="deepseek_v3")
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    parallel = ftprep.check(str(path), max_seq_len=512, min_rows=1, workers=2, chat_template="deepseek_v3")
    assert t_findings(serial) == t_findings(parallel) == stats_findings(st)
    assert ("T002", 304, 301) in [f[:3] for f in t_findings(parallel)]
    assert parallel.to_json() == serial.to_json()
    merged = parallel.files[0].stats["tokens"].to_json()
    assert merged == serial.files[0].stats["tokens"].to_json() == st.to_json()
    assert merged["diagnostic_counts"]["P001"] == 1 and merged["rows"] == 401


def test_json_array_and_csv_counts_equal_stats(tmp_path: Path) -> None:
    rows = chats(120, seed=4)
    array = tmp_path / "data.json"
    array.write_text(json.dumps(rows), encoding="utf-8")
    st = stats(str(array), max_seq_len=512)
    report = ftprep.check(str(array), max_seq_len=512, min_rows=1)
    assert report.files[0].stats["tokens"].to_json() == st.to_json()
    # A JSON array's findings get their lines from the raw bytes, like every other finding.
    assert [f[0] for f in t_findings(report)] == [f[0] for f in stats_findings(st)]
    assert all(line is not None for _, line, _, _ in t_findings(report))

    import csv

    table = tmp_path / "data.csv"
    with open(table, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["instruction", "output"])
        for i, r in enumerate(rows):
            out.writerow([r["conversations"][0]["content"], r["conversations"][1]["content"] if i % 9 else ""])
    st = stats(str(table), max_seq_len=512)
    report = ftprep.check(str(table), max_seq_len=512, min_rows=1)
    assert report.files[0].stats["tokens"].to_json() == st.to_json()
    assert t_findings(report) == stats_findings(st) and t_findings(report)


def test_stats_and_render_open_the_jsonl_once(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", chats(30))
    with opens_of(path) as n:
        st = stats(path)
    assert n[0] == 1 and st.rendered == 30
    with opens_of(path) as n:
        assert len(ftprep.render(path).entries) == 30
    assert n[0] == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_awkward_lines_are_counted_as_the_record_reader_counts_them(tmp_path: Path, workers: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A BOM, CRLF endings, blank and broken lines, a non-object, a record too deep to
    decode and a last line cut off: the scan's counts equal `ftprep.stats`, line for line."""
    import ftprep.engine.checker as checker

    good = [json.dumps(r).encode() for r in chats(60, seed=9)]
    deep = b'{"conversations": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    body = [b"\xef\xbb\xbf" + good[0], *good[1:20], b"", b"   ", b"{oops", b"[1, 2]", deep,
            *(g + b"\r" for g in good[20:40]), *good[40:], good[0][:25]]
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(b"\n".join(body))  # no final newline: the last record is cut off
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    report = ftprep.check(str(path), max_seq_len=512, min_rows=1, workers=workers)
    st = stats(str(path), max_seq_len=512)
    assert report.files[0].stats["tokens"].to_json() == st.to_json()
    assert t_findings(report) == stats_findings(st)
    assert {"P001", "P005", "P013"} <= set(st.counts)


def test_a_bound_hit_mid_file_is_counted_as_stats_counts_it(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "data.jsonl.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"".join(json.dumps(r).encode() + b"\n" for r in chats(400, seed=2)))
    limit = os.path.getsize(tmp_path / "data.jsonl.gz") * 2  # far less than the rows expand to
    report = ftprep.check(str(path), max_seq_len=512, min_rows=1, max_decompressed=limit)
    st = stats(str(path), max_seq_len=512, max_decompressed=limit)
    assert "P014" in report.codes() and "P014" in st.counts
    assert report.files[0].stats["tokens"].to_json() == st.to_json()


GOLDEN = Path(__file__).parent / "golden"
STATS_KEYS = {"task", "chat_template", "field_conversation", "field_prompt", "field_chosen", "field_rejected",
              "field_instruction", "field_output", "max_expansion", "max_decompressed"}


def local_cases() -> list[Path]:
    cases = []
    for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
        args = json.loads((case / "args.json").read_text()) if (case / "args.json").exists() else {}
        if not ({"convert", "serve", "hub"} & set(args)) and args.get("task") != "image":
            cases.append(case)
    return cases


@pytest.mark.parametrize("case", local_cases(), ids=lambda p: p.name)
def test_golden_inputs_are_counted_in_the_scan_as_stats_counts_them(case: Path) -> None:
    """Every local golden input, checked with a sequence length: the scan's one pass
    makes the same token statistics and T findings as a separate `ftprep.stats`."""
    args = case_args(case)
    args.pop("max_seq_len", None)
    source = str(next(p for p in sorted(case.iterdir()) if p.name.startswith("input")))
    report = ftprep.check(source, max_seq_len=64, min_rows=1, **{k: v for k, v in args.items() if k != "min_rows"})
    counted = report.files[0].stats.get("tokens")
    if counted is None:  # nothing to render: no task, or the file never got to its rows
        return
    st = stats(source, max_seq_len=64, **{k: v for k, v in args.items() if k in STATS_KEYS})
    assert counted.to_json() == st.to_json()
    if not source.endswith(".json"):  # a JSON array's lines are looked up after, for the T findings only
        assert t_findings(report)[:100] == stats_findings(st)[:100]
