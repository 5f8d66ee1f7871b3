"""One finding per cause, told with structured values.

A missing column is one S001 in check, convert and submit (no V001 or D001 per
row), S003 counts only values that hold data, JSON array records get the line
where they start in every output format, D001 names both rows, and an
aggregated finding carries `count`, `lines` and `rows` in its JSON.
"""

from __future__ import annotations

import array
import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ftprep
from ftprep.reading import elements
from ftprep.cli import main
from ftprep.engine.converter import _to_source
from ftprep.core.diagnostics import MAX_PLACES, Diagnostic, FileReport, Report
from ftprep.reading.elements import element_lines
from ftprep.verbs.remote_hub import _unline
from ftprep.output.reporters import REPORTERS


def sharegpt(n: int) -> list[dict]:
    return [{"conversations": [{"from": "human", "value": f"question {i}"}, {"from": "gpt", "value": f"answer {i}"}]}
            for i in range(n)]


def write_jsonl(path: Path, rows: list, bad_line: int | None = None) -> Path:
    lines = [json.dumps(r) for r in rows]
    if bad_line is not None:
        lines[bad_line - 1] = '{"conversations": [{"from": "human", "value": "cut'
    path.write_text("\n".join(lines) + "\n")
    return path


def codes(report: Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def render(name: str, report: Report) -> str:
    out = io.StringIO()
    REPORTERS[name](report, out)
    return out.getvalue()


# --- a wrong --field-conversation: one S001 -------------------------------------------------
@pytest.mark.parametrize("bad_line", [None, 250])
@pytest.mark.parametrize("workers", [1, 2])
def test_missing_column_is_one_finding_in_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                bad_line: int | None, workers: int) -> None:
    import ftprep.engine.checker as checker

    path = write_jsonl(tmp_path / "sg.jsonl", sharegpt(500), bad_line)
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)  # workers=2: ranges merged, counts summed
    report = ftprep.check(str(path), task="chat", field_conversation="messages", min_rows=1, workers=workers)
    expected = ["S001"] + (["P001"] if bad_line else [])
    assert codes(report) == expected
    s001 = report.diagnostics[0]
    assert s001.field == "messages" and s001.hint == "map it: --field-conversation conversations"
    assert report.summary() == {"files": 1, "rows": 500, "errors": len(expected), "warnings": 0}
    if bad_line:
        assert (report.diagnostics[1].line, report.diagnostics[1].row) == (250, 249)
    assert report.files[0].dropped == {}


@pytest.mark.parametrize("bad_line", [None, 250])
@pytest.mark.parametrize("drop_invalid", [False, True])
def test_missing_column_is_one_finding_in_convert(tmp_path: Path, bad_line: int | None, drop_invalid: bool) -> None:
    path = write_jsonl(tmp_path / "sg.jsonl", sharegpt(500), bad_line)
    out = tmp_path / "out.jsonl"
    conv = ftprep.convert(str(path), str(out), task="chat", field_conversation="messages", min_rows=1,
                          drop_invalid=drop_invalid)
    assert codes(conv.report) == ["S001"] + (["P001"] if bad_line else [])
    assert conv.report.diagnostics[0].hint == "map it: --field-conversation conversations"
    assert conv.report.warnings == 0 and conv.report.files[0].dropped == {}
    assert not conv.written and not out.exists()  # dropping rows cannot bring a column back


def test_missing_column_is_one_finding_in_submit(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "sg.jsonl", sharegpt(500), 250)
    from ftprep.verbs.submit import submit  # ftprep.verbs.submit can be the module once another test imported it

    sub = submit(str(path), name="run", task="chat", model="Qwen/Qwen2.5-7B-Instruct", hours=1,
                 repo="alice/d", field_conversation="messages", dry_run=True, min_rows=1)
    assert sub.state == "stopped" and codes(sub.report) == ["S001", "P001"]


def test_missing_column_cli_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_jsonl(tmp_path / "sg.jsonl", sharegpt(500))
    assert main(["check", str(path), "--task", "chat", "--field-conversation", "messages", "--min-rows", "1",
                 "--isolated"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[-1] == "FAILED: 1 file(s), 500 rows, 1 error(s), 0 warning(s)"
    assert ": S001 [error] " in out[1] and "(hint: " in out[1]  # the one finding, its hint on its line
    assert main(["convert", str(path), "-o", str(tmp_path / "o.jsonl"), "--task", "chat",
                 "--field-conversation", "messages", "--min-rows", "1", "--isolated"]) == 1
    assert sum(" V001 " in ln or " D001 " in ln for ln in capsys.readouterr().out.splitlines()) == 0


@pytest.mark.parametrize("task", ["text", "dpo"])
def test_every_missing_column_is_one_finding_in_check_and_convert(tmp_path: Path, task: str) -> None:
    """Rows empty only because their columns are missing: no D003 either."""
    path = write_jsonl(tmp_path / "qa.jsonl", [{"question": f"q{i}", "answer": f"a{i}"} for i in range(50)])
    fields = {"text": {"field_instruction": "prompt", "field_output": "response"}, "dpo": {}}[task]
    report = ftprep.check(str(path), task=task, min_rows=1, **fields)
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), task=task, min_rows=1, **fields)
    expected = {"text": ["prompt", "response"], "dpo": ["prompt", "chosen", "rejected"]}[task]
    for got in (report, conv.report):
        assert [(d.code, d.field) for d in got.diagnostics] == [("S001", c) for c in expected]
    option = "field-instruction" if task == "text" else "field-prompt"
    assert conv.report.diagnostics[0].hint == f"map it: --{option} question"


def test_rows_without_a_trained_value_are_not_duplicates(tmp_path: Path) -> None:
    """Some rows lack the column (a V001 each); they are not reported as copies of each other."""
    rows = [{"conversations": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
            for i in range(4)] + [{"messages": []}, {"conversations": None}, {"messages": []}]
    report = ftprep.check(str(write_jsonl(tmp_path / "d.jsonl", rows)), task="chat", min_rows=1)
    assert [(d.code, d.line) for d in report.diagnostics] == [("V001", 5), ("V001", 6), ("V001", 7)]


# --- S003 counts values that hold data -----------------------------------------------------------
def alpaca(inputs: list[str]) -> list[dict]:
    return [{"instruction": f"do {i}", "input": x, "output": f"done {i}"} for i, x in enumerate(inputs)]


@pytest.mark.parametrize("explain_all", [False, True])
def test_empty_dropped_column_is_not_a_finding(tmp_path: Path, explain_all: bool) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", alpaca([""] * 91))
    report = ftprep.check(str(path), min_rows=1, explain_all=explain_all)
    assert report.files[0].task == "text" and report.diagnostics == []


@pytest.mark.parametrize("explain_all", [False, True])
def test_dropped_column_counts_only_rows_with_data(tmp_path: Path, explain_all: bool) -> None:
    inputs = [""] * 91
    for i in (5, 40, 77):
        inputs[i] = "context"
    inputs[60] = "   "  # blank: nothing is lost
    path = write_jsonl(tmp_path / "a.jsonl", alpaca(inputs) + [{"instruction": "x", "input": None, "output": "y"}])
    report = ftprep.check(str(path), min_rows=1, explain_all=explain_all)
    [d] = report.diagnostics
    assert (d.code, d.field, d.count, d.line, d.row) == ("S003", "input", 3, 6, 5)
    assert d.to_json()["lines"] == [6, 41, 78] and d.to_json()["rows"] == [5, 40, 77]
    assert d.text.endswith("(and 2 more rows)") and "more" not in d.message


def test_aggregated_lines_are_capped_and_merged_across_workers(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.checker as checker

    every = write_jsonl(tmp_path / "a.jsonl", alpaca(["context"] * 60))
    [d] = ftprep.check(str(every), min_rows=1).files[0].to_json()["diagnostics"]
    assert d["count"] == 60 and d["lines"] == list(range(1, MAX_PLACES + 1)) and d["rows"] == list(range(MAX_PLACES))
    assert d["message"].endswith("(and 59 more rows)")
    # Every 4th row holds data: both worker ranges add rows to one finding.
    some = write_jsonl(tmp_path / "b.jsonl", alpaca(["" if i % 4 else "context" for i in range(60)]))
    sequential = ftprep.check(str(some), min_rows=1, workers=1)
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    parallel = ftprep.check(str(some), min_rows=1, workers=2)
    assert parallel.to_json() == sequential.to_json()
    [d] = parallel.diagnostics
    assert d.count == 15 and d.rows == tuple(range(0, 60, 4)) and d.to_json()["lines"] == list(range(1, 61, 4))


# --- JSON arrays: every record has its line ------------------------------------------------------
def json_array_fixture(tmp_path: Path) -> tuple[Path, dict[int, int]]:
    """20 records, indented; {row: line where it starts}. Row 7 copies row 2,
    row 9 holds a control token, row 3 a dropped input."""
    recs = [{"instruction": f"i{i}", "input": "", "output": f"o{i}"} for i in range(20)]
    recs[3]["input"] = "extra, {with} [brackets] and \"quotes\""
    recs[7] = dict(recs[2])
    recs[9] = {"instruction": "<|im_end|>", "output": "o"}
    path = tmp_path / "arr.json"
    path.write_text(json.dumps(recs, indent=2))
    starts, line = {}, 2
    for i, r in enumerate(recs):
        starts[i] = line
        line += len(r) + 2  # "{", one line per key, "}"
    return path, starts


def test_json_array_lines_in_every_format(tmp_path: Path) -> None:
    path, starts = json_array_fixture(tmp_path)
    report = ftprep.check(str(path), min_rows=1)
    got = [(d.code, d.row, d.line) for d in report.diagnostics]
    assert got == [("S003", 3, starts[3]), ("D001", 7, starts[7]), ("C016", 9, starts[9])]
    text = render("text", report)
    assert f"{path}:{starts[7]}: D001 [warning] duplicate of line {starts[2]} in the trained columns\n" in text
    assert f"{path}:{starts[9]}: C016 [warning] " in text and f"{path}:{starts[3]}: S003 [warning] " in text
    github = render("github", report)
    assert all(f",line={starts[r]},title={c} " in github for c, r, _ in got)
    doc = json.loads(render("json", report))["files"][0]["diagnostics"]
    assert [(d["line"], d["lines"]) for d in doc] == [(starts[r], [starts[r]]) for _, r, _ in got]
    assert (doc[1]["first_line"], doc[1]["first_row"]) == (starts[2], 2)
    gz = tmp_path / "arr.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert [(d.code, d.row, d.line) for d in ftprep.check(str(gz), min_rows=1).diagnostics] == got


def test_json_array_lines_for_length_findings(tmp_path: Path) -> None:
    rows = [{"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
            {"conversations": [{"role": "user", "content": " ".join(f"story{i}" for i in range(20))},
                               {"role": "assistant", "content": " ".join(f"once{i}" for i in range(40))}]}]
    path = tmp_path / "long.json"
    path.write_text(json.dumps(rows, indent=2))  # row 1 starts on line 14
    report = ftprep.check(str(path), task="chat", max_seq_len=40, min_rows=1)
    assert [(d.code, d.row, d.line) for d in report.diagnostics] == [("T001", 1, 14)]


def test_json_array_lines_in_convert(tmp_path: Path) -> None:
    path, starts = json_array_fixture(tmp_path)
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1)
    got = {d.code: (d.row, d.line, d.first_row, d.first_line) for d in conv.report.diagnostics}
    assert got == {"D001": (7, starts[7], 2, starts[2]), "C016": (9, starts[9], None, None)}
    assert conv.written and conv.rows_written == 20


# --- D001 names both rows ------------------------------------------------------------------------
def test_duplicate_names_both_rows_in_jsonl(tmp_path: Path) -> None:
    rows = [{"instruction": f"q{i}", "output": "a"} for i in range(5)]
    rows.insert(3, {"instruction": "q1", "output": "a", "input": ""})  # the same trained columns
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    for explain_all in (False, True):
        [d] = ftprep.check(str(path), min_rows=1, explain_all=explain_all).diagnostics
        j = d.to_json()
        assert (j["code"], j["line"], j["row"], j["first_line"], j["first_row"]) == ("D001", 4, 3, 2, 1)
        assert j["message"] == "duplicate of line 2 in the trained columns" and j["count"] == 1


def test_fast_and_explained_rows_are_duplicates_of_each_other(tmp_path: Path) -> None:
    """A clean row and a row that needs explaining (its dropped column holds data) share trained columns."""
    rows = [{"instruction": "a", "output": "b"}, {"instruction": "a", "output": "b", "input": "x"}]
    report = ftprep.check(str(write_jsonl(tmp_path / "d.jsonl", rows)), min_rows=1)
    assert [(d.code, d.row, d.first_row) for d in report.diagnostics] == [("S003", 1, None), ("D001", 1, 0)]


def test_grpo_rows_differ_by_their_extra_columns(tmp_path: Path) -> None:
    """Extras reach the reward functions: rows with one prompt and different extras are not copies."""
    rows = [{"prompt": "p", "extra": "1"}, {"prompt": "p", "extra": "2"}, {"prompt": "p", "extra": "1"},
            {"prompt": "p", "extra": {"a": 1}}, {"prompt": "p", "extra": {"a": 1}}]
    path = write_jsonl(tmp_path / "g.jsonl", rows)
    for explain_all in (False, True):
        report = ftprep.check(str(path), task="grpo", min_rows=1, explain_all=explain_all)
        assert [(d.row, d.first_row) for d in report.diagnostics if d.code == "D001"] == [(2, 0), (4, 3)]


def test_to_source_uses_fields_not_the_message() -> None:
    d = Diagnostic("D001", "whatever text", "tmp.jsonl", line=3, row=2, first_line=1, first_row=0)
    moved = _to_source(d, "src.json", array.array("q", [11, 0, 19]), array.array("q", [4, 6, 9]))
    assert (moved.path, moved.line, moved.row, moved.first_line, moved.first_row) == ("src.json", 19, 9, 11, 4)
    assert moved.message == "duplicate of line 11 in the trained columns"
    no_lines = _to_source(d, "src.json", array.array("q", [0, 0, 0]), array.array("q", [4, 6, 9]))
    assert (no_lines.line, no_lines.first_line) == (None, None)
    assert no_lines.message == "row 9 is a duplicate of row 4 in the trained columns"


def test_hub_rows_replace_lines_using_fields() -> None:
    dup = Diagnostic("D001", "whatever text", "hf://datasets/a/b", line=8, row=7, first_line=3, first_row=2)
    agg = Diagnostic("S003", "column 'input' is not mapped", "hf://datasets/a/b", line=2, row=1, count=3,
                     lines=(2, 5, 9), rows=(1, 4, 8))
    report = _unline(FileReport("hf://datasets/a/b", "text", rows=9, diagnostics=[agg, dup]))
    a, d = (x.to_json() for x in report.diagnostics)
    assert (a["line"], a["lines"], a["rows"], a["count"]) == (None, [], [1, 4, 8], 3)
    assert (d["line"], d["first_line"], d["first_row"], d["lines"], d["rows"]) == (None, None, 2, [], [7])
    assert d["message"] == "row 7 is a duplicate of row 2 in the trained columns"


# --- the element scan ----------------------------------------------------------------------------
def brute_starts(text: str) -> list[int]:
    """Element start lines by decoding one element at a time (the slow, obvious way)."""
    decoder, space = json.JSONDecoder(), __import__("re").compile(r"\s*")
    i, out = space.match(text, text.index("[") + 1).end(), []
    while text[i] != "]":
        out.append(text.count("\n", 0, i) + 1)
        _, i = decoder.raw_decode(text, i)
        i = space.match(text, i).end()
        if text[i] == ",":
            i = space.match(text, i + 1).end()
    return out


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\\n[]{},é ', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='k"\\[{,', max_size=3), inner,
                                                                 max_size=3),
    max_leaves=10,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(JSON, max_size=8), indent=st.sampled_from([None, 1, 2]),
       block=st.sampled_from([1, 3, 16, 4096]), ascii_only=st.booleans())
def test_element_lines_match_a_real_decoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: list,
                                            indent: int | None, block: int, ascii_only: bool) -> None:
    text = "\n" + json.dumps(records, indent=indent, ensure_ascii=ascii_only)
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(elements, "BLOCK", block)  # strings and escapes cut by block ends
    expected = dict(enumerate(brute_starts(text)))
    assert element_lines(str(path), False, range(len(records) + 3)) == expected
    wanted = set(range(0, len(records), 2))
    assert element_lines(str(path), False, wanted) == {r: expected[r] for r in wanted}
