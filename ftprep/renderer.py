"""`ftprep.render` (this module is `ftprep.renderer`): each row as the trainer's chat template renders it.

Rows are read with `converter.guarded_records` and prepared the way the trainer
prepares them before templating:

- chat: the conversation column is json-loaded when it is a string; messages
  without a role or content (or with null ones) are dropped and a conversation
  left with fewer than 2 messages is dropped (C007); roles pass through as they
  are; only the message keys the template reads are kept; tool-call arguments
  given as JSON strings are decoded. ShareGPT `{from, value}` messages are
  mapped to `{role, content}` as `ftprep convert` does.
- dpo: the canonical prompt/chosen/rejected (`shapes`); the prompt is one user
  message rendered with the generation prompt; each response is rendered after
  a dummy user turn and cut out at its first occurrence, then right-stripped
  (axolotl 0.18-0.20 `chat_template.default`).
- grpo: the canonical prompt as one user message, with the generation prompt.
- text: instruction followed by output (no chat template; output is trained).

A row the template rejects becomes a Diagnostic (C012, or the code of the
problem) and its entry is None. Nothing here raises for bad data.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t

from ftprep.diagnostics import Diagnostic
from ftprep.tasks.base import Options, a, kind

if t.TYPE_CHECKING:
    from ftprep.templates import Rendered, Template

DEFAULT_TEMPLATE = "chatml"  # Gradients' default chat_template, and the trainer's DPO wrapping
DUMMY_USER = {"role": "user", "content": "[[dummy_message]]"}


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One row: its rendering, or None with the diagnostics that explain why."""

    line: int | None
    row: int
    text: str | None = None
    spans: tuple[tuple[int, int], ...] = ()
    # dpo: "prompt", "chosen", "rejected" renderings (the responses fully trained).
    pair: dict[str, Rendered] | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    # phi_4 wrote its built-in system prompt (shown as a marker) in this row.
    default_system: bool = False
    # The data has assistant text to train on (so an empty span set means the
    # template removed it).
    expects_training: bool = False

    @property
    def ok(self) -> bool:
        return self.text is not None or self.pair is not None

    def to_json(self) -> str | dict[str, str] | None:
        if self.pair is not None:
            return {k: v.text for k, v in self.pair.items()}
        return self.text


@dataclasses.dataclass(slots=True)
class RenderResult:
    """What `render` returns: one Entry per row read."""

    path: str
    task: str
    chat_template: str | None
    entries: list[Entry] = dataclasses.field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for e in self.entries for d in e.diagnostics]

    @property
    def rejected(self) -> int:
        return sum(1 for e in self.entries if not e.ok)

    def to_json(self) -> list[str | dict[str, str] | None]:
        return [e.to_json() for e in self.entries]


def render(
    path: str,
    *,
    chat_template: str | None = None,
    task: str | None = None,
    rows: int | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    default_system: str | None = None,
    max_expansion: float | None = None,
    max_decompressed: int | None = None,
) -> RenderResult:
    """Render the first `rows` rows of `path` (all when None) with `chat_template`.

    `default_system` is the text phi_4 injects when a chat has no system
    message; by default a marker stands in for it (and C015 is reported).
    `max_expansion` and `max_decompressed` bound a .gz (ftprep.limits; None: the defaults).
    Raises ValueError for an unknown task or template, SourceError when the file
    cannot be read at all.
    """
    bounds = {k: v for k, v in (("max_expansion", max_expansion), ("max_decompressed", max_decompressed)) if v}
    opts = Options(task=task, field_conversation=field_conversation, field_prompt=field_prompt,
                   field_chosen=field_chosen, field_rejected=field_rejected,
                   field_instruction=field_instruction, field_output=field_output, chat_template=chat_template,
                   **bounds)
    name, entries = iter_entries(path, opts, limit=rows, default_system=default_system)
    return RenderResult(path, name, chat_template or (DEFAULT_TEMPLATE if name != "text" else None), list(entries))


def iter_entries(path: str, opts: Options, *, limit: int | None = None, display: str | None = None,
                 default_system: str | None = None) -> tuple[str, t.Iterator[Entry]]:
    """(task name, lazy Entry per row). Raises ValueError when the task is unknown."""
    from ftprep import shapes, tasks
    from ftprep.converter import guarded_records
    from ftprep.templates import get

    template = get(opts.chat_template or DEFAULT_TEMPLATE)
    from ftprep.sources import bounds_of

    columns, records = guarded_records(path, bounds_of(opts))
    name = opts.task or tasks.infer(columns, opts)
    if name is None and not columns:
        # Nothing could be read (a bound hit, a broken .gz, invalid JSON): that finding is the entry.
        first = next(records, None)
        if first is not None and isinstance(first[2], Diagnostic):
            rec = dataclasses.replace(first[2], path=display or path)
            return "unknown", iter([Entry(first[0], first[1], diagnostics=(rec,))])
        records = iter([first] if first is not None else [])
    if name is None:
        raise ValueError(f"{path}: cannot infer the task from the columns ({', '.join(columns[:12]) or 'none'}); "
                         "pass --task")
    if name not in tasks.TASKS:
        raise ValueError(f"{path}: cannot render task {name!r}; choose from {', '.join(tasks.TASKS)}")
    base = name.removeprefix("custom_")
    shape = shapes.detect(name, columns, opts)
    where = display or path
    if base == "chat":
        col = opts.field_conversation or (shape if shape != "mapped" else "conversations")
        one: t.Callable[[dict[str, t.Any]], Outcome] = lambda rec: _chat(rec, col, template, default_system)
    else:
        normalize = shapes.normalizer(name, shape, opts)
        one = lambda rec: _canonical(rec, base, normalize, template)

    def entries() -> t.Iterator[Entry]:
        for n, (line, row, rec) in enumerate(records):
            if limit is not None and n >= limit:
                return
            if isinstance(rec, Diagnostic):
                yield Entry(line, row, diagnostics=(dataclasses.replace(rec, path=where),))
                continue
            if not isinstance(rec, dict):
                yield Entry(line, row, diagnostics=(Diagnostic(
                    "P005", f"record is {a(kind(rec))}, not an object", where, line=line, row=row),))
                continue
            try:
                outcome = one(rec)
            except RecursionError:  # a JSON string in the row too deep to decode
                from ftprep.limits import TOO_DEEP, TOO_DEEP_HINT

                outcome = _fail("P013", TOO_DEEP, None, TOO_DEEP_HINT)
            yield _place(outcome, line, row, where)

    return name, entries()


class Outcome(t.NamedTuple):
    """A row's result before it gets its place; problems are (code, message, field, hint)."""

    text: str | None
    spans: tuple[tuple[int, int], ...] = ()
    pair: dict[str, t.Any] | None = None
    injected: bool = False
    problems: t.Sequence[tuple[str, str, str | None, str | None]] = ()
    expects: bool = False


def _place(o: Outcome, line: int | None, row: int, where: str) -> Entry:
    diags = tuple(Diagnostic(code, msg, where, line=line, row=row, field=field, hint=hint)
                  for code, msg, field, hint in o.problems)
    return Entry(line, row, o.text, o.spans, o.pair, diags, o.injected, o.expects)


def _fail(code: str, message: str, field: str | None = None, hint: str | None = None) -> Outcome:
    return Outcome(None, problems=[(code, message, field, hint)])


def _chat(rec: dict[str, t.Any], col: str, template: Template, default_system: str | None) -> Outcome:
    from ftprep.tasks.chat import jpath
    from ftprep.templates import TemplateError

    at = jpath(col)
    messages = trainer_messages(rec.get(col), template)
    if isinstance(messages, tuple):
        code, message = messages
        return _fail(code, message, col)
    try:
        r = template.render(messages, False, default_system)
    except TemplateError as e:
        return _fail(e.code, f"{template.name} raises: {e.message}", at,
                     "fix the role order or roles" if e.code == "C012" else None)
    problems = []
    injected = template.injects_system and messages[0]["role"] != "system" and default_system is None
    if injected:
        problems.append(("C015", "phi_4 injects its built-in reasoning system prompt (shown as a marker)", at,
                         "add a system message of your own"))
    expects = any(m["role"] == "assistant" and isinstance(m["content"], str) and m["content"].strip()
                  for m in messages)
    return Outcome(r.text, r.spans, None, injected, problems, expects)


def trainer_messages(value: object, template: Template) -> list[dict[str, t.Any]] | tuple[str, str]:
    """The messages the trainer hands the template, or (code, message) when the row
    never reaches it."""
    from ftprep import shapes
    from ftprep.tasks.chat import parse_conversation

    value = parse_conversation(value)
    if value is None:
        return "V001", "the conversation is absent or null"
    if not isinstance(value, list):
        return "C001", f"the conversation is a {type(value).__name__}, not a list; the trainer raises"
    out: list[dict[str, t.Any]] = []
    for m in value:
        if not isinstance(m, dict):
            continue
        if "role" not in m and "content" not in m and "from" in m and "value" in m:
            m = shapes.parse_messages([m], "message")[0]
        if m.get("role") is None or m.get("content") is None:
            continue  # the trainer's prep drops it
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
    if len(out) < 2:
        return "C007", f"{len(out)} usable message(s); the trainer drops conversations with fewer than 2"
    return out


def _without_none(value: t.Any) -> t.Any:
    """axolotl's remove_none_values: nulls are removed at every depth."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _canonical(rec: dict[str, t.Any], base: str, normalize: t.Callable[[dict[str, t.Any]], dict[str, t.Any]],
               template: Template) -> Outcome:
    from ftprep import shapes
    from ftprep.templates import TemplateError

    try:
        row = normalize(rec)
    except shapes.Unmappable as e:
        return _fail(e.code, str(e), e.field)
    keys = {"text": ("instruction", "output"), "dpo": ("prompt", "chosen", "rejected"), "grpo": ("prompt",)}[base]
    for k in keys:
        v = row.get(k)
        if not isinstance(v, str):
            return _fail("V001" if v is None else "V003", f"{k} is {'null or absent' if v is None else 'not text'}", k)
        if not v.strip() and (base != "text" or k == "instruction"):
            return _fail("V002", f"{k} is empty; the trainer drops the row", k)
    if base == "text":
        text = row["instruction"] + row["output"]
        return Outcome(text, ((len(row["instruction"]), len(text)),) if row["output"] else (),
                       expects=bool(row["output"].strip()))
    try:
        prompt = template.render([{"role": "user", "content": row["prompt"]}], True)
        if base == "grpo":
            return Outcome(prompt.text)
        problems = []
        pair = {"prompt": prompt}
        for k in ("chosen", "rejected"):
            pair[k], cut = dpo_response(template, row[k])
            if cut:
                problems.append(("T003", f"the trainer's cut of the {k} response keeps {cut}", k,
                                 "remove padding or <think> blocks the template changes"))
    except TemplateError as e:
        return _fail(e.code, f"{template.name} raises: {e.message}", "prompt")
    return Outcome(None, (), pair, False, problems, True)


def dpo_response(template: Template, content: str) -> tuple[Rendered, str | None]:
    """The response as the trainer extracts it, and what went wrong (or None)."""
    from ftprep.templates import Rendered

    full = template.render([DUMMY_USER, {"role": "assistant", "content": content}]).text
    at = full.find(content)
    text = full[at:].rstrip()
    cut = None
    if at < 0:
        cut = "only the last character (the template changed the text)"
    elif at < full.find(DUMMY_USER["content"]) + len(DUMMY_USER["content"]):
        cut = "the dummy user turn (the response also occurs in it)"
    return Rendered(text, ((0, len(text)),) if text else ()), cut


__all__ = ["Entry", "RenderResult", "dpo_response", "iter_entries", "render", "trainer_messages"]

