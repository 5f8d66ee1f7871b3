"""Chat verdicts against the trainer's real templates and content-parts join.

The real templates of the axolotl wheel (the cached download of
tests/test_templates.py) render the conversations ftprep judges, and the
wheel's own `_convert_content_parts` is run on the parts ftprep joins.
"""

from __future__ import annotations

import ast
import logging
import zipfile

import pytest

from ftprep.tasks.chat import explain_messages, joined_parts

# Every test here reads the axolotl wheel (a registry download, cached).
pytestmark = pytest.mark.network

# --- templates ------------------------------------------------------------------
@pytest.fixture(scope="module")
def templates() -> dict[str, object]:
    from test_templates import PREFIX, jinja_environment, wheel

    env = jinja_environment()
    names = ("chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3")
    with zipfile.ZipFile(wheel()) as z:
        src = {n: z.read(f"{PREFIX}{n}.jinja").decode() for n in names}
        strategy = z.read("axolotl/prompt_strategies/chat_template.py").decode()
    out: dict[str, object] = {n: env.from_string(s) for n, s in src.items()}  # type: ignore[attr-defined]
    out["_strategy"] = strategy
    return out


def real(templates: dict, name: str, messages: list[dict]) -> str | None:
    from test_templates import real_render

    return real_render(templates[name], name, messages, False)


def m(role: str, content: object, **extra: object) -> dict:
    return {"role": role, "content": content, **extra}


def codes(messages: list[dict], template: str) -> dict[str, str]:
    return {f.code: f.message for f in explain_messages(messages, template, "$.conversations")}


@pytest.mark.parametrize("where", [0, 1])
def test_unknown_role_verdict_follows_each_template(templates: dict, where: int) -> None:
    msgs = [m("user", "Hello"), m("assistant", "Hi")]
    msgs.insert(where, m("narrator", "NARRATION"))
    for name in ("chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3"):
        text = real(templates, name, msgs)
        found = codes(msgs, name)
        assert "C005" in found
        if text is None:
            assert "C012" in found, name
        elif "NARRATION" in text:
            assert "narrator" in text and not {"C012", "C014"} & set(found), name
        else:
            assert "C014" in found and "C012" not in found, name


CALL = {"id": "a1b2c3d4e", "type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}


def test_empty_tool_call_turn_trains_where_the_template_renders_the_call(templates: dict) -> None:
    msgs = [m("user", "Weather?"), m("assistant", "", tool_calls=[CALL]), m("tool", "sunny", tool_call_id="a1b2c3d4e"),
            m("assistant", "Sunny.")]
    for name in ("chatml", "llama3", "qwen3", "mistral_v3_tekken"):
        text = real(templates, name, msgs)
        assert text is not None
        assert ("weather" in text) == ("C010" not in codes(msgs, name)), name


@pytest.mark.parametrize("call_id,result_id", [("a1b2c3d4e", "a1b2c3d4e"), ("call_1", "call_1"),
                                               ("abcdefgh!", "abcdefgh!"), (None, "a1b2c3d4e"),
                                               ("a1b2c3d4e", None), ("a1b2c3d4e", "x")])
def test_tekken_tool_ids(templates: dict, call_id: str | None, result_id: str | None) -> None:
    call = {k: v for k, v in {**CALL, "id": call_id}.items() if v is not None}
    tool = m("tool", "sunny", **({"tool_call_id": result_id} if result_id is not None else {}))
    msgs = [m("user", "Weather?"), m("assistant", "Checking.", tool_calls=[call]), tool, m("assistant", "Sunny.")]
    text = real(templates, "mistral_v3_tekken", msgs)
    found = codes(msgs, "mistral_v3_tekken")
    assert (text is None) == ("C012" in found)
    if text is None:
        assert "Tool call IDs should be alphanumeric strings with length 9!" in found["C012"]


def axolotl_join(strategy: str) -> object:
    """The wheel's own `_convert_content_parts`, compiled from its source."""
    tree = ast.parse(strategy)
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_convert_content_parts")
    fn.decorator_list = []
    ns: dict = {"LOG": logging.getLogger("axolotl-test")}
    exec(compile(ast.Module([fn], []), "chat_template.py", "exec"), ns)  # noqa: S102 - the wheel's code
    return ns["_convert_content_parts"]


@pytest.mark.parametrize("parts", [
    [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}],
    [{"type": "text", "value": "Hi"}],
    [{"type": "text", "content": "Hi"}, {"type": "image_url", "image_url": {"url": "x"}}],
    [{"type": "reasoning", "value": "think"}, {"type": "text", "value": "answer"}],
])
def test_content_parts_join_as_axolotl_and_raise_unjoined(templates: dict, parts: list) -> None:
    join = axolotl_join(templates["_strategy"])
    assert joined_parts(parts) == join(parts)[0]  # type: ignore[operator]
    msgs = [m("user", parts), m("assistant", "ok")]
    assert real(templates, "chatml", msgs) is None  # unjoined (the 2025-04 image) the template raises
    assert "C026" in codes(msgs, "chatml")
