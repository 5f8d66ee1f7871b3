"""`chat`: multi-turn conversations rendered by one of 7 chat templates.

The trainer keeps only the conversation column (`fieldConversation`, default
`conversations`), json-loads it when it is a string that looks like a list,
drops messages without role or content, and drops conversations left with
fewer than 2 messages. A separate system column is lost.
"""

from __future__ import annotations

import json
import re
import typing as t

import msgspec

from ftprep.tasks import chat_columns, chat_rules
from ftprep.tasks.base import (
    MISSING,
    NEVER,
    Finding,
    NonBlank,
    Options,
    a,
    control_tokens,
    conversation_placeholders,
    dropped_columns,
    kind,
    struct_type,
)

NAME = "chat"
SUMMARY = "multi-turn conversations as lists of {role, content}"
SCHEMA = "chat.schema.json"
FIELDS = {"field_conversation": "conversations"}
CANONICAL = ("conversations",)
ROLES = ("system", "user", "assistant", "tool")
# Role names of other formats (ShareGPT and friends), lower-cased, and the role
# `ftprep convert` maps each to. check names them in its hint.
ROLE_ALIASES = {
    "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "model": "assistant",
    "bot": "assistant", "chatgpt": "assistant", "bing": "assistant", "bard": "assistant",
    "function_call": "assistant", "system": "system", "tool": "tool", "function": "tool",
    "observation": "tool", "function_response": "tool", "ipython": "tool",
}


Weight = t.Annotated[float, msgspec.Meta(gt=0)]


class Message(msgspec.Struct, frozen=True, gc=False):
    role: t.Literal["system", "user", "assistant", "tool"]
    content: NonBlank
    # Tool calls change how templates render and raise: always explain those rows.
    tool_calls: NEVER = msgspec.UNSET  # type: ignore[assignment]
    # Per-message weights are dropped by the trainer's prep: a weight of 0 (a
    # masked turn, C019) fails the decode and goes to explain; positive ones are clean.
    weight: Weight = msgspec.UNSET  # type: ignore[assignment]
    loss_weight: Weight = msgspec.UNSET  # type: ignore[assignment]


Conversation = t.Annotated[tuple[Message, ...], msgspec.Meta(min_length=2)]


def column(opts: Options) -> str:
    return opts.field("field_conversation", "conversations")


def jpath(col: str) -> str:
    return f"$.{col}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", col) else f"$[{json.dumps(col)}]"


def row_type(opts: Options) -> type:
    # Columns the trainer's prep drops that change what the row means (chat_columns);
    # a system column counts only when it holds text.
    dropped = [chat_columns.LABEL_COLUMN, *chat_columns.TOOLS_COLUMNS, *chat_columns.MEDIA_COLUMNS]
    return struct_type("ChatRow", [(column(opts), Conversation)], never=dropped, droppable=["system"])


def make_is_clean(opts: Options) -> t.Callable[[t.Any], bool]:
    template = opts.chat_template
    rule = chat_rules.is_clean
    if template is None or template in chat_rules.ANY_ORDER:
        return lambda row: row.f0[-1].role == "assistant"

    def is_clean(row: t.Any) -> bool:
        roles = [m.role for m in row.f0]
        return roles[-1] == "assistant" and rule(roles, template)

    return is_clean


def texts(rows: list[t.Any]) -> list[str]:
    return [m.content for r in rows for m in r.f0]


def text_counts(rows: list[t.Any]) -> list[int]:
    return [len(r.f0) for r in rows]


def parse_conversation(value: object) -> object:
    """What the trainer's prep does to a string value: json-load it if it looks like a list."""
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("[") and s.endswith("]"):
            try:
                return json.loads(s)
            except ValueError:
                return value
    return value


def explain(obj: dict[str, t.Any], opts: Options) -> list[Finding]:
    col = column(opts)
    base = jpath(col)
    out = dropped_columns(obj, {col}, ("system",), "system prompts must be messages inside the conversation")
    value = parse_conversation(obj.get(col, MISSING))
    out += chat_columns.explain(obj, value, col, ROLE_ALIASES)
    if value is MISSING or value is None:
        what = "absent" if value is MISSING else "null"
        return [Finding("V001", f"conversation '{col}' is {what}", col)] + out
    if not isinstance(value, list):
        return [Finding("C001", f"conversation '{col}' is {a(kind(value))}, not a list of messages", col,
                        "store a list of {role, content} objects")] + out
    if not value:
        return [Finding("C002", f"conversation '{col}' is empty", col)] + out
    return out + explain_messages(value, opts.chat_template, base) + conversation_placeholders(value, col)


def explain_messages(messages: list[t.Any], template: str | None, base: str,
                     need_assistant: bool = True) -> list[Finding]:
    out: list[Finding] = []
    valid: list[dict[str, t.Any]] = []
    for i, m in enumerate(messages):
        at = f"{base}[{i}]"
        if not isinstance(m, dict):
            out.append(Finding("C003", f"message {i} is {a(kind(m))}, not an object", at))
            continue
        if "role" not in m or "content" not in m:
            keys = ", ".join(sorted(map(str, m))) or "none"
            hint = ("ShareGPT {from, value}: run ftprep convert, which maps it to {role, content}"
                    if "from" in m and "value" in m else "each message needs 'role' and 'content'")
            out.append(Finding("C004", f"message {i} has no 'role'/'content' keys (keys: {keys})", at, hint))
            continue
        role, content = m["role"], m["content"]
        ok = True
        if not isinstance(role, str) or role not in ROLES:
            hint = (f"'{role}' is a ShareGPT role: run ftprep convert"
                    if isinstance(role, str) and role.lower() in ROLE_ALIASES else "use system, user, assistant or tool")
            out.append(Finding("C005", f"message {i} has role {json.dumps(role)}", at + ".role", hint))
            ok = False
        if not isinstance(content, str):
            out.append(Finding("C006", f"message {i} content is {a(kind(content))}, not a string", at + ".content"))
            ok = False
        elif not content.strip():
            code = "C010" if role == "assistant" else "C011"
            out.append(Finding(code, f"{role} message {i} is {'empty' if content == '' else 'whitespace only'}",
                               at + ".content"))
        else:
            out += control_tokens(content, at + ".content")
        if ok:
            valid.append(m)
    if len(valid) < 2:
        out.append(Finding("C007", f"{len(valid)} valid message(s); the trainer drops conversations with fewer than 2",
                           base.removeprefix("$.")))
    roles = [m["role"] for m in valid]
    if need_assistant and len(valid) >= 2:
        if "assistant" not in roles:
            out.append(Finding("C008", "no assistant turn: nothing is trained on this row", base.removeprefix("$.")))
        elif roles[-1] != "assistant":
            out.append(Finding("C009", f"the last message is '{roles[-1]}'; turns after the last assistant are not trained",
                               f"{base}[{len(messages) - 1}]"))
    if len(valid) == len(messages):
        out += chat_rules.explain(valid, template, base)
    return out

