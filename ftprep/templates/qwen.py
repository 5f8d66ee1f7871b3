"""qwen3: ChatML turns with thinking and tool-call handling.

Only the first message may be the leading system turn; a later system message
is rendered in place. `tool` messages become `<tool_response>` blocks inside
one user turn per run of tool messages; other roles are dropped. Assistant
turns after the last real user query keep `<think>` reasoning (the final turn
always gets a block, empty if need be); earlier ones lose it.
"""

from __future__ import annotations

import typing as t

from ftprep.templates.base import Out, tojson

SPECIALS = ("<|im_start|>", "<|im_end|>")


def _last_query(messages: list[dict[str, t.Any]]) -> int:
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        c = m["content"]
        if m["role"] == "user" and not (c.startswith("<tool_response>") and c.endswith("</tool_response>")):
            return i
    return len(messages) - 1


def _split_reasoning(m: dict[str, t.Any]) -> tuple[str, str]:
    content: str = m["content"]
    reasoning = m.get("reasoning_content")
    if isinstance(reasoning, str):
        return reasoning, content
    if "</think>" in content:
        reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
        return reasoning, content.split("</think>")[-1].lstrip("\n")
    return "", content


def _tool_calls(out: Out, calls: t.Any, content: str) -> None:
    for k, call in enumerate(calls):
        if k > 0 or content:
            out.add("\n")
        if call.get("function"):
            call = call["function"]
        if "arguments" not in call:
            raise TypeError("tool call arguments are undefined")
        args = call["arguments"]
        out.add('<tool_call>\n{"name": "', str(call.get("name", "")), '", "arguments": ')
        out.add(args if isinstance(args, str) else tojson(args))
        out.add("}\n</tool_call>")


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    if messages[0]["role"] == "system":
        out.add("<|im_start|>system\n", messages[0]["content"], "<|im_end|>\n")
    last_query = _last_query(messages)
    last = len(messages) - 1
    for i, m in enumerate(messages):
        r = m["role"]
        if r == "user" or (r == "system" and i != 0):
            out.add("<|im_start|>", r, "\n", m["content"], "<|im_end|>\n")
        elif r == "assistant":
            reasoning, content = _split_reasoning(m)
            if i > last_query and (i == last or reasoning):
                out.add("<|im_start|>assistant\n<think>\n")
                out.start()
                out.add(reasoning.strip("\n"), "\n</think>\n\n")
                if not reasoning.strip("\n"):
                    out.start()  # an empty think block is template text, not trained content
                out.add(content.lstrip("\n"))
            else:
                out.add("<|im_start|>assistant\n")
                out.start()
                out.add(content)
            if m.get("tool_calls"):
                _tool_calls(out, m["tool_calls"], content)
            out.stop(True)
            out.add("<|im_end|>\n")
        elif r == "tool":
            if i == 0 or messages[i - 1]["role"] != "tool":
                out.add("<|im_start|>user")
            out.add("\n<tool_response>\n", m["content"], "\n</tool_response>")
            if i == last or messages[i + 1]["role"] != "tool":
                out.add("<|im_end|>\n")
    if gen:
        out.add("<|im_start|>assistant\n<think>\n\n")
