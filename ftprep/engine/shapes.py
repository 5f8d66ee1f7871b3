"""Common source shapes, and how each maps to a task's canonical columns.

`detect` names the shape from the columns; `mapper` returns a function that
turns one source record into one canonical record plus the findings about what
the mapping changed (or raises `Unmappable` with a reason). Nothing is silently
dropped: alpaca `input` and Dolly `context` are folded into the instruction, a
separate `system` column becomes a system message (chat) or a prefix of the
prompt (text, dpo), and what the trainer cannot use (KTO's undesirable answers,
tool schemas, masked turns) is dropped or cut with a finding. Message lists of
every public spelling are read by `ftprep.engine.messages`.

Separators, the only text convert adds: "\n\n" between folded texts (`join`),
"Role: content" labels between the turns of a multi-turn DPO/GRPO prompt
(`flatten`), and the `<think>`/tool-call markup of `ftprep.engine.messages`.
"""

from __future__ import annotations

import typing as t

from ftprep.engine import messages as message_reader
from ftprep.engine import preference
from ftprep.core.diagnostics import Diagnostic
from ftprep.core.errors import Unmappable
from ftprep.engine.messages import flatten, is_message_list, join, scalar
from ftprep.tasks import base_of, chat_columns
from ftprep.core.options import Options
from ftprep.tasks.base import Finding
from ftprep.tasks.chat import ROLE_ALIASES

__all__ = ["Unmappable", "detect", "mapper", "normalizer", "parse_messages"]

Record = dict[str, t.Any]
# What a mapper returns: the canonical record (None: dropped by design, e.g. a
# KTO row labelled undesirable) and the findings about what the mapping changed.
Mapped = tuple[t.Optional[Record], list[Finding]]

CONVERSATION_COLUMNS = preference.CONVERSATION_COLUMNS
OPENAI_PREFERENCE, V1_PREFERENCE = preference.OPENAI_PREFERENCE, preference.V1_PREFERENCE


def detect(task: str, columns: t.Collection[str], opts: Options, sample: Record | None = None) -> str:
    cols = set(columns)
    base = base_of(task)
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
        if not (opts.field_chosen or opts.field_rejected):
            if set(OPENAI_PREFERENCE) <= cols:
                return "openai-preference"
            if set(V1_PREFERENCE) <= cols:
                return "v1-preference"
        chosen = (sample or {}).get(opts.field_chosen or "chosen")
        if isinstance(chosen, list):
            return "preference-messages"
        if isinstance(chosen, dict) or (sample is None and "prompt" not in cols
                                        and any(c in cols for c in CONVERSATION_COLUMNS)):
            return "sharegpt-preference"  # the prompt is the conversation column
        if opts.field_prompt or "prompt" in cols:
            return "prompt-chosen-rejected"
        return "hh-rlhf"
    return "prompt"


# --- messages -----------------------------------------------------------------
def parse_messages(value: list[t.Any], field: str) -> list[dict[str, t.Any]]:
    """Messages for a viewer (render): mapped where convert maps them, else each
    message's role and content as they are, for the viewer to judge. (convert
    itself uses the strict `ftprep.engine.messages.parse_messages`.)"""
    try:
        return message_reader.parse_messages(value, field)
    except Unmappable:
        return [{"role": chat_columns.role_of(m, ROLE_ALIASES), "content": m.get("content", m.get("value"))}
                if isinstance(m, dict) else m for m in value]


def as_text(value: object, field: str) -> object:
    """Message lists become text; other values pass through for the check to judge."""
    if is_message_list(value):
        msgs = message_reader.parse_messages(value, field)
        if msgs and msgs[-1]["role"] == "assistant":
            return msgs[-1]["content"]
        return flatten(msgs)
    return value


# --- per task -----------------------------------------------------------------
def mapper(task: str, shape: str, opts: Options) -> t.Callable[[Record], Mapped]:
    """One source record -> (canonical record or None when dropped by design, findings)."""
    base = base_of(task)
    if base == "chat":
        col = opts.field_conversation or (shape if shape != "mapped" else "conversations")
        return lambda r: _chat(r, col, opts.chat_template)
    if base == "text":
        plain = _text(shape, opts)
    elif base == "dpo":
        pairs = preference.normalizer(shape, opts)
        return lambda r: (pairs(r), _tools_dropped(r, "prompt") + _tools_dropped(r.get("input"), "prompt"))
    else:
        plain = _grpo(opts)
    return lambda r: (plain(r), [])


def _tools_dropped(r: object, col: str) -> list[Finding]:
    if not isinstance(r, dict):
        return []
    return [Finding("S006", f"dropped column '{c}' (tool schemas): the trainer's prep keeps only the "
                    "conversation", c) for c in chat_columns.TOOLS_COLUMNS if c != col and chat_columns.present(r.get(c))]


def normalizer(task: str, shape: str, opts: Options) -> t.Callable[[Record], Record]:
    """`mapper` without its findings; a row dropped by design is `Unmappable`."""
    mapped = mapper(task, shape, opts)

    def normalize(r: Record) -> Record:
        out, notes = mapped(r)
        if out is None:
            raise Unmappable(notes[0].message if notes else "dropped", notes[0].field if notes else None,
                             notes[0].code if notes else "S005")
        return out

    return normalize


def _text(shape: str, opts: Options) -> t.Callable[[Record], Record]:
    inst = opts.field_instruction or {"prompt-completion": "prompt", "question-answer": "question"}.get(shape, "instruction")
    out = opts.field_output or {"dolly": "response", "instruction-response": "response",
                                "prompt-completion": "completion", "question-answer": "answer"}.get(shape, "output")
    folds = [c for c in ("input", "context") if c not in (inst, out)]

    def normalize(r: Record) -> Record:
        media = next((c for c in chat_columns.MEDIA_COLUMNS if c not in (inst, out) and chat_columns.present(r.get(c))),
                     None)
        if media:
            raise Unmappable(f"column '{media}' makes the row multimodal; the trainer is text-only and would train "
                             "its placeholders as literal text", media, "C022", message_reader.MEDIA_HINT)
        instruction = r.get(inst)
        extra = [r.get(c) for c in folds]
        system = r.get("system") if "system" not in (inst, out) else None
        history = _history_text(r.get("history")) if "history" not in (inst, out) else None
        # Fold only into a real instruction: a blank one must stay blank and be reported.
        if isinstance(instruction, str) and instruction.strip() and (
                any(isinstance(e, str) and e.strip() for e in extra) or system or history):
            instruction = join(instruction, *extra)
            if history:  # LLaMA-Factory alpaca `history`: the earlier turns, labelled as in DPO prompts
                instruction = f"{history}\n\nUser: {instruction}"
            instruction = join(system, instruction)
        return {"instruction": scalar(instruction), "output": scalar(r.get(out))}

    return normalize


def _history_text(history: object) -> str | None:
    """Earlier [instruction, response] pairs as labelled turns; anything else is refused."""
    if history is None or history == []:
        return None
    if not (isinstance(history, list) and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in history)):
        raise Unmappable("'history' is not a list of [instruction, response] pairs of text", "history")
    return flatten([{"role": role, "content": text} for q, a in history
                    for role, text in (("user", q), ("assistant", a))])


def _listed(indices: list[int]) -> str:
    return ", ".join(map(str, indices[:5])) + (", ..." if len(indices) > 5 else "")


def _chat(r: Record, col: str, template: str | None) -> Mapped:
    if col not in r or r[col] is None:
        return {"conversations": r.get(col)}, []
    if col != chat_columns.LABEL_COLUMN and chat_columns.undesirable(r.get(chat_columns.LABEL_COLUMN)):
        return None, [Finding("V007", "dropped KTO rows labelled undesirable (label false): SFT would train their "
                              "answers as targets", chat_columns.LABEL_COLUMN)]
    media = next((c for c in chat_columns.MEDIA_COLUMNS if c != col and chat_columns.present(r.get(c))), None)
    if media:
        raise Unmappable(f"column '{media}' makes the row multimodal; the trainer is text-only and would train "
                         "its placeholders as literal text", media, "C022", message_reader.MEDIA_HINT)
    conv = message_reader.read(r[col], col, template)
    msgs, notes = conv.messages, []
    assistants = [i for i, m in enumerate(msgs) if m["role"] == "assistant"]
    masked = set(conv.masked)  # a set: a long row masks thousands of turns
    trained = [i for i in assistants if i not in masked]
    keep = len(msgs)
    if conv.masked:
        if not trained:
            raise Unmappable("every assistant turn is masked by weight 0: nothing in the row is meant to be trained",
                             f"{col}[{conv.masked[0]}]", "S005", "drop the row: it has no turn to train")
        tail = [i for i in conv.masked if i > trained[-1]]
        middle = [i for i in conv.masked if i < trained[-1]]
        if tail:
            keep = trained[-1] + 1
            notes.append(Finding("C020", f"cut the conversation after turn {trained[-1]}: masked assistant turn(s) "
                                 f"{_listed(tail)} (weight 0) would be trained", f"{col}[{tail[0]}]"))
        if middle:
            notes.append(Finding("C019", f"kept masked assistant turn(s) {_listed(middle)} (weight 0): the trainer "
                                 "trains every assistant turn", f"{col}[{middle[0]}]"))
    msgs = msgs[:keep]
    as_text = [i for i in conv.calls_as_text if i < keep]
    if as_text:
        notes.append(Finding("C021", f"wrote the tool call(s) of turn(s) {_listed(as_text)} as assistant text "
                             "holding the call's JSON", f"{col}[{as_text[0]}]",
                             "with --chat-template qwen3 they are written in qwen3's <tool_call> markup"))
    notes += _tools_dropped(r, col)
    system = r.get("system")
    if isinstance(system, str) and system.strip() and not (msgs and msgs[0]["role"] == "system"):
        msgs.insert(0, {"role": "system", "content": system})
    return {"conversations": msgs}, notes


def _grpo(opts: Options) -> t.Callable[[Record], Record]:
    import json

    p = opts.field_prompt or "prompt"

    def normalize(r: Record) -> Record:
        out: Record = {"prompt": scalar(as_text(r.get(p), p))}
        for key, value in r.items():
            if key != p and key != "prompt":
                # Every extra value as JSON, so eval's json.loads gives back exactly it.
                out[key] = json.dumps(value, ensure_ascii=False, default=str)  # datetimes, decimals: as text
        return out

    return normalize


class Notes:
    """What the mapping changed, one diagnostic per code: how many rows, and the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.first: dict[str, tuple[Finding, int | None, int]] = {}
        self.counts: dict[str, int] = {}

    def add(self, findings: list[Finding], line: int | None, row: int) -> None:
        for f in findings:
            self.first.setdefault(f.code, (f, line, row))
            self.counts[f.code] = self.counts.get(f.code, 0) + 1

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        for code, (f, line, row) in self.first.items():
            n = self.counts[code]
            message = f.message if n == 1 else f"{f.message} ({n:,} rows; the first is shown)"
            out.append(Diagnostic(code, message, self.path, line=line, row=row, field=f.field, hint=f.hint))
        return out
