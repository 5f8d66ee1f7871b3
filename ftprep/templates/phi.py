"""phi_4: `<|im_start|>ROLE<|im_sep|>CONTENT<|im_end|>` with no newlines.

A system block is always written: the first message when it is a system
message, else the trainer's built-in reasoning prompt (ftprep writes a marker,
or `default_system` when the caller supplies the text). Later system
messages, tool messages and other roles are dropped.
"""

from __future__ import annotations

import typing as t

from ftprep.templates.base import PHI4_DEFAULT_MARKER, Out

SPECIALS = ("<|im_start|>", "<|im_sep|>", "<|im_end|>")


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    system = PHI4_DEFAULT_MARKER if default_system is None else default_system
    if messages and messages[0]["role"] == "system":
        system = messages[0]["content"]
        messages = messages[1:]
    out.add("<|im_start|>system<|im_sep|>", system, "<|im_end|>")
    for m in messages:
        if m["role"] == "user":
            out.add("<|im_start|>user<|im_sep|>", m["content"], "<|im_end|>")
        elif m["role"] == "assistant":
            out.add("<|im_start|>assistant<|im_sep|>")
            out.body(m["content"], True)
            out.add("<|im_end|>")
    if gen:
        out.add("<|im_start|>assistant<|im_sep|>")
