"""Message lists of every public shape, read into `{role, content}` messages.

ShareGPT `{from, value}` (roles human/gpt/system/function_call/observation),
OpenAI `{role, content, tool_calls}` and LLaMA-Factory v1
`{role, content: [parts], loss_weight}`. Content parts come in two spellings,
`{"type": "text", "text": ...}` (OpenAI) and `{"type": "text", "value": ...}`
(v1), plus reasoning and tool-call parts.

Nothing is invented: every content written is the source's strings joined with
the separators named here, which are the text the templates themselves render
(`<think>` blocks, qwen3's `<tool_call>` markup). What cannot be carried over
(images, a part of an unknown type) raises `Unmappable`; what changes meaning
(a masked turn, a tool call written as text) is returned for the caller to
report.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t

from ftprep.core.errors import Unmappable
from ftprep.tasks.base import a, kind
from ftprep.tasks.chat import ROLE_ALIASES
from ftprep.tasks.chat_columns import MEDIA_PARTS, masked, media_in, role_of

# Reasoning is written as the think templates render it: before the answer.
THINK_OPEN, THINK_CLOSE = "<think>\n", "\n</think>\n\n"
# qwen3 renders a tool call as this markup after the content; written so, the
# text is exactly what the template would render from `tool_calls`.
CALL_OPEN, CALL_CLOSE = "<tool_call>\n", "\n</tool_call>"
# Between two tool calls written as plain JSON, and between text and a call.
CALL_SEPARATOR = "\n"
TEXT_PARTS = ("text", "input_text", "output_text")
REASONING_PARTS = ("reasoning", "thinking")
CALL_PARTS = ("tool_call", "function_call")
MEDIA_HINT = "convert refuses multimodal rows: remove them, or train them on a multimodal trainer"
# Keys of an OpenAI message the canonical output keeps as they are.
KEPT_KEYS = ("tool_calls", "tool_call_id", "name")


@dataclasses.dataclass
class Conversation:
    """Messages read from one source list, and what the reading changed."""

    messages: list[dict[str, t.Any]]
    # Indices of assistant turns whose weight is 0 (the author masked them).
    masked: list[int] = dataclasses.field(default_factory=list)
    # Indices of assistant turns whose tool calls were written as plain text.
    calls_as_text: list[int] = dataclasses.field(default_factory=list)


def read(value: object, field: str, template: str | None = None) -> Conversation:
    """The messages of a conversation value (a list, or a JSON string of one)."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise Unmappable("the conversation is a string that is not valid JSON", field, "C001") from None
    if not isinstance(value, list):
        raise Unmappable(f"the conversation is {a(kind(value))}, not a list of messages", field, "C001")
    conv = Conversation([])
    for i, m in enumerate(value):
        at = f"{field}[{i}]"
        if not isinstance(m, dict):
            raise Unmappable(f"message {i} is {a(kind(m))}, not an object", at, "C003")
        media = media_in(m)
        if media:
            raise Unmappable(f"message {i} holds {media}; the trainer is text-only (media lost, placeholders "
                             "trained as literal text)", at, "C022", MEDIA_HINT)
        source_role = m.get("role", m.get("from"))
        role = role_of(m, ROLE_ALIASES)
        content = m.get("content", m.get("value"))
        call_turn = isinstance(source_role, str) and source_role.lower() == "function_call"
        as_text = False
        if isinstance(content, list):
            content, as_text = from_parts(content, at, template)
        elif call_turn and isinstance(content, str):
            content, as_text = calls_text("", [content], template), template != "qwen3"
        msg: dict[str, t.Any] = {"role": role, "content": content}
        msg.update((k, m[k]) for k in KEPT_KEYS if m.get(k) is not None)
        if role == "assistant" and masked(m):
            conv.masked.append(i)
        if as_text:
            conv.calls_as_text.append(i)
        conv.messages.append(msg)
    return conv


def from_parts(parts: list[t.Any], at: str, template: str | None) -> tuple[str, bool]:
    """(content, whether tool calls were written as plain text) from content parts."""
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[str] = []
    for j, p in enumerate(parts):
        where = f"{at}.content[{j}]"
        if not isinstance(p, dict):
            raise Unmappable(f"content part {j} is {a(kind(p))}, not an object", where, "C006")
        typ = p.get("type")
        # OpenAI spells the text `text`, LLaMA-Factory v1 `value`.
        text = p["text"] if "text" in p else p.get("value")
        if typ in MEDIA_PARTS:
            raise Unmappable(f"content part {j} is {typ}; the trainer is text-only", where, "C022", MEDIA_HINT)
        if not isinstance(text, str):
            raise Unmappable(f"content part {j} ({json.dumps(typ)}) has no text (its text is {a(kind(text))})",
                             where, "C006")
        if typ in TEXT_PARTS:
            texts.append(text)
        elif typ in REASONING_PARTS:
            reasoning.append(text)
        elif typ in CALL_PARTS:
            calls.append(text)
        else:
            raise Unmappable(f"content part {j} has type {json.dumps(typ)}, which convert cannot map", where, "C006")
    content = "".join(texts)
    if "".join(reasoning):  # an empty reasoning part carries nothing: no empty think block
        content = THINK_OPEN + "".join(reasoning) + THINK_CLOSE + content
    if not calls:
        return content, False
    return calls_text(content, calls, template), template != "qwen3"


def calls_text(content: str, calls: list[str], template: str | None) -> str:
    """Tool calls after the content: qwen3's own markup, else the calls' JSON."""
    if template == "qwen3":
        # As the template: a newline before each call, but not before the first
        # when there is no content (a think block counts as none).
        bare = not content or content.endswith(THINK_CLOSE)
        blocks = [("" if k == 0 and bare else "\n") + CALL_OPEN + c + CALL_CLOSE for k, c in enumerate(calls)]
        return content + "".join(blocks)
    head = [content] if content and not content.endswith(THINK_CLOSE) else []
    body = CALL_SEPARATOR.join(head + calls)
    return (content if content.endswith(THINK_CLOSE) else "") + body


def parse_messages(value: object, field: str, template: str | None = None) -> list[dict[str, t.Any]]:
    return read(value, field, template).messages


def scalar(v: object) -> object:
    """Numbers as the text the trainer's str() would give; everything else as it is."""
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def join(*parts: object) -> str:
    return "\n\n".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())


def flatten(messages: list[dict[str, t.Any]]) -> str:
    """A prompt from messages: system texts first, then one user message is its
    text; more turns are labelled ("User: ...")."""
    for i, m in enumerate(messages):
        if not isinstance(m["content"], str):
            raise Unmappable(f"message {i} has no text content", None, "C006")
    system = [m["content"] for m in messages if m["role"] == "system"]
    turns = [m for m in messages if m["role"] != "system"]
    if len(turns) == 1 and turns[0]["role"] == "user":
        body = turns[0]["content"]
    else:
        body = "\n\n".join(f"{str(m['role']).capitalize()}: {m['content']}" for m in turns)
    return join(*system, body)


def last_assistant(messages: list[dict[str, t.Any]], field: str) -> tuple[list[dict[str, t.Any]], object]:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i]["role"] == "assistant":
            return messages[:i], messages[i]["content"]
    raise Unmappable("no assistant message in the response", field)


def is_message_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) for m in value)
