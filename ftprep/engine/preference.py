"""DPO preference shapes: prompt, chosen and rejected from every public layout.

Plain columns; conversations whose last assistant turn is the answer (TRL,
UltraFeedback, LLaMA-Factory v1 `chosen_messages`/`rejected_messages`);
LLaMA-Factory's ShareGPT DPO (the prompt in `conversations`, the answers as
single `{from, value}` objects); OpenAI's preference format (`input.messages`,
`preferred_output`, `non_preferred_output`); Anthropic HH-RLHF transcripts.
The prompt keeps the conversation's system message; a pair whose two
conversations differ before the answer is refused (V006).
"""

from __future__ import annotations

import typing as t

from ftprep.core.errors import Unmappable
from ftprep.core.options import Options
from ftprep.engine.messages import (
    flatten,
    is_message_list,
    join,
    last_assistant,
    parse_messages,
    scalar,
)

Record = dict[str, t.Any]
CONVERSATION_COLUMNS = ("conversations", "messages", "conversation", "chat", "dialog")
HH_ASSISTANT = "\n\nAssistant:"
OPENAI_PREFERENCE = ("preferred_output", "non_preferred_output")
V1_PREFERENCE = ("chosen_messages", "rejected_messages")


def normalizer(shape: str, opts: Options) -> t.Callable[[Record], Record]:
    p = opts.field_prompt or "prompt"
    c = opts.field_chosen or {"v1-preference": V1_PREFERENCE[0], "openai-preference": OPENAI_PREFERENCE[0]}.get(shape, "chosen")
    j = opts.field_rejected or {"v1-preference": V1_PREFERENCE[1], "openai-preference": OPENAI_PREFERENCE[1]}.get(shape, "rejected")

    def normalize(r: Record) -> Record:
        chosen, rejected = r.get(c), r.get(j)
        if p not in r and isinstance(chosen, str) and shape == "hh-rlhf":
            return _hh(chosen, rejected)
        prompt = r.get(p)
        history = _history(r, shape)
        if isinstance(chosen, dict):  # LLaMA-Factory ShareGPT DPO: one {from, value} answer
            chosen = _answer(chosen, c)
        if isinstance(rejected, dict):
            rejected = _answer(rejected, j)
        heads = []
        if is_message_list(chosen):
            head, chosen = last_assistant(parse_messages(chosen, c), c)
            heads.append(head)
        if is_message_list(rejected):
            head, rejected = last_assistant(parse_messages(rejected, j), j)
            heads.append(head)
        if len(heads) == 2 and _turns(heads[0]) != _turns(heads[1]):
            raise Unmappable("chosen and rejected come with different prompts (their conversations before the "
                             "answer differ)", j, "V006", "pair two answers to the same prompt, or drop the pair")
        before = history if history is not None else (heads[0] if heads else None)
        if before:  # the conversation before the answer, its system message kept
            prompt = flatten(before)
        elif is_message_list(prompt):
            prompt = flatten(parse_messages(prompt, p))
        system = r.get("system")
        if isinstance(prompt, str) and isinstance(system, str) and system.strip():
            prompt = join(system, prompt)
        return {"prompt": scalar(prompt), "chosen": scalar(chosen), "rejected": scalar(rejected)}

    return normalize


def _history(r: Record, shape: str) -> list[dict[str, t.Any]] | None:
    """The prompt conversation of the shapes that store it apart from the answers."""
    if shape == "openai-preference":
        inp = r.get("input")
        value = inp.get("messages") if isinstance(inp, dict) else inp
        return parse_messages(value, "input.messages")
    if shape == "sharegpt-preference":
        col = next((k for k in CONVERSATION_COLUMNS if k in r), None)
        return parse_messages(r[col], col) if col else None
    return None


def _answer(message: dict[str, t.Any], field: str) -> object:
    msg = parse_messages([message], field)[0]
    if msg["role"] is None or msg["content"] is None:
        keys = ", ".join(sorted(map(str, message))) or "none"
        raise Unmappable(f"'{field}' is an object but not a message (keys: {keys})", field)
    if msg["role"] != "assistant":
        raise Unmappable(f"'{field}' is a {msg['role']} message, not an assistant answer", field)
    return msg["content"]


def _turns(messages: list[dict[str, t.Any]]) -> list[tuple[object, object]]:
    return [(m["role"], m["content"]) for m in messages]


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
