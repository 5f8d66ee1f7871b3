"""Real dataset shapes: each fixture in tests/realdata/ is a small file with the
structure of a public dataset (LLaMA-Factory's data/ demos and v1 format,
LLaMA-Factory's alpaca `history`, FastChat ShareGPT, OpenAI chat and preference, HH-RLHF, UltraFeedback,
axolotl's one-conversation fixture). Each converts to exactly the rows in
tests/realdata/expected/, with the findings that say what was dropped, cut or
refused; `check` on the raw file names what the trainer would do to it.

FTPREP_UPDATE_REALDATA=1 rewrites the expected rows (review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import ftprep

HERE = Path(__file__).parent / "realdata"
EXPECTED = HERE / "expected"

# fixture, convert options, rows written, codes convert must give, codes check must give.
CASES = [
    ("alpaca_en_demo.json", {}, 3, set(), {"S003"}),
    ("identity.json", {}, 2, set(), set()),
    ("alpaca_history.json", {}, 2, {"C022"}, {"S003"}),
    ("glaive_toolcall_en_demo.json", {}, 2, {"C021", "S006"}, {"S006"}),
    ("glaive_toolcall_en_demo.json", {"chat_template": "qwen3"}, 2, {"S006"}, {"S006"}),
    ("dpo_en_demo.json", {}, 3, set(), {"V003"}),
    ("kto_en_demo.json", {}, 2, {"V007"}, {"S007"}),
    ("mllm_demo.json", {}, 1, {"C022"}, {"C022"}),
    ("v1_sft_demo.jsonl", {"field_conversation": "messages"}, 3, {"C019", "C020"}, {"C019"}),
    ("v1_dpo_demo.jsonl", {}, 1, set(), set()),
    ("reason_tool_use_demo.jsonl", {}, 2, {"C021", "S006"}, {"S006"}),
    ("reason_tool_use_demo.jsonl", {"chat_template": "qwen3"}, 2, {"S006"}, {"S006"}),
    ("sharegpt_fastchat.json", {}, 2, {"C019"}, {"C019", "C004"}),
    ("openai_chat.jsonl", {"field_conversation": "messages"}, 2, {"C019"}, {"C019"}),
    ("openai_preference.jsonl", {}, 2, set(), set()),
    ("hh_rlhf.jsonl", {}, 2, set(), set()),
    ("ultrafeedback.jsonl", {}, 2, {"V006"}, {"V003"}),
    ("conversation.json", {}, 1, set(), {"P009"}),
]
# Findings convert gives for what it changed or refused: never errors that stop a file.
CHANGE_CODES = {"C019", "C020", "C021", "S006", "V007"}


def _name(fixture: str, opts: dict) -> str:
    stem = fixture.split(".")[0]
    return stem + "".join(f"-{v}" for k, v in sorted(opts.items()) if k == "chat_template") + ".jsonl"


def _ids() -> list[str]:
    return [_name(f, o).removesuffix(".jsonl") for f, o, *_ in CASES]


@pytest.mark.parametrize(("fixture", "opts", "rows", "convert_codes", "check_codes"), CASES, ids=_ids())
def test_real_shape_converts_to_the_expected_rows(tmp_path: Path, fixture: str, opts: dict, rows: int,
                                                  convert_codes: set, check_codes: set) -> None:
    source = HERE / fixture
    before = source.read_bytes()
    out = tmp_path / "out.jsonl"
    result = ftprep.convert(str(source), str(out), min_rows=1, drop_invalid=True, **opts)
    assert source.read_bytes() == before  # the input is never modified
    assert result.written and result.rows_written == rows, result.report.to_json()
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected_file = EXPECTED / _name(fixture, opts)
    if os.environ.get("FTPREP_UPDATE_REALDATA"):
        EXPECTED.mkdir(exist_ok=True)
        expected_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got), encoding="utf-8")
    expected = [json.loads(line) for line in expected_file.read_text(encoding="utf-8").splitlines()]
    assert got == expected
    codes = set(result.report.codes())
    assert convert_codes <= codes, codes
    # The rows dropped or refused are exactly the ones the findings name.
    assert result.rows_dropped == result.rows_in - rows
    for d in result.report.diagnostics:
        if d.code in CHANGE_CODES:
            assert d.severity == "warning" and d.row is not None


@pytest.mark.parametrize(("fixture", "opts", "rows", "convert_codes", "check_codes"), CASES, ids=_ids())
def test_check_names_what_the_trainer_does_to_the_raw_file(fixture: str, opts: dict, rows: int,
                                                           convert_codes: set, check_codes: set) -> None:
    report = ftprep.check(str(HERE / fixture), min_rows=1, **opts)
    assert check_codes <= set(report.codes()), report.to_json()


def test_conversion_keeps_every_turn_and_the_system_message() -> None:
    """The multi-turn preference rows keep their system message and earlier turns in the prompt."""
    rows = [json.loads(x) for x in (EXPECTED / "ultrafeedback.jsonl").read_text().splitlines()]
    assert rows[1]["prompt"].startswith("You are a zoologist.\n\nUser: Name a mammal that lays eggs.")
    dpo = [json.loads(x) for x in (EXPECTED / "dpo_en_demo.jsonl").read_text().splitlines()]
    assert dpo[1]["prompt"] == "You are a patient teacher.\n\nWhat is a noun?"
    assert all("None" not in json.dumps(r) for r in rows + dpo)


def test_reasoning_and_tool_calls_are_written_as_the_template_renders_them() -> None:
    qwen = [json.loads(x) for x in (EXPECTED / "reason_tool_use_demo-qwen3.jsonl").read_text().splitlines()]
    call = qwen[0]["conversations"][2]["content"]
    assert call == ('<think>\nI should call circle_area.\n</think>\n\n<tool_call>\n'
                    '{"name": "circle_area", "arguments": {"radius": 2}}\n</tool_call>')
    plain = [json.loads(x) for x in (EXPECTED / "reason_tool_use_demo.jsonl").read_text().splitlines()]
    assert plain[1]["conversations"][1]["content"] == "<think>\nEasy.\n</think>\n\nHello."


def test_kto_convert_says_how_many_undesirable_rows_it_dropped(tmp_path: Path) -> None:
    result = ftprep.convert(str(HERE / "kto_en_demo.json"), str(tmp_path / "o.jsonl"), task="chat", min_rows=1)
    assert result.written and result.rows_written == 2 and result.rows_dropped == 1
    [note] = [d for d in result.report.diagnostics if d.code == "V007"]
    assert note.row == 1


def test_a_convert_that_writes_nothing_is_not_written(tmp_path: Path) -> None:
    rows = [{"messages": [{"role": "user", "content": "<image>What is this?"},
                          {"role": "assistant", "content": "A cat."}], "images": ["1.jpg"]}]
    source = tmp_path / "mm.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "o.jsonl"
    result = ftprep.convert(str(source), str(out), task="chat", min_rows=1, drop_invalid=True)
    assert not result.written and result.output is None and result.rows_written == 0
    assert not out.exists()
    assert {"C022", "P004"} <= set(result.report.codes())


def test_one_conversation_object_is_one_record(tmp_path: Path) -> None:
    report = ftprep.check(str(HERE / "conversation.json"), min_rows=1)
    [p009] = report.diagnostics
    assert p009.code == "P009" and "one record" in p009.message and "convert reads it as one record" in p009.hint
    out = tmp_path / "o.jsonl"
    result = ftprep.convert(str(HERE / "conversation.json"), str(out), min_rows=1)
    assert result.rows_in == 1 and result.rows_written == 1
    [row] = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(row["conversations"]) == 4


def test_a_wrapper_object_still_reads_its_records(tmp_path: Path) -> None:
    source = tmp_path / "wrapped.json"
    source.write_text(json.dumps({"data": [{"instruction": "a", "output": "b"}, {"instruction": "c", "output": "d"}]}))
    result = ftprep.convert(str(source), str(tmp_path / "o.jsonl"), min_rows=1)
    assert result.rows_in == 2 and result.rows_written == 2


def test_convert_hints_never_send_the_user_to_convert(tmp_path: Path) -> None:
    source = tmp_path / "odd.jsonl"
    source.write_text(json.dumps({"prompt": "p", "chosen": {"score": 1}, "rejected": "r"}) + "\n")
    result = ftprep.convert(str(source), str(tmp_path / "o.jsonl"), task="dpo", min_rows=1)
    assert not result.written
    assert result.report.diagnostics and all("ftprep convert" not in (d.hint or "") for d in result.report.diagnostics)


def test_cli_convert_that_writes_nothing_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ftprep.cli import main

    out = tmp_path / "o.jsonl"
    code = main(["convert", str(HERE / "mllm_demo.json"), "-o", str(out), "--task", "chat", "--min-rows", "1"])
    assert code == 1 and not out.exists()  # one row is multimodal: refused, so nothing is written without --drop-invalid
    code = main(["convert", str(HERE / "kto_en_demo.json"), "-o", str(out), "--task", "chat", "--min-rows", "1"])
    assert code == 0 and len(out.read_text().splitlines()) == 2
    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_text(json.dumps({"messages": [{"role": "user", "content": "<image>x"},
                                                 {"role": "assistant", "content": "y"}]}) + "\n")
    capsys.readouterr()
    code = main(["convert", str(only_bad), "-o", str(tmp_path / "b.jsonl"), "--task", "chat", "--min-rows", "1",
                 "--drop-invalid"])
    assert code == 1 and not (tmp_path / "b.jsonl").exists()
    assert "no row is left to write" in capsys.readouterr().out


@pytest.mark.parametrize(("fixture", "opts", "rows", "convert_codes", "check_codes"), CASES, ids=_ids())
def test_fast_and_explain_paths_agree_on_real_shapes(fixture: str, opts: dict, rows: int,
                                                     convert_codes: set, check_codes: set) -> None:
    fast = ftprep.check(str(HERE / fixture), min_rows=1, **opts).to_json()
    assert fast == ftprep.check(str(HERE / fixture), min_rows=1, explain_all=True, **opts).to_json()


def _one(messages_: list, tmp_path: Path, **opts: object) -> tuple[list, list]:
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"messages": messages_}) + "\n")
    out = tmp_path / "o.jsonl"
    result = ftprep.convert(str(source), str(out), task="chat", min_rows=1, **opts)
    rows = [json.loads(x)["conversations"] for x in out.read_text().splitlines()] if result.written else []
    return rows, result.report.codes()


def test_content_parts_in_both_spellings_join_their_text(tmp_path: Path) -> None:
    rows, codes = _one([{"role": "user", "content": [{"type": "text", "text": "a "}, {"type": "text", "value": "b"}]},
                        {"role": "assistant", "content": [{"type": "text", "value": "c"}]}], tmp_path)
    assert rows == [[{"role": "user", "content": "a b"}, {"role": "assistant", "content": "c"}]] and codes == []


def test_a_part_convert_cannot_map_is_refused_not_stringified(tmp_path: Path) -> None:
    rows, codes = _one([{"role": "user", "content": [{"type": "file", "value": "x.pdf"}]},
                        {"role": "assistant", "content": "ok"}], tmp_path)
    assert rows == [] and codes == ["C006"]


def test_every_assistant_turn_masked_is_refused(tmp_path: Path) -> None:
    rows, codes = _one([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0}], tmp_path)
    assert rows == [] and codes == ["S005"]


def test_qwen3_tool_call_after_text_keeps_both(tmp_path: Path) -> None:
    call = '{"name": "f", "arguments": {}}'
    rows, codes = _one([{"role": "user", "content": "q"},
                        {"role": "assistant", "content": [{"type": "text", "value": "Let me look."},
                                                          {"type": "tool_call", "value": call},
                                                          {"type": "tool_call", "value": call}]},
                        {"role": "tool", "content": "r"}, {"role": "assistant", "content": "done"}],
                       tmp_path, chat_template="qwen3")
    expected = f"Let me look.\n<tool_call>\n{call}\n</tool_call>\n<tool_call>\n{call}\n</tool_call>"
    assert rows[0][1]["content"] == expected and "C021" not in codes
    rows, codes = _one([{"role": "user", "content": "q"},
                        {"role": "assistant", "content": [{"type": "text", "value": "Let me look."},
                                                          {"type": "tool_call", "value": call}]},
                        {"role": "tool", "content": "r"}, {"role": "assistant", "content": "done"}], tmp_path)
    assert rows[0][1]["content"] == f"Let me look.\n{call}" and "C021" in codes
