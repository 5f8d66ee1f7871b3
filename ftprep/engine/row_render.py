"""One row as the trainer renders it: an `Entry` from a record (or a Diagnostic).

A `RowRenderer` is built once per file (task, columns, template, view) and
turns each record into an `Entry`, whoever read it: `ftprep.render` and
`ftprep.stats` from the one record reader, `check --tokenizer/--max-seq-len`
from the rows its scan reads. What each task renders is told in
`ftprep.engine.renderer`. Nothing here raises for bad data.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.engine import prep
from ftprep.core.diagnostics import Diagnostic
from ftprep.core.errors import TemplateError
from ftprep.core.options import Options
from ftprep.tasks import base_of
from ftprep.tasks.base import a, conversation_placeholders, kind, placeholders

if t.TYPE_CHECKING:
    from ftprep.templates import Rendered, Template

DEFAULT_TEMPLATE = "chatml"  # Gradients' default chat_template, and the trainer's DPO wrapping
DUMMY_USER = {"role": "user", "content": "[[dummy_message]]"}
TRAINER, CONVERTED = "trainer", "converted"  # the two views


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
    # The trainer's prep drops the row (not rendered, and no failure of the job).
    dropped: bool = False
    # chat: the roles of the messages the template got, in order (turns and roles on the page).
    roles: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.text is not None or self.pair is not None

    def to_json(self) -> str | dict[str, str] | None:
        if self.pair is not None:
            return {k: v.text for k, v in self.pair.items()}
        return self.text


class RowRenderer:
    """The rendering of one file's rows: its task, columns and template, in the
    trainer's view or (`as_converted`) the view of the rows `ftprep convert` writes.
    `columns` are the columns seen in the first records; `sample` is the first
    record, which tells a DPO shape as in convert. Raises ValueError for an unknown
    task or template."""

    def __init__(self, name: str, opts: Options, columns: t.Collection[str], where: str, *,
                 as_converted: bool = False, sample: t.Any = None, default_system: str | None = None) -> None:
        from ftprep import tasks
        from ftprep.engine import shapes
        from ftprep.tasks.chat import jpath
        from ftprep.templates import get

        if name not in tasks.TASKS:
            raise ValueError(f"{where}: cannot render task {name!r}; choose from {', '.join(tasks.TASKS)}")
        self.template = get(opts.chat_template or DEFAULT_TEMPLATE)
        self.name, self.base, self.where = name, base_of(name), where
        self.default_system = default_system
        self.normalize: t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None = None
        self.shape: str | None = None
        self.columns = tuple(columns)
        self.cols = prep.columns(name, opts)
        # A mapped column the first records lack (all of them, for tables and arrays): prep raises on the file.
        self.absent = {c for c in self.cols.values() if columns and c not in columns}
        if as_converted:
            self.shape = shapes.detect(name, list(columns), opts, sample if isinstance(sample, dict) else None)
            self.normalize = shapes.normalizer(name, self.shape, opts)
            self.cols = prep.columns(name, Options())  # convert writes the canonical columns
            self.absent = set()
        self.at = jpath(self.cols["messages"]) if self.base == "chat" else ""

    def entry(self, line: int | None, row: int, rec: t.Any) -> Entry:
        """The Entry of one record, or of the Diagnostic that stands for a record not read."""
        if isinstance(rec, Diagnostic):
            return Entry(line, row, diagnostics=(dataclasses.replace(rec, path=self.where),))
        if not isinstance(rec, dict):
            return Entry(line, row, diagnostics=(Diagnostic(
                "P005", f"record is {a(kind(rec))}, not an object", self.where, line=line, row=row),))
        try:
            outcome = self._outcome(rec)
        except RecursionError:  # a JSON string in the row too deep to decode
            from ftprep.core.bounds import TOO_DEEP, TOO_DEEP_HINT

            outcome = _fail("P013", TOO_DEEP, None, TOO_DEEP_HINT)
        return _place(outcome, line, row, self.where)

    def _outcome(self, rec: dict[str, t.Any]) -> Outcome:
        if self.normalize is not None:
            from ftprep.engine import shapes

            try:
                rec = self.normalize(rec)
            except shapes.Unmappable as e:
                return _fail(e.code, f"convert does not write this row: {e}", e.field)
        got = prep.prepare(rec, self.name, self.cols, self.absent)
        if isinstance(got, prep.Drop):
            return Outcome(None, problems=[(got.code, got.message, got.field, got.hint)], dropped=got.dropped)
        if self.base == "chat":
            return _chat(got, self.cols["messages"], self.at, self.template, self.default_system)
        return _canonical(got, self.base, self.template, self.cols)


class Outcome(t.NamedTuple):
    """A row's result before it gets its place; problems are (code, message, field, hint)."""

    text: str | None
    spans: tuple[tuple[int, int], ...] = ()
    pair: dict[str, t.Any] | None = None
    injected: bool = False
    problems: t.Sequence[tuple[str, str, str | None, str | None]] = ()
    expects: bool = False
    dropped: bool = False
    roles: tuple[str, ...] = ()


def _place(o: Outcome, line: int | None, row: int, where: str) -> Entry:
    diags = tuple(Diagnostic(code, msg, where, line=line, row=row, field=field, hint=hint)
                  for code, msg, field, hint in o.problems)
    return Entry(line, row, o.text, o.spans, o.pair, diags, o.injected, o.expects, o.dropped, o.roles)


def _fail(code: str, message: str, field: str | None = None, hint: str | None = None) -> Outcome:
    return Outcome(None, problems=[(code, message, field, hint)])


def _chat(got: t.Any, col: str, at: str, template: Template, default_system: str | None) -> Outcome:
    messages = prep.template_messages(got.values["messages"], template)
    if isinstance(messages, tuple):
        code, message = messages
        return _fail(code, message, col)
    try:
        r = template.render(messages, False, default_system)
    except TemplateError as e:
        return _fail(e.code, f"{template.name} raises: {e.message}", at,
                     "fix the role order or roles" if e.code == "C012" else None)
    problems = list(got.notes) + [tuple(f)[:4] for f in conversation_placeholders(got.values["messages"], col)]
    injected = template.injects_system and messages[0]["role"] != "system" and default_system is None
    if injected:
        problems.append(("C015", "phi_4 injects its built-in reasoning system prompt (shown as a marker)", at,
                         "add a system message of your own"))
    expects = any(m["role"] == "assistant" and isinstance(m["content"], str) and m["content"].strip()
                  for m in messages)
    roles = tuple(str(m["role"]) for m in messages)
    return Outcome(r.text, r.spans, None, injected, problems, expects, roles=roles)


def _canonical(got: t.Any, base: str, template: Template, cols: dict[str, str]) -> Outcome:
    """text, dpo and grpo values as prep leaves them (strings), rendered."""
    row, problems = got.values, list(got.notes)
    trained = {"text": ("output", "the output"), "dpo": ("chosen", "the chosen response")}.get(base)
    if trained:  # check's V010, per row here
        problems += [tuple(f)[:4] for f in placeholders(row[trained[0]], cols[trained[0]], trained[1])]
    if base == "text":
        text = row["instruction"] + row["output"]
        return Outcome(text, ((len(row["instruction"]), len(text)),) if row["output"] else (), problems=problems,
                       expects=bool(row["output"].strip()))
    try:
        prompt = template.render([{"role": "user", "content": row["prompt"]}], True)
        if base == "grpo":
            return Outcome(prompt.text, problems=problems)
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


__all__ = ["CONVERTED", "DEFAULT_TEMPLATE", "TRAINER", "Entry", "RowRenderer", "dpo_response"]
