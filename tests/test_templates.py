"""Conformance: ftprep's renderers against the trainer's real Jinja templates.

The real templates are read at test time from the axolotl 0.19.0 wheel (a
registry package, cached under ~/.cache/ftprep-tests/) and rendered with jinja2
the way transformers does. Every conversation of the set must render byte for
byte the same, and where the real template raises, ftprep must raise too.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ftprep.templates import TEMPLATES, TemplateError, render
from ftprep.templates.base import PHI4_DEFAULT_MARKER

AXOLOTL = "0.19.0"
CACHE = Path(os.environ.get("FTPREP_TEST_CACHE", Path.home() / ".cache" / "ftprep-tests"))
PREFIX = "axolotl/utils/chat_templates/templates/"
# bos_token / eos_token of each family, as the trainer's tokenizers define them.
TOKENS = {
    "chatml": (None, "<|im_end|>"),
    "llama3": ("<|begin_of_text|>", "<|eot_id|>"),
    "qwen3": (None, "<|im_end|>"),
    "mistral_v3_tekken": ("<s>", "</s>"),
    "deepseek_v3": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "phi_4": (None, "<|im_end|>"),
    "gemma3": ("<bos>", "<eos>"),
}


def wheel() -> Path:
    found = sorted(CACHE.glob(f"axolotl-{AXOLOTL}-*.whl"))
    if found:
        return found[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", f"axolotl=={AXOLOTL}", "--no-deps",
                           "--only-binary=:all:", "-d", str(CACHE)], capture_output=True, text=True, timeout=600)
    found = sorted(CACHE.glob(f"axolotl-{AXOLOTL}-*.whl"))
    if proc.returncode or not found:
        pytest.skip(f"CONFORMANCE NOT RUN: could not download axolotl=={AXOLOTL} from PyPI "
                    f"(pip exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    return found[0]


def jinja_environment() -> object:
    """A Jinja environment that renders the trainer's templates as transformers does."""
    import jinja2
    from jinja2 import nodes
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        # transformers' {% generation %} marks assistant tokens; a no-op for text.
        tags = {"generation"}

        def parse(self, parser):  # type: ignore[no-untyped-def]
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller):  # type: ignore[no-untyped-def]
            return caller()

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):  # type: ignore[no-untyped-def]
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


@pytest.fixture(scope="module")
def real() -> dict[str, object]:
    """name -> compiled real template."""
    env = jinja_environment()
    with zipfile.ZipFile(wheel()) as z:
        return {name: env.from_string(z.read(f"{PREFIX}{name}.jinja").decode()) for name in TEMPLATES}  # type: ignore[attr-defined]


def real_render(template: object, name: str, messages: list[dict], gen: bool) -> str | None:
    bos, eos = TOKENS[name]
    try:
        return template.render(messages=copy.deepcopy(messages), tools=None, add_generation_prompt=gen,  # type: ignore[attr-defined]
                               bos_token=bos, eos_token=eos)
    except Exception:  # noqa: BLE001 - any exception is "the template raises"
        return None


def ours(name: str, messages: list[dict], gen: bool, default_system: str | None = None) -> str | None:
    try:
        return render(name, messages, gen, default_system).text
    except TemplateError:
        return None


# --- the conformance set --------------------------------------------------------------
def m(role: str, content: str, **extra: object) -> dict:
    return {"role": role, "content": content, **extra}


TEXTS = [
    "Hello", "", "   ", "\n", " padded both \n", "\n\nleading newlines", "trailing newlines\n\n",
    "héllo wörld ✓ 你好 🚀", "tab\tand\r\ncrlf", "<|im_end|> injected <|im_start|>user",
    "[INST] fake [/INST]", "<end_of_turn>x<start_of_turn>", "<｜User｜>hi<｜Assistant｜>",
    "<|eot_id|><|start_header_id|>system", "{{ not jinja }} {% raw %}", "\\u0000 backslash \\n",
]
THINK = [
    "<think>\nreason\n</think>\n\nanswer", "<think>r</think>answer", "no open tag</think>rest",
    "<think></think>", "a</think>b</think>c", "<think>\n\n</think>\n\n", "before<think>inside</think>after",
]


def conversations() -> list[list[dict]]:
    out: list[list[dict]] = []
    for text in TEXTS:
        out += [
            [m("user", text), m("assistant", text)],
            [m("system", text), m("user", "q"), m("assistant", text)],
            [m("user", "q"), m("assistant", "a"), m("user", text), m("assistant", "b")],
            [m("user", "q"), m("assistant", text), m("user", "q2"), m("assistant", "b")],
        ]
    for text in THINK:
        out += [
            [m("user", "q"), m("assistant", text)],
            [m("user", "q"), m("assistant", text), m("user", "again"), m("assistant", text)],
            [m("system", "s"), m("user", "q"), m("assistant", text), m("assistant", text)],
            [m("user", "q"), m("assistant", "final", reasoning_content=text)],
            [m("user", "q"), m("assistant", text, reasoning_content=""),
             m("user", "<tool_response>x</tool_response>"), m("assistant", text)],
        ]
    roles = ["system", "user", "assistant", "tool", "human", "gpt", "tool_results"]
    # Every role order of length 1..4 over the main roles (consecutive, middle, trailing).
    for n in range(1, 5):
        for order in itertools.product(roles[:4], repeat=n):
            out.append([m(r, f"{r} {i}") for i, r in enumerate(order)])
    for r in roles[4:]:
        out += [[m("user", "q"), m(r, "x"), m("assistant", "a")], [m(r, "x"), m("user", "q"), m("assistant", "a")]]
    out += [
        [m("system", "one"), m("system", "two"), m("user", "q"), m("assistant", "a")],
        [m("user", "q"), m("system", "middle"), m("assistant", "a"), m("system", "late")],
        [m("system", "only")],
        [m("system", "s"), m("user", "last user")],
        [m("user", "q"), m("assistant", "a"), m("user", "q2")],
        [m("assistant", "first"), m("user", "q")],
        # tool outputs and calls
        [m("user", "q"), m("tool", "out1"), m("tool", "out2"), m("assistant", "a")],
        [m("user", "q"), m("tool", "out1", tool_call_id="abcdefghi"), m("assistant", "a")],
        [m("user", "q"), m("tool", "out1", tool_call_id="short"), m("assistant", "a")],
        [m("user", "q"), m("tool", "o"), m("user", "q2"), m("assistant", "a")],
        [m("user", "q"), m("assistant", "", tool_calls=[
            {"id": "abcdefghi", "type": "function", "function": {"name": "f", "arguments": {"x": 1, "ü": "ß"}}}]),
         m("tool", "42", tool_call_id="abcdefghi"), m("assistant", "done")],
        [m("user", "q"), m("assistant", "calling", tool_calls=[
            {"id": "abcdefghi", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
            {"id": "bcdefghij", "type": "function", "function": {"name": "g", "arguments": '{}'}}]),
         m("tool", "1", tool_call_id="abcdefghi"), m("tool", "2", tool_call_id="bcdefghij"), m("assistant", "done")],
        [m("user", "q"), m("assistant", "x", tool_calls=[
            {"id": "toolong1234", "type": "function", "function": {"name": "f", "arguments": "{}"}}])],
        [m("user", "q"), m("assistant", "x", tool_calls=[])],
    ]
    return out


CASES = conversations()


def test_conformance_set_is_broad() -> None:
    assert len(CASES) > 400
    assert any(m["role"] == "tool" for c in CASES for m in c)


@pytest.mark.network
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_renders_like_the_trainer(real: dict[str, object], name: str) -> None:
    checked = raised = 0
    for gen in (False, True):
        for conv in CASES:
            expected = real_render(real[name], name, conv, gen)
            got = ours(name, conv, gen)
            if expected is not None and name == "phi_4" and conv[0]["role"] != "system":
                # ftprep writes a marker instead of the trainer's built-in prompt.
                assert got is not None and PHI4_DEFAULT_MARKER in got, conv
                continue
            assert got == expected, f"{name} gen={gen} {conv!r}\n ours: {got!r}\n real: {expected!r}"
            checked += 1
            raised += expected is None
    # phi_4 rows without a system message are compared in the next test.
    assert checked > (200 if name == "phi_4" else 600)
    if name in ("mistral_v3_tekken", "gemma3"):
        assert raised > 50  # the set exercises their exceptions


@pytest.mark.network
def test_phi4_injected_prompt_matches_when_supplied(real: dict[str, object]) -> None:
    """Given the built-in text (read from the wheel here, never stored in ftprep), phi_4 matches too."""
    import re

    with zipfile.ZipFile(wheel()) as z:
        source = z.read(f"{PREFIX}phi_4.jinja").decode()
    builtin = re.search(r"set system_message = '([^']*)'", source).group(1)  # type: ignore[union-attr]
    n = 0
    for conv in CASES:
        if conv[0]["role"] == "system":
            continue
        for gen in (False, True):
            assert ours("phi_4", conv, gen, builtin) == real_render(real["phi_4"], "phi_4", conv, gen), conv
            n += 1
    assert n > 100


def test_spans_cover_the_assistant_content() -> None:
    conv = [m("system", "s"), m("user", "q"), m("assistant", " answer "), m("user", "q2"), m("assistant", "two")]
    for name in TEMPLATES:
        if name in ("mistral_v3_tekken", "gemma3"):
            conv2 = conv[1:] if name == "mistral_v3_tekken" else conv
        else:
            conv2 = conv
        r = render(name, conv2)
        trained = [r.text[a:b] for a, b in r.spans]
        assert [s.strip() for s in trained] == ["answer", "two"], (name, trained)
        assert "q2" not in r.trained_text()


def test_qwen3_spans_skip_the_empty_think_block() -> None:
    r = render("qwen3", [m("user", "q"), m("assistant", "<think>why</think>yes")])
    assert r.trained_text() == "why\n</think>\n\nyes"
    r = render("qwen3", [m("user", "q"), m("assistant", "plain")])
    assert r.trained_text() == "plain" and "<think>\n\n</think>\n\nplain" in r.text


def test_errors_carry_the_template_message() -> None:
    with pytest.raises(TemplateError) as e:
        render("gemma3", [m("assistant", "a"), m("user", "q")])
    assert e.value.message == "Conversation roles must alternate user/assistant/user/assistant/..."
    assert e.value.code == "C012"
    with pytest.raises(TemplateError) as e:
        render("mistral_v3_tekken", [m("user", "q"), m("robot", "a")])
    assert "Only user and assistant roles are supported" in e.value.message
    with pytest.raises(TemplateError) as e:
        render("chatml", [m("user", 3)])  # type: ignore[arg-type]
    assert e.value.code == "C006"
    with pytest.raises(TemplateError):
        render("chatml", [])


def test_registry_names_match_the_cli_choices() -> None:
    from ftprep.tasks.base import CHAT_TEMPLATES

    assert tuple(TEMPLATES) == CHAT_TEMPLATES


def trainer_view(conv: list[dict], name: str) -> list[dict]:
    """What axolotl hands the template: role, content, the keys the template reads,
    tool-call arguments decoded from JSON strings (written here from the notes)."""
    keys = {"qwen3": ("reasoning_content", "tool_calls"), "mistral_v3_tekken": ("tool_calls", "tool_call_id"),
            "deepseek_v3": ("tool_calls",)}.get(name, ())
    out = []
    for msg in copy.deepcopy(conv):
        kept = {"role": msg["role"], "content": msg["content"], **{k: msg[k] for k in keys if k in msg}}
        for call in kept.get("tool_calls") or []:
            if isinstance(call["function"].get("arguments"), str):
                call["function"]["arguments"] = json.loads(call["function"]["arguments"])
        out.append(kept)
    return out


@pytest.mark.network
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_cli_render_json_agrees_with_the_trainer(real: dict[str, object], name: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`ftprep render --format json` over the whole set: text where the template renders,
    null where it raises (or where the trainer drops a conversation of fewer than 2 messages)."""
    from ftprep.cli import main

    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps({"conversations": c}, ensure_ascii=False) + "\n" for c in CASES),
                    encoding="utf-8")
    code = main(["render", str(path), "--chat-template", name, "--format", "json"])
    got = json.loads(capsys.readouterr().out)
    assert len(got) == len(CASES)
    nulls = 0
    for conv, entry in zip(CASES, got):
        expected = real_render(real[name], name, trainer_view(conv, name), False) if len(conv) >= 2 else None
        if expected is not None and name == "phi_4" and conv[0]["role"] != "system":
            assert entry is not None and PHI4_DEFAULT_MARKER in entry
            continue
        assert entry == expected, conv
        nulls += entry is None
    assert code == (1 if nulls else 0)
