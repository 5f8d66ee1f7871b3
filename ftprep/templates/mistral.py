"""mistral_v3_tekken (Mistral Nemo): `[INST]…[/INST]` user turns, assistant
content followed by EOS, no spaces or newlines.

After an optional first system message, the non-tool messages must alternate
user/assistant; the system text is merged into the last message only when
that message is a user turn, otherwise it is dropped. Tool call ids must be 9
characters long.
"""

from __future__ import annotations

import typing as t

from ftprep.core.errors import TemplateError
from ftprep.templates.base import Out, tojson

SPECIALS = ("<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]")
ALTERNATION = "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
ROLES = "Only user and assistant roles are supported, with the exception of an initial optional system message!"
TOOL_ID = "Tool call IDs should be alphanumeric strings with length 9!"


def _has_calls(m: dict[str, t.Any]) -> bool:
    return m.get("tool_calls") is not None


def _id(value: object) -> str:
    if not isinstance(value, str) or len(value) != 9:
        raise TemplateError("mistral_v3_tekken", TOOL_ID)
    return value


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    system: str | None = None
    turns = messages
    if messages[0]["role"] == "system":
        system = messages[0]["content"]
        turns = messages[1:]
    # The template checks the whole order before it writes anything.
    n = 0
    for m in turns:
        if m["role"] in ("tool", "tool_results") or _has_calls(m):
            continue
        if (m["role"] == "user") != (n % 2 == 0):
            raise TemplateError("mistral_v3_tekken", ALTERNATION)
        n += 1
    out.add(spec.bos)
    last = len(turns) - 1
    for j, m in enumerate(turns):
        r = m["role"]
        if r == "user":
            if j == last and system is not None:
                out.add("[INST]", system, "\n\n", m["content"], "[/INST]")
            else:
                out.add("[INST]", m["content"], "[/INST]")
        elif _has_calls(m):
            out.add("[TOOL_CALLS][")
            calls = m["tool_calls"]
            for k, call in enumerate(calls):
                if "function" not in call:
                    raise TypeError("tool call function is undefined")
                out.add(tojson(call["function"])[:-1])
                out.add(', "id": "', _id(call.get("id")), '"}')
                out.add(", " if k < len(calls) - 1 else "]" + spec.eos)
        elif r == "assistant":
            out.body(m["content"], True)
            out.add(spec.eos)
        elif r in ("tool_results", "tool"):
            out.add('[TOOL_RESULTS]{"content": ', m["content"], ", ")
            out.add('"call_id": "', _id(m.get("tool_call_id")), '"}[/TOOL_RESULTS]')
        else:
            raise TemplateError("mistral_v3_tekken", ROLES)
