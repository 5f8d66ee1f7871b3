"""V010: unfilled placeholders in trained text, one finding per file, and no false alarms on code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ftprep
from ftprep.tasks.base import placeholder, placeholder_suspects

# Real shapes: LLaMA-Factory's identity set, prompt templates left unformatted,
# generated letters.
FLAGGED = [
    ("I am {{name}}, an AI assistant developed by {{author}}. How can I assist you today?", "{{name}}"),
    ("Hello! I'm {{ assistant_name }}, here to help.", "{{ assistant_name }}"),
    ("Dear {customer_name},\n\nThank you for your order.", "{customer_name}"),
    ("My name is <MODEL_NAME> and I was built by <COMPANY>.", "<MODEL_NAME>"),
    ("The meeting is on [INSERT DATE] at [INSERT TIME].", "[INSERT DATE]"),
    ("Sincerely,\n[YOUR NAME]", "[YOUR NAME]"),
    ("Use `x` first. Then I, {{name}}, will answer.", "{{name}}"),
    ("{{name}}", "{{name}}"),  # an answer that is only the slot
    ("[INSERT ANSWER]", "[INSERT ANSWER]"),
]
# Code, markup, math, JSON and citations: never a placeholder.
CLEAN = [
    "Use an f-string:\n\n```python\nname = 'Ada'\nprint(f\"Hello {name}\")\n```\nIt prints the name.",
    "In Vue, write `{{ message }}` inside the template.",
    "```html\n<p>{{ user.name }}</p>\n<DIV>Lorem ipsum</DIV>\n```",
    "def greet(name):\n    return 'Hello {name}'.format(name=name)",
    "print(\"Total: {total}\")",
    "const s = `Hi ${name}`; // template literal",
    '{"name": "Ada", "role": "{role}"}',
    '[{"id": 1}, {"id": 2}]',
    '[1, 2, 3]',
    '{"template": "{{name}}"}',
    "The area is $\\frac{1}{2}bh$ and $$x^{2} + y_{i}$$.",
    "Write \\frac{a}{b} for a fraction and \\text{cm} for units.",
    "Set ${HOME}/bin on your PATH.",
    "Best regards,\n[Your Name]",
    "As shown in [1] and [2], the effect is small.",
    "Press <ENTER> to continue, or <ESC> to cancel; F keys like <F5> refresh.",
    "Wrap it in <DIV> and <SPAN> tags.",
    "A List<STRING> in Java is generic.",
    "In C, printf(\"%d {x}\", n) prints a number.",
    "<p>Hello</p>\n<div>{name}</div>",
    "Use {% if user %}{{ user }}{% endif %} in Jinja.",
    "The set {1, 2, 3} has three elements.",
    "So we can find a sequence {x_n} in [a, b] with a convergent subsequence {x_nk}; the set {x} is closed.",
    "Plain prose with no slots at all.",
    'In C#: Console.WriteLine($"Hello {name}");',
    "Set it like this:\napi_key = '[YOUR_API_KEY]'\nclient = Client(api_key)",
    'let s = format!("{name}");',
    "greeting = {salutation}",
]


@pytest.mark.parametrize("text,found", FLAGGED)
def test_placeholders_are_found(text: str, found: str) -> None:
    assert placeholder(text) == found
    assert placeholder_suspects(["nothing", text]) == [1]  # the fast path sends it to explain


@pytest.mark.parametrize("text", CLEAN)
def test_code_math_markup_and_citations_are_not_placeholders(text: str) -> None:
    assert placeholder(text) is None


def write(tmp_path: Path, rows: list[dict], name: str = "d.jsonl") -> str:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(p)


def chat(answer: str, question: str = "Who are you?") -> dict:
    return {"conversations": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def v010(report: ftprep.Report) -> list:
    return [d for d in report.files[0].diagnostics if d.code == "V010"]


def test_one_finding_per_file_with_the_count_and_the_first_line(tmp_path: Path) -> None:
    rows = [chat("Hi, I am Ada.")] + [chat(f"I am {{{{name}}}}, made by {{{{author}}}} ({i}).") for i in range(13)]
    path = write(tmp_path, rows)
    for explain_all in (False, True):
        found = v010(ftprep.check(path, min_rows=1, explain_all=explain_all))
        assert len(found) == 1, found
        assert found[0].line == 2 and found[0].severity == "warning"
        assert found[0].text.endswith("(and 12 more rows)") and "'{{name}}' in assistant message 1" in found[0].text
        assert found[0].count == 13 and found[0].lines[:3] == (2, 3, 4)


def test_only_trained_text_counts(tmp_path: Path) -> None:
    # A placeholder in the user turn, the instruction, the DPO prompt or rejected answer is not trained on.
    chat_path = write(tmp_path, [chat("Paris.", question="Capital of {country}? I am {{name}}")], "c.jsonl")
    assert not v010(ftprep.check(chat_path, min_rows=1))
    text_path = write(tmp_path, [{"instruction": "Greet {name}", "output": "Hello there."},
                                 {"instruction": "Who are you?", "output": "I am {{name}}."}], "t.jsonl")
    found = v010(ftprep.check(text_path, min_rows=1))
    assert [(d.line, d.field) for d in found] == [(2, "output")] and "the output" in found[0].message
    dpo_path = write(tmp_path, [{"prompt": "Hi {{name}}", "chosen": "Hello.", "rejected": "I am {{name}}."},
                                {"prompt": "Hi", "chosen": "I am <BOT_NAME>.", "rejected": "Hello."}], "p.jsonl")
    found = v010(ftprep.check(dpo_path, min_rows=1))
    assert [(d.line, d.field) for d in found] == [(2, "chosen")] and "<BOT_NAME>" in found[0].message


def test_code_answers_stay_on_the_fast_path_verdict(tmp_path: Path) -> None:
    rows = [chat(text, question="Show me.") for text in CLEAN]
    path = write(tmp_path, rows)
    fast = ftprep.check(path, min_rows=1, task="chat")
    assert not v010(fast)
    assert fast.to_json() == ftprep.check(path, min_rows=1, task="chat", explain_all=True).to_json()


def test_convert_reports_placeholders_at_the_source_line(tmp_path: Path) -> None:
    src = write(tmp_path, [{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Ok."}]},
                           {"conversations": [{"from": "human", "value": "hi"},
                                              {"from": "gpt", "value": "I am {{name}}."}]}], "s.jsonl")
    result = ftprep.convert(src, str(tmp_path / "o.jsonl"), min_rows=1)
    found = [d for d in result.report.files[0].diagnostics if d.code == "V010"]
    assert result.written and [d.line for d in found] == [2]
