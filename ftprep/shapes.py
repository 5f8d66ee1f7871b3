"""Common source shapes, and how each maps to a task's canonical columns.

`detect` names the shape from the columns; `normalizer` returns a function
that turns one source record into one canonical record (or raises `Unmappable`
with a reason). Nothing is silently dropped: alpaca `input` and Dolly
`context` are folded into the instruction, a separate `system` column becomes
a system message (chat) or a prefix of the prompt (text, dpo).
"""

from __future__ import annotations

import json
import typing as t

from ftprep.tasks.base import Options, a, kind
from ftprep.tasks.chat import ROLE_ALIASES

Record = dict[str, t.Any]

CONVERSATION_COLUMNS = ("conversations", "messages", "conversation", "chat", "dialog")
HH_ASSISTANT = "\n\nAssistant:"


class Unmappable(Exception):
    """A record that cannot be mapped to the canonical shape."""

    def __init__(self, message: str, field: str | None = None, code: str = "S005") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def join(*parts: object) -> str:
    return "\n\n".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())


def detect(task: str, columns: t.Collection[str], opts: Options, sample: Record | None = None) -> str:
    cols = set(columns)
    base = task.removeprefix("custom_")
    if base == "text":
        if opts.field_instruction or opts.field_output:
            return "mapped"
        if {"instruction", "context", "response"} <= cols:
            return "dolly"
        if {"instruction", "output"} <= cols:
            return "alpaca" if "input" in cols else "instruction-output"
        if {"prompt", "completion"} <= cols:
            return "prompt-completion"
        if {"instruction", "response"} <= cols:
            return "instruction-response"
        if {"question", "answer"} <= cols:
            return "question-answer"
        return "mapped"
    if base == "chat":
        return "mapped" if opts.field_conversation else next(
            (c for c in CONVERSATION_COLUMNS if c in cols), "mapped")
    if base == "dpo":
        chosen = (sample or {}).get(opts.field_chosen or "chosen")
        if isinstance(chosen, list):
            return "preference-messages"
        if opts.field_prompt or "prompt" in cols:
            return "prompt-chosen-rejected"
        return "hh-rlhf"
    return "prompt"


# --- messages -----------------------------------------------------------------
def parse_messages(value: object, field: str) -> list[dict[str, t.Any]]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise Unmappable("the conversation is a string that is not valid JSON", field, "C001") from None
    if not isinstance(value, list):
        raise Unmappable(f"the conversation is {a(kind(value))}, not a list of messages", field, "C001")
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict):
            raise Unmappable(f"message {i} is {a(kind(m))}, not an object", f"{field}[{i}]", "C003")
        role = m.get("role", m.get("from"))
        content = m.get("content", m.get("value"))
        if isinstance(role, str):
            role = ROLE_ALIASES.get(role.lower(), role)
        if isinstance(content, list):  # OpenAI content parts
            texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            if len(texts) == len(content):
                content = "".join(str(x) for x in texts)
        out.append({"role": role, "content": content})
    return out


def flatten(messages: list[dict[str, t.Any]]) -> str:
    """A prompt from messages: one user message is its text; more are labelled."""
    if len(messages) == 1 and messages[0]["role"] == "user":
        return messages[0]["content"]
    return "\n\n".join(f"{str(m['role']).capitalize()}: {m['content']}" for m in messages)


def last_assistant(messages: list[dict[str, t.Any]], field: str) -> tuple[list[dict[str, t.Any]], object]:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i]["role"] == "assistant":
            return messages[:i], messages[i]["content"]
    raise Unmappable("no assistant message in the response", field)


def as_text(value: object, field: str) -> object:
    """Message lists become text; other values pass through for the check to judge."""
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        msgs = parse_messages(value, field)
        if msgs and msgs[-1]["role"] == "assistant":
            return msgs[-1]["content"]
        return flatten(msgs)
    return value


# --- per task -----------------------------------------------------------------
def normalizer(task: str, shape: str, opts: Options) -> t.Callable[[Record], Record]:
    base = task.removeprefix("custom_")
    if base == "text":
        return _text(shape, opts)
    if base == "chat":
        col = opts.field_conversation or (shape if shape != "mapped" else "conversations")
        return lambda r: _chat(r, col)
    if base == "dpo":
        return _dpo(shape, opts)
    return _grpo(opts)


def _text(shape: str, opts: Options) -> t.Callable[[Record], Record]:
    inst = opts.field_instruction or {"prompt-completion": "prompt", "question-answer": "question"}.get(shape, "instruction")
    out = opts.field_output or {"dolly": "response", "instruction-response": "response",
                                "prompt-completion": "completion", "question-answer": "answer"}.get(shape, "output")
    folds = [c for c in ("input", "context") if c not in (inst, out)]

    def normalize(r: Record) -> Record:
        instruction = r.get(inst)
        extra = [r.get(c) for c in folds]
        system = r.get("system") if "system" not in (inst, out) else None
        # Fold only into a real instruction: a blank one must stay blank and be reported.
        if isinstance(instruction, str) and instruction.strip() and (
                any(isinstance(e, str) and e.strip() for e in extra) or system):
            instruction = join(system, instruction, *extra)
        return {"instruction": _scalar(instruction), "output": _scalar(r.get(out))}

    return normalize


def _scalar(v: object) -> object:
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _chat(r: Record, col: str) -> Record:
    if col not in r or r[col] is None:
        return {"conversations": r.get(col)}
    msgs = parse_messages(r[col], col)
    system = r.get("system")
    if isinstance(system, str) and system.strip() and not (msgs and msgs[0]["role"] == "system"):
        msgs.insert(0, {"role": "system", "content": system})
    return {"conversations": msgs}


def _dpo(shape: str, opts: Options) -> t.Callable[[Record], Record]:
    p = opts.field_prompt or "prompt"
    c = opts.field_chosen or "chosen"
    j = opts.field_rejected or "rejected"

    def normalize(r: Record) -> Record:
        chosen, rejected = r.get(c), r.get(j)
        if p not in r and isinstance(chosen, str):
            return _hh(chosen, rejected)
        prompt = r.get(p)
        if isinstance(chosen, list) and chosen and all(isinstance(m, dict) for m in chosen):
            head, chosen = last_assistant(parse_messages(chosen, c), c)
            if prompt is None and head:
                prompt = flatten([m for m in head if m["role"] != "system"]) or None
        if isinstance(rejected, list) and rejected and all(isinstance(m, dict) for m in rejected):
            _, rejected = last_assistant(parse_messages(rejected, j), j)
        prompt = as_text(prompt, p)
        system = r.get("system")
        if isinstance(prompt, str) and isinstance(system, str) and system.strip():
            prompt = join(system, prompt)
        return {"prompt": _scalar(prompt), "chosen": _scalar(chosen), "rejected": _scalar(rejected)}

    return normalize


def _hh(chosen: object, rejected: object) -> Record:
    """Anthropic HH-RLHF: two full transcripts that share everything up to the
    last `Assistant:` turn."""
    if not (isinstance(chosen, str) and isinstance(rejected, str)):
        raise Unmappable("HH-RLHF chosen and rejected must be transcripts (strings)", "chosen")
    cut = chosen.rfind(HH_ASSISTANT)
    if cut < 0:
        raise Unmappable("no '\\n\\nAssistant:' turn in chosen", "chosen")
    prompt = chosen[: cut + len(HH_ASSISTANT)]
    if not rejected.startswith(prompt):
        raise Unmappable("chosen and rejected do not share the prompt up to the last Assistant turn", "rejected")
    return {"prompt": prompt.strip(), "chosen": chosen[len(prompt):].strip(),
            "rejected": rejected[len(prompt):].strip()}


def _grpo(opts: Options) -> t.Callable[[Record], Record]:
    p = opts.field_prompt or "prompt"

    def normalize(r: Record) -> Record:
        out: Record = {"prompt": _scalar(as_text(r.get(p), p))}
        for key, value in r.items():
            if key != p and key != "prompt":
                # Every extra value as JSON, so eval's json.loads gives back exactly it.
                out[key] = json.dumps(value, ensure_ascii=False, default=str)  # datetimes, decimals: as text
        return out

    return normalize
