"""The HTML page and the stats histogram, without a browser: log-spaced bins, the
cap per code, duplicate groups, turns/roles/samples counted in the check's pass,
the job's template in the rendered rows, and what stats' counts cover."""

from __future__ import annotations

import array
import json
import random
import re
import typing as t
from pathlib import Path

import ftprep
from ftprep.cli.stats_view import COUNTS_NOTE, histogram_text, stats_text
from ftprep.engine.length_stats import Stats
from ftprep.engine.lengths import stats
from ftprep.output.html import write_html
from ftprep.output.html_findings import CAP_PER_CODE

SAMPLES = Path(__file__).parent.parent / "sample_data"


def lognormal_stats(n: int = 20_000, limit: int = 4096) -> Stats:
    rnd = random.Random(3)
    st = Stats("x.jsonl", "chat", "chatml", "estimate", False, limit)
    st.lengths = array.array("q", (int(rnd.lognormvariate(5.3, 1.1)) + 18 for _ in range(n)))
    st.rows = n
    return st


def chat(i: int, words: int = 3) -> dict[str, t.Any]:
    return {"conversations": [{"role": "system", "content": "be brief"}, {"role": "user", "content": f"q {i}"},
                              {"role": "assistant", "content": " ".join(["answer"] * words) + f" {i}"}]}


def write(path: Path, rows: t.Sequence[t.Any]) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_log_bins_read_well_and_never_straddle_the_limit() -> None:
    st = lognormal_stats()
    bins = st.log_histogram()
    assert 16 <= len(bins) <= 24
    assert sum(c for _, _, c in bins) == len(st.lengths)
    assert all(a < b for a, b, _ in bins) and all(bins[i][1] == bins[i + 1][0] for i in range(len(bins) - 1))
    assert any(a == st.max_seq_len + 1 for a, _, _ in bins)  # the limit is an edge
    # Log-spaced: the bins widen (a linear histogram put 17,506 of 20,000 rows in its first bin).
    widths = [b - a for a, b, _ in bins]
    assert widths[-2] > 20 * widths[1]
    assert max(c for _, _, c in bins) < len(st.lengths) / 4
    over = sum(1 for n in st.lengths if n > st.max_seq_len)
    assert sum(c for a, _, c in bins if a > st.max_seq_len) == over > 0


def test_narrow_ranges_get_unit_bins() -> None:
    st = Stats("x", "chat", "chatml", "estimate", False, 4096, lengths=array.array("q", [5, 5, 7, 9]))
    assert st.log_histogram() == [(5, 6, 2), (6, 7, 0), (7, 8, 1), (8, 9, 0), (9, 10, 1)]


def test_the_terminal_histogram_fits_the_width_and_rules_off_the_limit() -> None:
    st = lognormal_stats()
    lines = histogram_text(st, width=90)
    bars = [ln for ln in lines[1:] if "|" in ln]
    assert 16 <= len(bars) <= 24 and all(len(ln) <= 90 for ln in lines)
    assert max(len(ln) for ln in bars) > 80  # the longest bar uses the width
    rule = next(i for i, ln in enumerate(lines) if "over --max-seq-len 4,096" in ln)
    assert lines[rule + 1].lstrip().startswith("4,097")
    # A bin with rows always shows a bar, however few its rows.
    for ln in bars:
        bar, count = t.cast(re.Match[str], re.search(r"\| (\S*) ([\d,]+)$", ln)).groups()
        assert bool(bar) == (count != "0"), ln
    narrow = histogram_text(st, width=50)
    assert all(len(ln) <= 60 for ln in narrow)


def test_findings_are_capped_per_code_and_the_page_stays_small(tmp_path: Path) -> None:
    rows: list[t.Any] = [{"conversations": "not a list"} if i % 2 else chat(i) for i in range(6000)]
    path = write(tmp_path / "d.jsonl", rows)
    report = ftprep.check(path, min_rows=1)
    out = tmp_path / "r.html"
    write_html(report, out)
    page = out.read_text(encoding="utf-8")
    assert len(re.findall(r"<tr class=finding data-code=C001", page)) == CAP_PER_CODE
    assert f"and {3000 - CAP_PER_CODE:,} more C001 findings" in page
    assert re.search(r"data-code=C001 data-severity=error>.*?data-count=3000>3,000<", page)
    assert len(page.encode()) < 200_000


def test_duplicates_are_grouped_by_the_row_they_repeat(tmp_path: Path) -> None:
    a, b = json.dumps(chat(1)), json.dumps(chat(2))
    path = write(tmp_path / "d.jsonl", [a, b, json.dumps(chat(3)), a, b, a, a])
    report = ftprep.check(path, min_rows=1)
    out = tmp_path / "r.html"
    write_html(report, out)
    groups = re.findall(r"<tr class=group><td>([^<]*)</td><td class=n>(\d+)</td><td>([^<]*)</td>", out.read_text())
    assert groups == [("line 1", "3", "line 4, line 6, line 7"), ("line 2", "1", "line 5")]


def test_turns_roles_and_samples_come_from_the_checks_own_pass(tmp_path: Path) -> None:
    rows: list[t.Any] = [chat(i) for i in range(30)]
    rows[4] = {"conversations": rows[4]["conversations"][1:]}  # no system message: 2 turns
    path = write(tmp_path / "d.jsonl", rows)
    st = stats(path, chat_template="gemma3")
    assert st.turns == {2: 1, 3: 29} and st.roles == {"system": 29, "user": 30, "assistant": 30}
    assert [s.line for s in st.samples] == [1, 2, 3]
    report = ftprep.check(path, chat_template="gemma3", count_lengths=True, min_rows=1)
    assert report.files[0].stats["tokens"].to_json() == st.to_json()
    assert st.to_json()["turns_per_conversation"] == {"2": 1, "3": 29}
    assert all(p == n - tr for p, n, tr in zip(st.prompt, st.lengths, st.trained))


def test_rendered_rows_use_the_checks_template_with_trained_text_marked(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", [chat(i) for i in range(10)])
    report = ftprep.check(path, chat_template="gemma3", min_rows=1)  # no token options: the page estimates later
    out = tmp_path / "r.html"
    write_html(report, out)
    page = out.read_text(encoding="utf-8")
    assert "template <code>gemma3</code>" in page and "&lt;start_of_turn&gt;" in page
    assert "&lt;|im_start|&gt;" not in page  # not chatml
    marks = re.findall(r"<mark class=trained>(.*?)</mark>", page.split("<div class=sample>", 1)[1], re.S)
    assert marks and all("answer" in m and "be brief" not in m for m in marks)


def test_stats_says_what_it_counts_and_the_codes_only_check_gives_are_named(tmp_path: Path) -> None:
    path = str(SAMPLES / "chat_broken.jsonl")
    st = stats(path)
    report = ftprep.check(path, min_rows=1)
    line = next(ln for ln in stats_text(st) if ln.startswith("findings: "))
    errors = sum(n for c, n in st.counts.items() if ftprep.core.codes.severity_of(c) == "error")
    assert line.startswith(f"findings: {errors:,} error rows") and errors < report.errors
    # Every code check gives and stats does not is one the note names (by code, or L* for the loader's).
    only_check = {d.code for d in report.diagnostics} - set(st.counts)
    assert only_check and all(c in COUNTS_NOTE or (c.startswith("L") and "L*" in COUNTS_NOTE) for c in only_check)


def test_the_stats_page_shows_stats_counts_and_the_over_length_rows(tmp_path: Path) -> None:
    from ftprep.cli import main

    rows: list[t.Any] = [chat(i, words=3 if i % 5 else 80) for i in range(25)] + [{"conversations": "x"}]
    path = write(tmp_path / "d.jsonl", rows)
    out = tmp_path / "s.html"
    assert main(["stats", path, "--max-seq-len", "60", "--html", str(out)]) == 1  # C001 is an error
    page = out.read_text(encoding="utf-8")
    st = stats(path, max_seq_len=60)
    over = st.over(60)
    assert over and f"<b class=over-count>{len(over):,}</b>" in page
    assert all(f"line {line:,} ({n:,})" in page for line, _, n in over)
    assert "<title>ftprep stats report</title>" in page and "in stats" not in page  # its own counts
    assert re.search(r"data-code=C001 data-severity=error>.*?data-count=1>1<", page)


def test_the_estimate_drawn_later_keeps_the_checks_column_mapping(tmp_path: Path) -> None:
    rows = [{"messages": chat(i)["conversations"]} for i in range(8)]
    path = write(tmp_path / "d.jsonl", rows)
    report = ftprep.check(path, task="chat", field_conversation="messages", min_rows=1)
    later = report.files[0].stats["tokens_later"]()
    assert later is not None and later.rendered == 8 and later.roles["assistant"] == 8
