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

from ftprep.core.options import Options
from ftprep.tasks import chat_columns, chat_rules
from ftprep.tasks.base import (
    MISSING,
    NEVER,
    Finding,
    NonBlank,
    a,
    control_tokens,
    conversation_placeholders,
    dropped_columns,
    kind,
    struct_type,
)
from ftprep.tasks.junk import conversation_junk
from ftprep.tasks.task import ROWS

NAME = "chat"
SUMMARY = "multi-turn conversations as lists of {role, content}"
SCHEMA = "chat.schema.json"
FIELDS = {"field_conversation": "conversations"}
CANONICAL = ("conversations",)
KIND = ROWS
TAKES = "a data file: JSON Lines, JSON, CSV, TSV or Parquet"
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
    return (out + explain_messages(value, opts.chat_template, base) + conversation_placeholders(value, col)
            + conversation_junk(value, col))


# Templates that render an assistant's tool_calls, so a call turn with empty
# content still trains (chatml and llama3 render only the empty content).
TOOL_CALL_TEMPLATES = ("qwen3", "mistral_v3_tekken")


def joined_parts(content: list[t.Any]) -> str | None:
    """The text current axolotl makes of content parts (`text`, `content` or
    `value` of each object part, joined); None when a part's text is not a string."""
    texts = [p.get("text") or p.get("content") or p.get("value") or "" for p in content if isinstance(p, dict)]
    return "".join(texts) if all(isinstance(x, str) for x in texts) else None


def explain_messages(messages: list[t.Any], template: str | None, base: str,
                     need_assistant: bool = True) -> list[Finding]:
    """Findings on the messages of one conversation, judged as the trainer's prep
    keeps them: a message whose role or content is null or absent is dropped and
    the rest trains; the template rules run on the kept messages."""
    out: list[Finding] = []
    kept: list[dict[str, t.Any]] = []
    index: list[int] = []
    keyless: list[int] = []
    parts: list[int] = []
    for i, m in enumerate(messages):
        at = f"{base}[{i}]"
        if not isinstance(m, dict):
            out.append(Finding("C003", f"message {i} is {a(kind(m))}, not an object", at))
            continue
        if "role" not in m or "content" not in m:
            keyless.append(i)
            continue
        role, content = m["role"], m["content"]
        if role is None or content is None:
            what = "role and content" if role is None and content is None else "role" if role is None else "content"
            out.append(Finding("C025", f"message {i} has a null {what}: prep drops this message and keeps the rest",
                               at, "remove the message, or give it text"))
            continue
        if isinstance(content, list) and (text := joined_parts(content)) is not None:
            parts.append(i)
            content = text
        elif not isinstance(content, str):
            out.append(Finding("C006", f"message {i} content is {a(kind(content))}, not a string", at + ".content"))
            continue
        if not isinstance(role, str):
            out.append(Finding("C005", f"message {i} has role {json.dumps(role)}", at + ".role",
                               "use system, user, assistant or tool"))
            continue
        if role not in ROLES:
            hint = (f"'{role}' is a ShareGPT role: run ftprep convert" if role.lower() in ROLE_ALIASES
                    else "use system, user, assistant or tool")
            out.append(Finding("C005", f"message {i} has role {json.dumps(role)}; chatml and llama3 render it as it "
                               "is, other templates drop it or raise", at + ".role", hint))
        if not content.strip():
            calls = m.get("tool_calls")
            if role != "assistant":
                out.append(Finding("C011", f"{role} message {i} is {'empty' if content == '' else 'whitespace only'}",
                                   at + ".content"))
            elif not (isinstance(calls, list) and calls and template in TOOL_CALL_TEMPLATES):
                renders = f"{template} renders" if template else "chatml and llama3 render"
                why = (f"; {renders} only the empty content of a tool-call turn (qwen3 and mistral_v3_tekken "
                       "render the calls)" if isinstance(calls, list) and calls else "")
                out.append(Finding("C010", f"{role} message {i} is {'empty' if content == '' else 'whitespace only'}"
                                   + why, at + ".content"))
        else:
            out += control_tokens(content, at + ".content")
        kept.append(m if content is m["content"] else {**m, "content": content})
        index.append(i)
    if keyless:
        first = messages[keyless[0]]
        keys = ", ".join(sorted(map(str, first))) or "none"
        more = f" and {len(keyless) - 1} more" if len(keyless) > 1 else ""
        hint = ("ShareGPT {from, value}: run ftprep convert, which maps it to {role, content}"
                if "from" in first and "value" in first else "each message needs 'role' and 'content'")
        whole = "; prep drops them, and with them the row" if len(kept) < 2 else "; prep drops such messages"
        out.append(Finding("C004", f"message {keyless[0]}{more} ha{'ve' if more else 's'} no 'role'/'content' keys "
                           f"(keys: {keys}){whole}", f"{base}[{keyless[0]}]", hint))
    if parts:
        more = f" and {len(parts) - 1} more" if len(parts) > 1 else ""
        out.append(Finding("C026", f"message {parts[0]}{more}: content is a list of content parts; prep keeps it and "
                           "axolotl 2026-04 and later join the parts' text for training, but the validator's evaluation "
                           "image (axolotl of 2025-04) passes the list to the template, which raises a TypeError",
                           f"{base}[{parts[0]}].content", "join the text parts into one string (ftprep convert does)"))
    if len(kept) < 2 and not (keyless and len(keyless) + len(kept) == len(messages)):
        # (a row of keyless messages is dropped for that one cause: its C004 says so)
        out.append(Finding("C007", f"{len(kept)} valid message(s); the trainer drops conversations with fewer than 2", base.removeprefix("$.")))
    roles = [m["role"] for m in kept]
    if need_assistant and len(kept) >= 2:
        if "assistant" not in roles:
            out.append(Finding("C008", "no assistant turn: nothing is trained on this row", base.removeprefix("$.")))
        elif roles[-1] != "assistant":
            out.append(Finding("C009", f"the last message is '{roles[-1]}'; turns after the last assistant are not trained",
                               f"{base}[{index[-1]}]"))
    if kept and all(isinstance(r, str) for r in roles):
        out += chat_rules.explain(kept, template, base, index)
    return out
