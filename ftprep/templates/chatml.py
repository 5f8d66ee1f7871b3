"""chatml: `<|im_start|>ROLE\nCONTENT<|im_end|>\n` for every message, any role."""

from __future__ import annotations

import typing as t

from ftprep.templates.base import Out

SPECIALS = ("<|im_start|>", "<|im_end|>")


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    for m in messages:
        out.add("<|im_start|>", m["role"], "\n")
        out.body(m["content"], m["role"] == "assistant")
        out.add("<|im_end|>\n")
    if gen:
        out.add("<|im_start|>assistant\n")
