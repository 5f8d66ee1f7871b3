"""`ftprep.render` and `ftprep render`: the trainer's prep, DPO/GRPO, diagnostics, CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli, main
from ftprep.engine.renderer import render
from ftprep.templates import TEMPLATES
from ftprep.templates.base import PHI4_DEFAULT_MARKER

SAMPLE = Path(__file__).parent.parent / "sample_data"


def write(tmp_path: Path, rows: list[object], name: str = "data.jsonl") -> str:
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                 encoding="utf-8")
    return str(p)


def chat(*turns: tuple[str, object], **extra: object) -> dict:
    return {"conversations": [{"role": r, "content": c} for r, c in turns], **extra}


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_sample_chat_renders_with_every_template(name: str) -> None:
    result = render(str(SAMPLE / "chat_good.jsonl"), chat_template=name)
    assert result.task == "chat" and len(result.entries) == 12
    mistral_or_gemma = name in ("mistral_v3_tekken", "gemma3")
    for e in result.entries:
        if e.text is None:  # only the strict-alternation templates may reject a good chat file
            assert mistral_or_gemma and e.diagnostics[0].code == "C012"
            continue
        trained = [e.text[a:b] for a, b in e.spans]
        assert trained and all(s.startswith(("Here is", "An example")) for s in trained), trained
    assert isinstance(ftprep.render(str(SAMPLE / "chat_good.jsonl"), rows=1), type(result))


def test_trainer_prep_of_chat_rows(tmp_path: Path) -> None:
    rows = [
        chat(("user", "q"), ("assistant", None), ("assistant", "a")),            # null content: message dropped
        {"conversations": json.dumps([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])},
        {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},  # ShareGPT: dropped, C004
        chat(("user", "only one")),                                               # dropped: C007
        {"conversations": "not a list"},                                          # C001
        {"other": 1},                                                             # V001
        "[1, 2]",                                                                 # P005
        "{broken",                                                                # P001
        chat(("user", "q"), ("assistant", "a"), system="a separate system column is lost"),
    ]
    result = render(write(tmp_path, rows), task="chat", chat_template="chatml")
    got = result.to_json()
    simple = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n"
    assert got[0] == simple and got[1] == simple and got[8] == simple
    assert got[2:8] == [None] * 6
    codes = {d.line: d.code for d in result.diagnostics}
    assert codes == {3: "C004", 4: "C007", 5: "C001", 6: "V001", 7: "P005", 8: "P001", 9: "S003"}
    assert result.rejected == 6
    # Prep drops ShareGPT, one-message and absent conversations; it keeps a string and axolotl raises on it.
    assert [e.line for e in result.entries if e.dropped] == [3, 4, 6] and result.dropped == 3
    assert "'Unknown messages format'" in result.entries[4].diagnostics[0].message


def test_template_keys_are_kept_only_where_the_template_reads_them(tmp_path: Path) -> None:
    row = {"conversations": [{"role": "user", "content": "q"},
                             {"role": "assistant", "content": "a", "reasoning_content": "because", "name": "x"}]}
    path = write(tmp_path, [row])
    assert render(path, chat_template="qwen3").entries[0].text.endswith(
        "<|im_start|>assistant\n<think>\nbecause\n</think>\n\na<|im_end|>\n")
    assert "because" not in render(path, chat_template="chatml").entries[0].text


def test_tool_call_arguments_are_decoded_like_the_trainer(tmp_path: Path) -> None:
    call = {"id": "abcdefghi", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    row = {"conversations": [{"role": "user", "content": "q"},
                             {"role": "assistant", "content": "", "tool_calls": [call]},
                             {"role": "tool", "content": "1", "tool_call_id": "abcdefghi"},
                             {"role": "assistant", "content": "done"}]}
    path = write(tmp_path, [row, {"conversations": [{"role": "user", "content": "q"}, {
        "role": "assistant", "content": "", "tool_calls": [dict(call, function={"name": "f", "arguments": "{bad"})]}]}])
    deepseek = render(path, chat_template="deepseek_v3")
    assert deepseek.entries[0].text is None and deepseek.entries[0].diagnostics[0].code == "C012"
    qwen = render(path, chat_template="qwen3")
    assert '<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_call>' in qwen.entries[0].text
    assert qwen.entries[1].text is None and "JSON" in qwen.entries[1].diagnostics[0].message


def test_phi4_marks_the_injected_system_prompt(tmp_path: Path) -> None:
    path = write(tmp_path, [chat(("user", "q"), ("assistant", "a")), chat(("system", "mine"), ("user", "q"),
                                                                           ("assistant", "a"))])
    result = render(path, chat_template="phi_4")
    first, second = result.entries
    assert PHI4_DEFAULT_MARKER in first.text and first.default_system
    assert [d.code for d in first.diagnostics] == ["C015"]
    assert second.text.startswith("<|im_start|>system<|im_sep|>mine<|im_end|>") and not second.diagnostics
    supplied = render(path, chat_template="phi_4", default_system="SYS")
    assert supplied.entries[0].text.startswith("<|im_start|>system<|im_sep|>SYS<|im_end|>")
    assert not supplied.diagnostics


def test_dpo_renders_prompt_with_generation_prompt_then_each_response(tmp_path: Path) -> None:
    path = write(tmp_path, [{"prompt": "Name a colour.", "chosen": "Blue.", "rejected": "Grey."},
                            {"prompt": "p", "chosen": " padded ", "rejected": "fine"},
                            {"prompt": "p", "chosen": "", "rejected": "x"}])
    result = render(path, chat_template="llama3")
    first = result.to_json()[0]
    assert first == {
        "prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nName a colour.<|eot_id|>"
                  "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "chosen": "Blue.<|eot_id|>", "rejected": "Grey.<|eot_id|>"}
    # llama3 trims " padded ", so the trainer's find() misses and keeps the last character.
    assert result.to_json()[1]["chosen"] == ">"
    assert [d.code for d in result.entries[1].diagnostics] == ["T003"]
    assert result.to_json()[2] is None and result.entries[2].diagnostics[0].code == "V002"
    spans = result.entries[0].pair
    assert spans["prompt"].spans == () and spans["chosen"].trained_text() == "Blue.<|eot_id|>"


def test_grpo_renders_the_prompt_with_a_generation_prompt() -> None:
    result = render(str(SAMPLE / "grpo_good.jsonl"), chat_template="qwen3", rows=2)
    assert result.task == "grpo" and len(result.entries) == 2
    assert result.to_json()[0] == ("<|im_start|>user\nWrite a haiku about photosynthesis.<|im_end|>\n"
                                   "<|im_start|>assistant\n<think>\n\n")
    assert all(e.spans == () for e in result.entries)


def test_gemma3_rejections_keep_their_lines(tmp_path: Path) -> None:
    rows = [chat(("user", "q"), ("assistant", "a")), "", chat(("assistant", "a"), ("user", "q")),
            chat(("user", "q"), ("user", "q2"), ("assistant", "a"))]
    result = render(write(tmp_path, rows), chat_template="gemma3")
    assert result.to_json()[1:] == [None, None]
    assert [(d.line, d.row, d.code) for d in result.diagnostics] == [(3, 1, "C012"), (4, 2, "C012")]
    assert "must alternate" in result.diagnostics[0].message


def test_render_rejects_an_unknown_task_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, [{"x": 1}])
    with pytest.raises(ValueError, match="cannot infer the task"):
        render(path)
    assert main(["render", path]) == 2


def test_cli_json_matches_the_library_and_exits_1_on_rejections() -> None:
    runner = CliRunner()
    path = str(SAMPLE / "chat_broken.jsonl")
    res = runner.invoke(cli, ["render", path, "--chat-template", "gemma3", "--format", "json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout) == render(path, chat_template="gemma3").to_json()
    assert "C012" in res.stderr
    ok = runner.invoke(cli, ["render", str(SAMPLE / "chat_good.jsonl"), "--chat-template", "chatml", "--format", "json"])
    assert ok.exit_code == 0 and len(json.loads(ok.stdout)) == 12


def test_cli_text_marks_trained_spans() -> None:
    runner = CliRunner()
    path = str(SAMPLE / "chat_good.jsonl")
    plain = runner.invoke(cli, ["render", path, "--chat-template", "chatml", "--rows", "1"])
    assert plain.exit_code == 0
    assert "[[Here is photosynthesis in one sentence: it is a topic worth learning (0).]]<|im_end|>" in plain.stdout
    assert "--- line 1 ---" in plain.stdout and "line 2" not in plain.stdout
    colored = runner.invoke(cli, ["render", path, "--chat-template", "chatml", "--rows", "1", "--color"], color=True)
    assert "\x1b[" in colored.stdout and "[[" not in colored.stdout


def test_check_and_render_agree_on_tool_calls(tmp_path: Path) -> None:
    """chat_rules (check) and the renderers (tested against the real templates) say the same."""
    import json

    import ftprep

    cases = [
        ("mistral_v3_tekken", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": []}]),
        ("mistral_v3_tekken", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": None}]),
        ("deepseek_v3", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": []}]),
        ("deepseek_v3", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": None}]),
        ("deepseek_v3", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": [
            {"type": "function", "function": {"name": "f", "arguments": "{}"}}]}]),
    ]
    for template, conv in cases:
        path = tmp_path / "c.jsonl"
        path.write_text(json.dumps({"conversations": conv}) + "\n")
        rendered = ftprep.render(str(path), chat_template=template).to_json()[0]
        raises = "C012" in ftprep.check(str(path), chat_template=template, min_rows=1).codes()
        assert raises == (rendered is None), (template, conv, rendered)


def test_a_broken_gz_is_p010_in_render_and_stats(tmp_path: Path) -> None:
    import gzip

    import ftprep

    data = gzip.compress(b'{"conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n' * 50)
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "P010" in [d.code for d in ftprep.render(str(path), task="chat").diagnostics]
    assert "P010" in [d.code for d in ftprep.stats(str(path), task="chat").diagnostics]


def test_unknown_template_is_a_value_error(tmp_path: Path) -> None:
    import pytest

    import ftprep

    with pytest.raises(ValueError, match="unknown chat template"):
        ftprep.render(str(SAMPLE / "chat_good.jsonl"), chat_template="vicuna")


# --- the trainer's view of the file as given, and the converted view ---------------------
def test_alpaca_input_is_dropped_by_the_trainer_and_folded_in_by_convert(tmp_path: Path) -> None:
    path = write(tmp_path, [{"instruction": "Translate.", "input": "Bonjour", "output": "Hello"},
                            {"instruction": "Say hi.", "input": "", "output": "Hi"}])
    trainer = render(path)
    assert trainer.view == "trainer" and trainer.to_json() == ["Translate.Hello", "Say hi.Hi"]
    # Only the non-empty input loses text: one S003, on line 1.
    assert [(d.line, d.code) for d in trainer.diagnostics] == [(1, "S003")]
    converted = render(path, as_converted=True)
    assert converted.view == "converted" and converted.shape == "alpaca"
    assert converted.to_json() == ["Translate.\n\nBonjour" + "Hello", "Say hi.Hi"] and not converted.diagnostics


def test_sharegpt_rows_are_dropped_by_the_trainer_and_rendered_after_convert(tmp_path: Path) -> None:
    rows = [{"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]} for i in range(3)]
    path = write(tmp_path, rows)
    trainer = render(path)
    assert trainer.to_json() == [None] * 3 and trainer.dropped == 3
    assert {d.code for d in trainer.diagnostics} == {"C004"}
    assert "from, value" in trainer.diagnostics[0].message and "--as-converted" in trainer.diagnostics[0].hint
    assert "C004" in ftprep.check(path, min_rows=1).codes()  # check says the same
    converted = render(path, as_converted=True)
    assert converted.to_json()[0] == "<|im_start|>user\nq0<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n"
    runner = CliRunner()
    out = runner.invoke(cli, ["render", path])
    assert out.exit_code == 1
    assert "view: what the trainer gets from this file as given (--as-converted" in out.stdout
    assert "(dropped by the trainer's prep)" in out.stdout
    assert out.stdout.rstrip().endswith("0 of 3 rows rendered; 3 dropped by the trainer's prep")
    conv = runner.invoke(cli, ["render", path, "--as-converted"])
    assert conv.exit_code == 0 and "view: AFTER ftprep convert (source shape conversations)" in conv.stdout
    assert conv.stdout.rstrip().endswith("all rows rendered")


def test_an_unmapped_conversation_column_fails_prep_and_a_missing_value_drops_the_row(tmp_path: Path) -> None:
    msgs = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    path = write(tmp_path, [{"messages": msgs}])
    result = render(path)
    (d,) = result.diagnostics
    # No record has 'conversations': the trainer's prep raises on the file (check: S001).
    assert not result.entries[0].ok and not result.entries[0].dropped
    assert d.code == "S001" and d.hint == "map it: --field-conversation messages"
    assert "S001" in ftprep.check(path, min_rows=1).codes()
    assert render(path, field_conversation="messages").entries[0].ok
    assert render(path, as_converted=True).entries[0].ok
    # One record without the column reads null: prep skips just that row.
    some = write(tmp_path, [{"conversations": msgs}, {"messages": msgs}], "some.jsonl")
    second = render(some).entries[1]
    assert second.dropped and second.diagnostics[0].code == "V001"


def test_text_values_are_strd_as_the_trainer_does(tmp_path: Path) -> None:
    path = write(tmp_path, [{"instruction": "Add 1 and 2.", "output": 3},
                            {"instruction": None, "output": "kept"},
                            {"instruction": "List", "output": ["a", "b"]},
                            {"instruction": "q", "instruct": "taken", "output": "a"}])
    result = render(path, task="text")
    assert result.to_json()[:3] == ["Add 1 and 2.3", "kept", "List['a', 'b']"]
    codes = [[d.code for d in e.diagnostics] for e in result.entries]
    assert codes == [["V004"], ["V001"], ["V003"], ["S002"]]
    # A rename collision is not a dropped row: the trainer's prep raises on the file.
    assert result.entries[3].text is None and not result.entries[3].dropped


def test_dpo_and_grpo_rows_prep_drops(tmp_path: Path) -> None:
    hh = write(tmp_path, [{"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi\n\nAssistant: go"}],
               "hh.jsonl")
    trainer = render(hh, task="dpo")
    assert not trainer.entries[0].ok and trainer.diagnostics[0].code == "S001"
    assert "the column 'prompt' is in none of the first records" in trainer.diagnostics[0].message
    blank = write(tmp_path, [{"prompt": "p", "chosen": " ", "rejected": "r"}], "b.jsonl")
    assert render(blank, task="dpo").entries[0].dropped  # _validate_dpo_data drops blank values
    assert render(hh, task="dpo", as_converted=True).to_json()[0]["chosen"] == "hello<|im_end|>"
    lists = write(tmp_path, [{"prompt": "p", "chosen": [{"role": "assistant", "content": "c"}], "rejected": "r"}],
                  "l.jsonl")
    shown = render(lists, task="dpo").to_json()[0]["chosen"]
    assert shown.startswith("[{'role': 'assistant', 'content': 'c'}]")  # the Python repr the trainer trains on
    grpo = write(tmp_path, [{"prompt": ""}, {"prompt": " "}, {"prompt": "ok"}], "g.jsonl")
    entries = render(grpo, task="grpo").entries
    assert [e.dropped for e in entries] == [True, False, False] and entries[1].ok  # only "" is dropped


def test_stats_count_the_same_rows_as_render(tmp_path: Path) -> None:
    rows = [{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
            chat(("user", "q"), ("assistant", "a"))]
    path = write(tmp_path, rows)
    s = ftprep.stats(path)
    assert (s.rows, s.rendered, s.dropped, s.view) == (2, 1, 1, "trainer")
    c = ftprep.stats(path, as_converted=True)
    assert (c.rendered, c.dropped, c.view, c.shape) == (2, 0, "converted", "conversations")
    out = CliRunner().invoke(cli, ["stats", path, "--as-converted"])
    assert "view: AFTER ftprep convert" in out.stdout.splitlines()[1]
    plain = CliRunner().invoke(cli, ["stats", path, "--format", "json"])
    doc = json.loads(plain.stdout)
    assert (doc["dropped"], doc["view"], doc["rendered"]) == (1, "trainer", 1)


def test_render_and_check_agree_on_random_rows(tmp_path: Path) -> None:
    """A row render does not render (or renders with an error) is a row check reports an error on.
    (Not the converse: check also reports rows that render but train nothing, e.g. C008.)"""
    from hypothesis import HealthCheck, given, settings, strategies as st
    from test_engine import ROWS, TEMPLATES

    from ftprep.engine.scan_state import AGGREGATED  # reported once per file, at the first row

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(task=st.sampled_from(sorted(ROWS)), data=st.data(), template=TEMPLATES)
    def agree(task: str, data: st.DataObject, template: str | None) -> None:
        rows = data.draw(st.lists(ROWS[task], min_size=1, max_size=4))
        path = write(tmp_path, rows)
        template = template if task == "chat" else None
        report = ftprep.check(path, task=task, min_rows=1, chat_template=template).files[0]
        errors = {d.line for d in report.diagnostics if d.severity == "error"}
        once = {d.code for d in report.diagnostics if d.code in AGGREGATED}
        for e in render(path, task=task, chat_template=template).entries:
            if not e.ok or any(d.severity == "error" for d in e.diagnostics):
                assert e.line in errors or None in errors or once & {d.code for d in e.diagnostics}, (
                    rows[e.row], e.diagnostics, report.diagnostics)

    agree()


def test_render_marks_placeholders_in_trained_text_per_row(tmp_path: Path) -> None:
    path = write(tmp_path, [{"question": "Who are you?", "answer": "I am {{name}}."},
                            {"question": "Greet {user}", "answer": "Hello."}])
    result = render(path, field_instruction="question", field_output="answer")
    assert [[(d.code, d.field) for d in e.diagnostics] for e in result.entries] == [[("V010", "answer")], []]
    chats = write(tmp_path, [chat(("user", "{{q}}"), ("assistant", "Fine.")),
                             chat(("user", "q"), ("assistant", "Call me <BOT_NAME>."))], "c.jsonl")
    assert [[d.code for d in e.diagnostics] for e in render(chats).entries] == [[], ["V010"]]


@pytest.mark.parametrize("rows,task", [
    ([{"instruction": "Translate.", "input": "Bonjour", "output": "Hello"},
      {"instruction": "Say hi.", "input": "", "output": "Hi", "system": "Be kind."}], "text"),
    ([{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "system": "S."},
      {"messages": [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]}], "chat"),
    ([{"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi\n\nAssistant: go"}], "dpo"),
])
def test_the_converted_view_is_the_trainer_view_of_converts_output(tmp_path: Path, rows: list, task: str) -> None:
    src = write(tmp_path, rows, "src.jsonl")
    out = str(tmp_path / "out.jsonl")
    done = ftprep.convert(src, out, task=task, min_rows=1, drop_invalid=True)
    assert done.written
    view = render(src, task=task, as_converted=True).to_json()
    assert render(out, task=task).to_json() == [v for v in view if v is not None]
