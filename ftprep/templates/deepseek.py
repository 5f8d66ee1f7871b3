"""deepseek_v3: BOS, every system message joined at the top with no marker,
then `<｜User｜>…` and `<｜Assistant｜>…<｜end▁of▁sentence｜>` with no newlines.

Reasoning before the last `</think>` of an assistant turn is dropped; other
roles are dropped; tool outputs and tool calls get their own markers. A tool
call's `arguments` must be a string (the trainer turns them into dicts, so
tool calls raise in SFT).
"""

from __future__ import annotations

import typing as t

from ftprep.templates.base import Out

SPECIALS = ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>")
END = "<｜end▁of▁sentence｜>"


def _call(out: Out, tool: dict[str, t.Any], head: str) -> None:
    fn = tool["function"]
    out.add(head, tool["type"], "<｜tool▁sep｜>", fn["name"], "\n```json\n", fn["arguments"], "\n```<｜tool▁call▁end｜>")


def render(out: Out, messages: list[dict[str, t.Any]], gen: bool, spec: t.Any, default_system: str | None) -> None:
    system = [m["content"] for m in messages if m["role"] == "system"]
    out.add(spec.bos, "\n\n".join(system))
    is_tool = False
    first_output = True
    for m in messages:
        r = m["role"]
        if r == "user":
            is_tool = False
            out.add("<｜User｜>", m["content"])
        elif r == "assistant" and "tool_calls" in m:
            if is_tool:
                out.add("<｜tool▁outputs▁end｜>")
            is_tool = False
            out.start()
            for k, tool in enumerate(m["tool_calls"]):
                if k == 0:
                    out.add("<｜Assistant｜>", m["content"])
                    _call(out, tool, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>")
                else:
                    _call(out, tool, "\n<｜tool▁call▁begin｜>")
            out.stop(True)
            out.add("<｜tool▁calls▁end｜>" + END)
        elif r == "assistant":
            content = m["content"]
            if is_tool:
                out.add("<｜tool▁outputs▁end｜>")
                is_tool = False
            else:
                if "</think>" in content:
                    content = content.split("</think>")[-1]
                out.add("<｜Assistant｜>")
            out.body(content, True)
            out.add(END)
        elif r == "tool":
            if not is_tool:
                first_output = True
            is_tool = True
            if first_output:
                out.add("<｜tool▁outputs▁begin｜>")
                first_output = False
            out.add("<｜tool▁output▁begin｜>", m["content"], "<｜tool▁output▁end｜>")
    if is_tool:
        out.add("<｜tool▁outputs▁end｜>")
    if gen and not is_tool:
        out.add("<｜Assistant｜>")
