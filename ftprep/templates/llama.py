"""llama3 (Llama 3.0 style): BOS once, then a header per message and the
trimmed content; any role name is printed as it is, no default system block."""

from __future__ import annotations

import typing as t

from ftprep.templates.base import Out

SPECIALS = ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    for i, m in enumerate(messages):
        if i == 0:
            out.add(spec.bos)
        out.add("<|start_header_id|>", m["role"], "<|end_header_id|>\n\n")
        out.body(m["content"].strip(), m["role"] == "assistant")
        out.add("<|eot_id|>")
    if gen:
        out.add("<|start_header_id|>assistant<|end_header_id|>\n\n")
