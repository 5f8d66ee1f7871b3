"""convert: every common source shape maps to the canonical columns, is
checked, and is written atomically (or not at all)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

import ftprep


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def convert(tmp_path: Path, rows: list, **kw) -> tuple[ftprep.Conversion, list[dict]]:
    src = write_jsonl(tmp_path / "src.jsonl", rows)
    out = tmp_path / "out" / "train.jsonl"
    result = ftprep.convert(src, out, min_rows=1, **kw)
    return result, (read_jsonl(out) if out.exists() else [])


def test_alpaca_input_is_folded_never_dropped(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [
        {"instruction": "Translate to English", "input": "Bonjour", "output": "Hello"},
        {"instruction": "Say hi", "input": "", "output": "hi"},
    ])
    assert result.shape == "alpaca" and result.task == "text"
    assert rows == [{"instruction": "Translate to English\n\nBonjour", "output": "Hello"},
                    {"instruction": "Say hi", "output": "hi"}]
    assert result.job_fields == {"fieldInstruction": "instruction", "fieldOutput": "output"}


def test_openai_messages(tmp_path: Path) -> None:
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}]
    result, rows = convert(tmp_path, [{"messages": msgs, "id": 1}])
    assert result.shape == "messages"
    assert rows == [{"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                       {"role": "assistant", "content": "Hello"}]}]
    assert result.job_fields == {"fieldConversation": "conversations"}


def test_sharegpt_from_value_and_roles(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"conversations": [
        {"from": "system", "value": "S"}, {"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}])
    assert result.written
    assert rows[0]["conversations"] == [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
                                        {"role": "assistant", "content": "A"}]
    # check alone flags the same file: ShareGPT keys are not what the API documents
    src = tmp_path / "src.jsonl"
    assert "C004" in ftprep.check(src, min_rows=1).codes()


def test_separate_system_column_becomes_a_message(tmp_path: Path) -> None:
    _, rows = convert(tmp_path, [{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
                                  "system": "You are terse."}])
    assert rows[0]["conversations"][0] == {"role": "system", "content": "You are terse."}


def test_prompt_completion(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"prompt": "2+2=", "completion": "4"}], task="text")
    assert result.shape == "prompt-completion"
    assert rows == [{"instruction": "2+2=", "output": "4"}]


def test_dolly_context_is_folded(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"instruction": "Who?", "context": "Ada wrote it.", "response": "Ada", "category": "qa"}])
    assert result.shape == "dolly"
    assert rows == [{"instruction": "Who?\n\nAda wrote it.", "output": "Ada"}]


def test_preference_message_lists(tmp_path: Path) -> None:
    row = {"chosen": [{"role": "user", "content": "Pick one"}, {"role": "assistant", "content": "A"}],
           "rejected": [{"role": "user", "content": "Pick one"}, {"role": "assistant", "content": "B"}]}
    result, rows = convert(tmp_path, [row])
    assert result.task == "dpo" and result.shape == "preference-messages"
    assert rows == [{"prompt": "Pick one", "chosen": "A", "rejected": "B"}]


def test_hh_rlhf_transcripts(tmp_path: Path) -> None:
    row = {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello there!\n\nHuman: Bye\n\nAssistant: Goodbye, friend.",
           "rejected": "\n\nHuman: Hi\n\nAssistant: Hello there!\n\nHuman: Bye\n\nAssistant: Whatever."}
    result, rows = convert(tmp_path, [row])
    assert result.shape == "hh-rlhf"
    assert rows == [{"prompt": "Human: Hi\n\nAssistant: Hello there!\n\nHuman: Bye\n\nAssistant:",
                     "chosen": "Goodbye, friend.", "rejected": "Whatever."}]


def test_hh_rlhf_without_shared_prefix_is_an_error(tmp_path: Path) -> None:
    row = {"chosen": "\n\nHuman: A\n\nAssistant: x", "rejected": "\n\nHuman: B\n\nAssistant: y"}
    result, rows = convert(tmp_path, [row])
    assert not result.written and rows == []
    assert result.report.codes() == ["S005"]


def test_grpo_extra_columns_become_json_strings(tmp_path: Path) -> None:
    _, rows = convert(tmp_path, [{"prompt": "Count to 3", "answer": 3, "meta": {"tags": ["a"]}, "note": "n"}], task="grpo")
    assert rows == [{"prompt": "Count to 3", "answer": "3", "meta": '{"tags": ["a"]}', "note": '"n"'}]
    assert json.loads(rows[0]["meta"]) == {"tags": ["a"]}


def test_mapping_flags(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"q": "Q?", "a": "A."}], task="text", field_instruction="q", field_output="a")
    assert rows == [{"instruction": "Q?", "output": "A."}] and result.written


def test_refuses_on_errors_and_writes_nothing(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"instruction": "ok", "output": "fine"}, {"instruction": "", "output": "x"}])
    assert not result.written and result.output is None
    assert not (tmp_path / "out" / "train.jsonl").exists()
    assert list((tmp_path / "out").iterdir()) == []  # no temporary file left behind
    assert result.report.codes() == ["V002"]
    assert result.report.diagnostics[0].line == 2


def test_drop_invalid_writes_valid_rows_and_counts(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"instruction": "ok", "output": "fine"}, {"instruction": "", "output": "x"},
                                      "not json at all", {"instruction": "b", "output": "y"}], drop_invalid=True)
    assert result.written
    assert rows == [{"instruction": "ok", "output": "fine"}, {"instruction": "b", "output": "y"}]
    assert (result.rows_in, result.rows_written, result.rows_dropped) == (4, 2, 2)


def test_bad_json_line_points_at_source_line(tmp_path: Path) -> None:
    src = tmp_path / "src.jsonl"
    src.write_text('{"instruction": "a", "output": "b"}\n{oops\n{"instruction": "c", "output": ""}\n')
    result = ftprep.convert(src, tmp_path / "o.jsonl", min_rows=1)
    assert [(d.code, d.line) for d in result.report.diagnostics] == [("P001", 2), ("V002", 3)]


def test_parquet_output_and_load(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "src.jsonl", [{"messages": [{"role": "user", "content": "Q"},
                                                             {"role": "assistant", "content": "A"}]}] * 3)
    out = tmp_path / "train.parquet"
    result = ftprep.convert(src, out, min_rows=1)
    assert result.written
    df = pl.read_parquet(out)
    assert df.columns == ["conversations"] and df.height == 3
    assert df["conversations"][0].to_list() == [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    loaded = ftprep.load(src, min_rows=1)
    assert loaded.columns == ["conversations"] and loaded.height == 3


def test_load_raises_on_errors(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "src.jsonl", [{"instruction": "", "output": "x"}])
    with pytest.raises(ValueError, match="V002"):
        ftprep.load(src, min_rows=1)


def test_csv_source_with_line_numbers(tmp_path: Path) -> None:
    src = tmp_path / "src.csv"
    src.write_text('instruction,output\n"multi\nline",ok\nfine,\n', encoding="utf-8")
    result = ftprep.convert(src, tmp_path / "o.jsonl", min_rows=1)
    assert [(d.code, d.line) for d in result.report.diagnostics] == [("V001", 4)]


def test_input_is_never_modified(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "src.jsonl", [{"instruction": "Translate", "input": "Hola", "output": "Hi"}])
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    ftprep.convert(src, tmp_path / "o.jsonl", min_rows=1)
    ftprep.convert(src, tmp_path / "o.parquet", min_rows=1)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before


def test_converted_output_matches_the_schema(tmp_path: Path) -> None:
    import jsonschema

    root = Path(__file__).parent.parent / "schemas"
    cases = {
        "text": [{"instruction": "a", "input": "b", "output": "c"}],
        "chat": [{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}],
        "dpo": [{"prompt": "p", "chosen": "c", "rejected": "r"}],
        "grpo": [{"prompt": "p", "x": [1]}],
    }
    for task, rows in cases.items():
        result, out = convert(tmp_path / task, rows, task=task) if (tmp_path / task).mkdir() is None else (None, [])
        schema = json.loads((root / f"{task}.schema.json").read_text())
        for row in out:
            jsonschema.validate(row, schema)
        assert out, task


def test_grpo_extra_values_json_cannot_hold_become_text(tmp_path: Path) -> None:
    import datetime

    import polars as pl

    src = tmp_path / "g.parquet"
    pl.DataFrame({"prompt": ["Count to 3"], "when": [datetime.date(2026, 1, 2)]}).write_parquet(src)
    result = ftprep.convert(src, tmp_path / "o.jsonl", task="grpo", min_rows=1)
    assert result.written
    assert read_jsonl(tmp_path / "o.jsonl") == [{"prompt": "Count to 3", "when": '"2026-01-02"'}]


def test_every_role_check_names_convert_maps(tmp_path: Path) -> None:
    result, rows = convert(tmp_path, [{"conversations": [{"from": "human", "value": "q"},
                                                         {"from": "bard", "value": "a"}]}])
    assert rows[0]["conversations"][1]["role"] == "assistant"


def test_outputs_get_an_ordinary_files_mode(tmp_path: Path) -> None:
    import os
    import stat

    mask = os.umask(0o022)
    try:
        _, rows = convert(tmp_path, [{"instruction": "a", "output": "b"}])
        out = tmp_path / "out" / "train.jsonl"
        assert stat.S_IMODE(out.stat().st_mode) == 0o644  # mkstemp's 0600 would hide it from others
        parquet = tmp_path / "o.parquet"
        ftprep.convert(tmp_path / "src.jsonl", parquet, min_rows=1)
        assert stat.S_IMODE(parquet.stat().st_mode) == 0o644
    finally:
        os.umask(mask)
