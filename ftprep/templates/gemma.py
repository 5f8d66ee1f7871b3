"""gemma3: BOS, then turns that must alternate user/model after an optional
system message, whose text is glued (untrimmed) to the first following turn."""

from __future__ import annotations

import typing as t

from ftprep.core.errors import TemplateError
from ftprep.templates.base import Out

SPECIALS = ("<bos>", "<start_of_turn>", "<end_of_turn>")
ALTERNATION = "Conversation roles must alternate user/assistant/user/assistant/..."


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    out.add(spec.bos)
    prefix = ""
    turns = messages
    if messages[0]["role"] == "system":
        prefix = messages[0]["content"] + "\n\n"
        turns = messages[1:]
    for k, m in enumerate(turns):
        if (m["role"] == "user") != (k % 2 == 0):
            raise TemplateError("gemma3", ALTERNATION)
        name = "model" if m["role"] == "assistant" else m["role"]
        out.add("<start_of_turn>", name, "\n", prefix if k == 0 else "")
        out.body(m["content"].strip(), m["role"] == "assistant")
        out.add("<end_of_turn>\n")
    if gen:
        out.add("<start_of_turn>model\n")
