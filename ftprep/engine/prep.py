"""What the trainer's prep makes of one record of the file as given, per task.

Gradients' prep (`validator/tasks/task_prep.py`, `core/dataset_utils.py`):

- the mapped columns are renamed to the standard names (a name already taken
  raises), and only they are kept; a record without one reads null (the
  loader fills absent keys), and prep raises only when no record has it;
- text, dpo, grpo: every value becomes `str(value)`, null becomes "" (so a list
  is trained as its Python repr, a number as its digits);
- chat: a string that looks like a list is json-loaded; in a list, messages
  without a role or content (or with null ones) are dropped, and a
  conversation left with fewer than 2 is skipped; any other non-null value is
  kept and axolotl raises "Unknown messages format";
- dpo: rows with a blank prompt, chosen or rejected are dropped;
- grpo: rows whose prompt is "" are dropped.

`prepare` returns the values the template gets, with notes on what prep did to
them, or a `Drop` when the row never reaches the template; `template_messages`
is what axolotl then hands a chat template. The load's own type
inference (dates, CSV numbers and NA tokens) is not modelled here: values are
those of the file as decoded.
"""

from __future__ import annotations

import json
import typing as t

from ftprep.tasks import base_of
from ftprep.core.options import Options
from ftprep.tasks.base import MISSING, a, collisions, kind

if t.TYPE_CHECKING:
    from ftprep.templates import Template

# (code, message, field, hint): the same codes `check` gives for the cause.
Note = tuple[str, str, t.Optional[str], t.Optional[str]]
CONVERSATION_COLUMNS = ("conversations", "messages", "conversation", "chat", "dialog")
# The standard names prep renames the mapped columns to, in its order.
STANDARD = {"instruction": "instruct", "output": "output", "prompt": "prompt", "chosen": "chosen", "rejected": "rejected"}
# Columns that hold training text but that the API cannot map, per task: prep drops them.
DATA_LIKE = {"text": ("input", "context", "system", "history"), "chat": ("system",), "dpo": ("system",)}


class Drop(t.NamedTuple):
    """A row that never reaches the template: `dropped` when prep drops it, False
    when the trainer keeps it and fails on it."""

    code: str
    message: str
    field: str | None = None
    hint: str | None = None
    dropped: bool = True


class Prepared(t.NamedTuple):
    """The values the template gets (chat: `messages`), and what prep did to them."""

    values: dict[str, t.Any]
    notes: tuple[Note, ...] = ()


def columns(task: str, opts: Options) -> dict[str, str]:
    """Canonical name -> the column the job maps to it (the API's defaults)."""
    base = base_of(task)
    if base == "chat":
        return {"messages": opts.field("field_conversation", "conversations")}
    if base == "text":
        return {"instruction": opts.field("field_instruction", "instruction"),
                "output": opts.field("field_output", "output")}
    if base == "dpo":
        return {"prompt": opts.field("field_prompt", "prompt"), "chosen": opts.field("field_chosen", "chosen"),
                "rejected": opts.field("field_rejected", "rejected")}
    return {"prompt": opts.field("field_prompt", "prompt")}


def prepare(rec: dict[str, t.Any], task: str, cols: dict[str, str], absent: t.Collection[str] = ()) -> Prepared | Drop:
    """`absent`: mapped columns the first records lack (the trainer's prep raises when no record has one)."""
    base = base_of(task)
    for col in cols.values():
        if col in absent and col not in rec:
            other = next((c for c in CONVERSATION_COLUMNS if c != col and c in rec), None) if base == "chat" else None
            return Drop("S001", f"the column '{col}' is in none of the first records: the trainer's prep raises "
                        "(column not found) unless a later record has it",
                        col, f"map it: --field-conversation {other}" if other else "map your columns with --field-*",
                        dropped=False)
    lost = tuple(unmapped(rec, base, cols))
    if base == "chat":
        got = conversation(rec, cols["messages"])
        return got._replace(notes=lost + got.notes) if isinstance(got, Prepared) else got
    for f in collisions(rec, [(col, STANDARD[key]) for key, col in cols.items()]):
        return Drop(f.code, f"{f.message}: the trainer's prep raises", f.field, f.hint, dropped=False)
    values: dict[str, str] = {}
    notes: list[Note] = list(lost)
    for key, col in cols.items():
        raw = rec.get(col, MISSING)
        values[key] = as_text(raw)
        note = _note(raw, col, base, key)
        if note is None:
            continue
        if _drops(base, values[key]):
            why = "prompt" if base == "grpo" else "prompt, chosen or rejected"
            return Drop(note[0], f"{note[1]}; the trainer's prep drops rows with an empty {why}", col, note[3])
        notes.append(note)
    return Prepared(values, tuple(notes))


def unmapped(rec: dict[str, t.Any], base: str, cols: dict[str, str]) -> t.Iterator[Note]:
    """S003 for each column with training text that prep drops (empty ones lose nothing)."""
    mapped = set(cols.values())
    for col in DATA_LIKE.get(base, ()):
        value = rec.get(col)
        if col not in mapped and value is not None and (value.strip() if isinstance(value, str) else value != []):
            yield ("S003", f"column '{col}' is not mapped: the trainer drops it, so its text is not trained (not shown)",
                   col, "fold it into a mapped column with ftprep convert (render --as-converted shows the result)")


def as_text(value: object) -> str:
    """`change_to_json_format`: str() of the value, "" for null (and for an absent key)."""
    if value is None or value is MISSING:
        return ""
    return value if isinstance(value, str) else str(value)


def _drops(base: str, text: str) -> bool:
    return (base == "dpo" and not text.strip()) or (base == "grpo" and text == "")


def _note(raw: object, col: str, base: str, key: str) -> Note | None:
    shown = f"'{col}'"
    if raw is MISSING or raw is None:
        what = "absent" if raw is MISSING else "null"
        return ("V001", f"{shown} is {what}: the trainer reads it as ''", col,
                "when no row has the column, the trainer's prep raises" if raw is MISSING else None)
    if isinstance(raw, str):
        if raw.strip():
            return None
        if base == "text" and key == "output":
            return ("V002", f"{shown} is {'empty' if raw == '' else 'whitespace only'}: the row trains nothing", col, None)
        return ("V002", f"{shown} is {'empty' if raw == '' else 'whitespace only'}", col, None)
    if isinstance(raw, (list, dict)):
        return ("V003", f"{shown} is {a(kind(raw))}: the trainer trains on its Python repr (shown)", col,
                "flatten it to a string, or use ftprep convert")
    return ("V004", f"{shown} is {a(kind(raw))}: the trainer trains on str() of it (shown)", col,
            "store text as JSON strings")


def conversation(rec: dict[str, t.Any], col: str) -> Prepared | Drop:
    """`process_chat_row` on the conversation column, with the reason when it drops the row."""
    value = rec.get(col, MISSING)
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("[") and s.endswith("]"):
            try:
                value = json.loads(s)
            except ValueError:
                pass
    if isinstance(value, list):
        kept = [m for m in value if isinstance(m, dict) and m.get("role") is not None and m.get("content") is not None]
        if len(kept) > 1:
            return Prepared({"messages": kept})
        return _too_few(value, kept, col)
    if value is MISSING or value is None or value == "":
        what = "absent" if value is MISSING else "null" if value is None else "empty"
        other = next((c for c in CONVERSATION_COLUMNS if c != col and c in rec), None)
        hint = f"map it: --field-conversation {other}" if other else None
        return Drop("V001", f"the conversation '{col}' is {what}: the trainer's prep skips the row", col, hint)
    return Drop("C001", f"the conversation '{col}' is {a(kind(value))}, not a list of messages: the trainer keeps it "
                "and axolotl raises 'Unknown messages format'", col, "store a list of {role, content} objects",
                dropped=False)


def _too_few(value: list[t.Any], kept: list[t.Any], col: str) -> Drop:
    if not value:
        return Drop("C002", f"the conversation '{col}' is empty: the trainer's prep skips the row", col)
    keyless = [m for m in value if isinstance(m, dict) and ("role" not in m or "content" not in m)]
    if keyless:
        keys = ", ".join(sorted({str(k) for m in keyless for k in m})) or "none"
        sharegpt = all("from" in m and "value" in m for m in keyless)
        return Drop("C004", f"{len(keyless)} of {len(value)} messages have no 'role'/'content' keys (keys: {keys}): "
                    f"the trainer's prep drops them, and the conversation with {len(kept)} left", col,
                    "ShareGPT {from, value}: run ftprep convert (render --as-converted shows its result)"
                    if sharegpt else "each message needs 'role' and 'content'")
    return Drop("C007", f"{len(kept)} of {len(value)} messages have a role and content (not null): the trainer's "
                "prep drops conversations with fewer than 2", col)


def trainer_messages(value: object, template: Template) -> list[dict[str, t.Any]] | tuple[str, str]:
    """The messages the trainer hands the template for a conversation value as
    given, or (code, message) when the row never reaches it."""
    got = conversation({"conversations": value}, "conversations")
    if isinstance(got, Drop):
        return got.code, got.message
    return template_messages(got.values["messages"], template)


def template_messages(kept: list[dict[str, t.Any]], template: Template) -> list[dict[str, t.Any]] | tuple[str, str]:
    """axolotl's messages from the ones prep kept: role, content and the keys the
    template reads (nulls removed), tool-call arguments decoded from JSON."""
    out: list[dict[str, t.Any]] = []
    for m in kept:
        msg = {"role": m["role"], "content": m["content"]}
        for key in template.keys:
            if m.get(key) is not None:
                msg[key] = _without_none(m[key])
        calls = msg.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    try:
                        fn["arguments"] = json.loads(fn["arguments"])
                    except ValueError:
                        return "C012", "tool call arguments are not valid JSON; the trainer raises JSONDecodeError"
        out.append(msg)
    return out


def _without_none(value: t.Any) -> t.Any:
    """axolotl's remove_none_values: nulls are removed at every depth."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


__all__ = ["Drop", "Prepared", "as_text", "columns", "conversation", "prepare", "template_messages",
           "trainer_messages", "unmapped"]
