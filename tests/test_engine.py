"""The fast path and the explain path must not drift, and the published
schemas must agree with the checks on which rows are valid."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from golden_args import case_args
from hypothesis import HealthCheck, given, settings, strategies as st

import ftprep
from ftprep.disk.streams import BLOCK

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
ROW_CASES = sorted(
    c for c in GOLDEN.iterdir()
    if c.is_dir() and any(p.name.startswith("input.") and not p.name.endswith(".zip") for p in c.iterdir())
) if GOLDEN.exists() else []
# Codes a row schema expresses: a row has none of these errors iff it is schema-valid.
SCHEMA_CODES = {"V001", "V002", "V003", "C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008", "C010"}


def _args(case: Path) -> dict:
    args = case_args(case)
    args.setdefault("min_rows", 1)
    return args


def _input(case: Path) -> Path:
    return next(p for p in sorted(case.iterdir()) if p.name.startswith("input."))


def _local(case: Path) -> bool:
    """A row case checked from a local file (not an image set, a server, or a convert)."""
    args = _args(case)
    return args.get("task") != "image" and not {"serve", "hub", "convert"} & set(args)


LOCAL_CASES = [c for c in ROW_CASES if _local(c)]
# Plain JSON Lines is what gets split across processes.
JSONL_CASES = [c for c in LOCAL_CASES if _input(c).name.endswith(".jsonl")]
# Row schemas describe the default columns of text/chat/dpo/grpo rows.
SCHEMA_CASES = [c for c in JSONL_CASES if not any(k.startswith("field_") for k in _args(c))
                and _args(c).get("task", "text") in ("text", "chat", "dpo", "grpo")]


@pytest.mark.parametrize("case", LOCAL_CASES, ids=[c.name for c in LOCAL_CASES])
def test_fast_and_explain_paths_agree_on_goldens(case: Path) -> None:
    args = _args(case)
    fast = ftprep.check(str(_input(case)), **args).to_json()
    slow = ftprep.check(str(_input(case)), explain_all=True, **args).to_json()
    assert fast == slow


@pytest.mark.parametrize("case", JSONL_CASES, ids=[c.name for c in JSONL_CASES])
def test_parallel_scan_matches_sequential(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = _args(case)
    import ftprep.engine.checker as checker

    sequential = ftprep.check(str(_input(case)), workers=1, **args).to_json()
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)  # a threshold of ours, not a client function
    parallel = ftprep.check(str(_input(case)), workers=2, **args).to_json()
    assert parallel == sequential


# --- random rows: both paths, and the schemas --------------------------------------------
CONTROL = ["<|im_end|>", "[INST]", "<｜User｜>", "<start_of_turn>", "<eos>", "</think>", "<think>", "<image>", "<video>"]
# Placeholders (V010) and the code, math and markup that must not count as one.
PLACEHOLDERS = ["{{name}}", "{{ a.b }}", "{name}", "<NAME_X>", "[INSERT X]", "[YOUR NAME]",
                "`{x}`", "{{`x` y}}", "$x^{2}$", "f\"{x}\"", "<DIV>", "{\"a\": 1}", "```\n{{x}}\n```", "\\frac{a}{b}"]
# Credentials and personal data (Q010-Q015), and look-alikes that are neither (keys assembled, not stored whole).
SECRETS = ["AKIA" + "QX4MPLE7ZT3K2FWN", "hf_" + "QhZrTmWpLkXvNbYcDsFgJaReTuIoPzMxKq", "jane.doe@acme-corp.io",
           "+1 415-555-2671", "4528 7316 0294 5185", "DE34 3704 0044 0987 6543 21",
           "4111 1111 1111 1111", "AKIA" + "IOSFODNN7EXAMPLE", "8.8.4.4", "sales@example.com",
           "api_key=" + "q8Zr4Lm2Xv9Tn3Wb7Ks1Pd6Y", "X-API-Key: YOUR_API_KEY", "192.168.1.1", "<EMAIL>"]
text = st.one_of(
    st.text(max_size=12),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=4), st.sampled_from(SECRETS), st.text(max_size=4)),
    st.sampled_from(["", " ", "\n\t", "\u3000", "\u00a0", "ok", "café", "a<b", "[x]", "\\u003c"]),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=4), st.sampled_from(CONTROL), st.text(max_size=4)),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=4), st.sampled_from(PLACEHOLDERS), st.text(max_size=4)),
)
role = st.sampled_from(["system", "user", "assistant", "tool", "human", "gpt", ""])
message = st.one_of(
    st.fixed_dictionaries({"role": role, "content": text}),
    st.fixed_dictionaries({"role": role, "content": st.one_of(st.none(), st.integers(), st.lists(text, max_size=2))}),
    st.fixed_dictionaries({"from": role, "value": text}),
    st.fixed_dictionaries({"role": role, "content": text, "tool_calls": st.just([{"id": "abc"}])}),
    # Per-message weights (OpenAI/ShareGPT `weight`, LLaMA-Factory v1 `loss_weight`).
    st.fixed_dictionaries({"role": role, "content": text},
                          optional={"weight": st.sampled_from([0, 1, 0.0, False, True]),
                                    "loss_weight": st.sampled_from([0.0, 1.0])}),
    text,
)
value = st.one_of(text, st.none(), st.integers(), st.lists(text, max_size=2), st.dictionaries(st.text(max_size=3), text, max_size=2))
chat_row = st.fixed_dictionaries({"conversations": st.one_of(st.lists(message, max_size=5), value)},
                                 optional={"system": text, "label": st.one_of(st.booleans(), text), "tools": value,
                                           "images": st.one_of(st.lists(text, max_size=2), value)})
text_row = st.fixed_dictionaries({}, optional={"instruction": value, "output": value, "input": value, "instruct": value})
dpo_row = st.fixed_dictionaries({}, optional={"prompt": value, "chosen": value, "rejected": value})
grpo_row = st.fixed_dictionaries({}, optional={"prompt": value, "extra": value})
ROWS = {"chat": chat_row, "text": text_row, "dpo": dpo_row, "grpo": grpo_row}
TEMPLATES = st.sampled_from([None, "chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3"])


def _write(path: Path, rows: list, ascii_only: bool) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in rows), encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.sampled_from(sorted(ROWS)), data=st.data(), template=TEMPLATES, ascii_only=st.booleans())
def test_fast_and_explain_paths_agree_on_random_rows(tmp_path: Path, task: str, data: st.DataObject,
                                                     template: str | None, ascii_only: bool) -> None:
    rows = data.draw(st.lists(ROWS[task], min_size=1, max_size=8))
    path = tmp_path / "rows.jsonl"
    _write(path, rows, ascii_only)
    args = {"task": task, "min_rows": 1, "chat_template": template if task == "chat" else None}
    fast = ftprep.check(str(path), **args).to_json()
    slow = ftprep.check(str(path), explain_all=True, **args).to_json()
    assert fast == slow


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.sampled_from(sorted(ROWS)), data=st.data())
def test_fast_and_explain_paths_agree_on_repeated_rows(tmp_path: Path, task: str, data: st.DataObject) -> None:
    """Duplicates are keyed alike on both paths (a dropped column does not make rows differ),
    in JSON Lines and in an indented JSON array, whose findings all get a line."""
    distinct = data.draw(st.lists(ROWS[task], min_size=1, max_size=4))
    order = data.draw(st.lists(st.integers(0, len(distinct) - 1), min_size=2, max_size=8))
    rows = [distinct[i] for i in order]
    args = {"task": task, "min_rows": 1}
    for name, text in (("rows.jsonl", "".join(json.dumps(r) + "\n" for r in rows)),
                       ("rows.json", json.dumps(rows, indent=1))):
        path = tmp_path / name
        path.write_text(text)
        fast = ftprep.check(str(path), **args)
        assert fast.to_json() == ftprep.check(str(path), explain_all=True, **args).to_json()
        assert all(d.line is not None for d in fast.diagnostics if d.row is not None)


def _schema(task: str) -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "schemas" / f"{task}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.sampled_from(sorted(ROWS)), data=st.data())
def test_schemas_agree_with_checks_on_random_rows(tmp_path: Path, task: str, data: st.DataObject) -> None:
    rows = data.draw(st.lists(ROWS[task], min_size=1, max_size=6))
    path = tmp_path / "rows.jsonl"
    _write(path, rows, False)
    report = ftprep.check(str(path), task=task, min_rows=1)
    invalid_rows = {d.row for d in report.diagnostics if d.severity == "error" and d.code in SCHEMA_CODES}
    if any(d.code == "S001" for d in report.diagnostics):  # absent everywhere: one file-level S001
        invalid_rows = set(range(len(rows)))
    validator = _schema(task)
    for i, row in enumerate(rows):
        if task == "chat" and isinstance(row.get("conversations"), str):
            continue  # the trainer json-loads string conversations; the schema describes lists
        assert validator.is_valid(row) == (i not in invalid_rows), (row, report.to_json())


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=[c.name for c in SCHEMA_CASES])
def test_schemas_agree_with_checks_on_goldens(case: Path) -> None:
    args = _args(case)
    report = ftprep.check(str(_input(case)), **args)
    task = args.get("task") or report.files[0].task
    if task is None:  # S004: no task, so no rows to compare
        assert report.codes() == ["S004"]
        return
    validator = _schema(task)
    invalid_rows = {d.row for d in report.diagnostics if d.severity == "error" and d.code in SCHEMA_CODES}
    if any(d.code == "S001" for d in report.diagnostics):
        invalid_rows = set(range(report.files[0].rows))
    lines = [ln for ln in _input(case).read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines() if ln.strip()]
    for i, raw in enumerate(lines):
        try:
            row = json.loads(raw)
        except (ValueError, RecursionError):  # P013: too deep for any decoder
            continue
        if not isinstance(row, dict) or (task == "chat" and isinstance(row.get("conversations"), str)):
            continue
        assert validator.is_valid(row) == (i not in invalid_rows), (case.name, i, row)


def test_block_boundaries_keep_line_numbers(tmp_path: Path) -> None:
    """Rows straddling the reader's block edges keep their exact lines."""
    good = json.dumps({"instruction": "x" * 1000, "output": "y"})
    n = (BLOCK // len(good)) * 2 + 50
    lines = [good.replace('"y"', f'"y{i}"') for i in range(n)]
    bad_at = [0, BLOCK // len(good), BLOCK // len(good) + 1, n - 1]
    for i in bad_at:
        lines[i] = '{"instruction": "x", "output": ""}'
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines))  # no final newline
    report = ftprep.check(str(path), task="text", min_rows=1, workers=1)
    assert [d.line for d in report.diagnostics if d.code == "V002"] == [i + 1 for i in bad_at]
    assert report.files[0].rows == n


def test_duplicates_are_found_across_worker_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.checker as checker

    rows = [json.dumps({"conversations": [{"role": "user", "content": f"q{i % 500}"},
                                          {"role": "assistant", "content": "a"}]}) for i in range(1000)]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    for workers in (1, 2):
        report = ftprep.check(str(path), min_rows=1, workers=workers)
        dups = [d for d in report.diagnostics if d.code == "D001"]
        assert [d.line for d in dups] == list(range(501, 1001))
        assert dups[0].message == "duplicate of line 1 in the trained columns"


def test_duplicates_in_buckets_match_the_plain_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above BUCKETED rows the keys are split into buckets; the answer must not change."""
    import ftprep.engine.duplicates as duplicates

    rows = [json.dumps({"instruction": f"q{i % 300}", "output": "a"}) for i in range(1000)]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(rows) + "\n")
    plain = ftprep.check(str(path), min_rows=1).to_json()
    monkeypatch.setattr(duplicates, "BUCKETED", 10)
    bucketed = ftprep.check(str(path), min_rows=1).to_json()
    assert bucketed == plain
    dups = [d for d in plain["files"][0]["diagnostics"] if d["code"] == "D001"]
    assert len(dups) == 700 and dups[0]["line"] == 301 and dups[0]["message"] == "duplicate of line 1 in the trained columns"


def test_blank_lines_keep_lines_and_rows_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.checker as checker

    row = json.dumps({"instruction": "same", "output": "a"})
    text = "\n".join([row, "", "  ", row, '{"instruction": "", "output": "x"}', "", row]) + "\n\n"
    path = tmp_path / "d.jsonl"
    path.write_text(text * 3)  # 12 rows over 24 lines; the repeats straddle the blank lines
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    for workers in (1, 2):
        report = ftprep.check(str(path), min_rows=1, workers=workers)
        assert report.files[0].rows == 12
        got = [(d.code, d.line, d.row) for d in report.diagnostics]
        assert [g for g in got if g[0] == "V002"] == [("V002", 5, 2), ("V002", 13, 6), ("V002", 21, 10)]
        dups = {d.row: (d.line, d.message) for d in report.diagnostics if d.code == "D001"}
        first = "duplicate of line 1 in the trained columns"
        assert dups == {1: (4, first), 3: (7, first), 4: (9, first), 5: (12, first), 7: (15, first),
                        8: (17, first), 9: (20, first), 11: (23, first),
                        6: (13, "duplicate of line 5 in the trained columns"),
                        10: (21, "duplicate of line 5 in the trained columns")}
