"""`ftprep.render` (this module is `ftprep.engine.renderer`): each row as the trainer's chat template renders it.

By default a row is what the trainer gets from the file as given (`ftprep.engine.prep`):
only the mapped columns (the API's defaults unless --field-* says otherwise),
str() of text values, a conversation json-loaded from a string, messages
without a role or content dropped, and rows the prep drops shown as dropped,
with the reason. `as_converted=True` renders the rows `ftprep convert` would
write instead (the shape detected and mapped, `input` folded in, ShareGPT
roles mapped), through the same prep: a view of the converted file, labelled
as such.

Then, per task:

- chat: only the message keys the template reads are kept; tool-call
  arguments given as JSON strings are decoded; roles pass through as they are.
- dpo: the prompt is one user message rendered with the generation prompt;
  each response is rendered after a dummy user turn and cut out at its first
  occurrence, then right-stripped (axolotl 0.18-0.20 `chat_template.default`).
- grpo: the prompt as one user message, with the generation prompt.
- text: instruction followed by output (no chat template; output is trained).

A row the template rejects becomes a Diagnostic (C012, or the code of the
problem) and its entry is None. Nothing here raises for bad data.
"""

from __future__ import annotations

import dataclasses
import typing as t
from typing import Unpack

from ftprep.engine import prep
from ftprep.core.diagnostics import Diagnostic
from ftprep.core.keywords import RenderOptions
from ftprep.core.options import Options
from ftprep.engine.settings import settle
from ftprep.tasks.base import a, conversation_placeholders, kind, placeholders
from ftprep.core.errors import TemplateError

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

    @property
    def ok(self) -> bool:
        return self.text is not None or self.pair is not None

    def to_json(self) -> str | dict[str, str] | None:
        if self.pair is not None:
            return {k: v.text for k, v in self.pair.items()}
        return self.text


@dataclasses.dataclass(slots=True)
class RenderResult:
    """What `render` returns: one Entry per row read. `view` is "trainer" (the
    file as given) or "converted" (the rows `ftprep convert` writes; `shape`
    names the source shape it mapped)."""

    path: str
    task: str
    chat_template: str | None
    entries: list[Entry] = dataclasses.field(default_factory=list)
    view: str = TRAINER
    shape: str | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for e in self.entries for d in e.diagnostics]

    @property
    def rejected(self) -> int:
        """Rows not rendered, dropped ones included."""
        return sum(1 for e in self.entries if not e.ok)

    @property
    def dropped(self) -> int:
        return sum(1 for e in self.entries if e.dropped)

    def to_json(self) -> list[str | dict[str, str] | None]:
        return [e.to_json() for e in self.entries]


class Rows(t.NamedTuple):
    """A lazy render of one file: its task, view, source shape and entries."""

    task: str
    view: str
    shape: str | None
    entries: t.Iterator[Entry]


def render(path: str, *, options: Options | None = None, **keywords: Unpack[RenderOptions]) -> RenderResult:
    """Render the first `rows` rows of `path` (all when None) with `chat_template`.

    By default the rows are what the trainer's prep makes of the file as given;
    `as_converted` renders the rows `ftprep convert` would write instead.
    `default_system` is the text phi_4 injects when a chat has no system
    message; by default a marker stands in for it (and C015 is reported).
    `max_expansion` and `max_decompressed` bound a .gz (ftprep.core.bounds; None: the defaults).
    The keywords are those of `RenderOptions`; `options` is an already built
    `Options` they override. Raises TypeError for an unknown keyword, ValueError
    for a bad value (an unknown task or template), SourceError when the file
    cannot be read at all.
    """
    opts = settle("render", options, keywords)
    found = iter_entries(path, opts, limit=opts.rows, default_system=opts.default_system,
                         as_converted=opts.as_converted)
    template = opts.chat_template or (DEFAULT_TEMPLATE if found.task != "text" else None)
    return RenderResult(path, found.task, template, list(found.entries), found.view, found.shape)


def iter_entries(path: str, opts: Options, *, limit: int | None = None, display: str | None = None,
                 default_system: str | None = None, as_converted: bool = False) -> Rows:
    """The lazy Entry of each row. Raises ValueError when the task is unknown."""
    from ftprep import tasks
    from ftprep.engine import shapes
    from ftprep.reading.records import guarded_records
    from ftprep.tasks.chat import jpath
    from ftprep.templates import get

    from ftprep.core.bounds import bounds_of

    template = get(opts.chat_template or DEFAULT_TEMPLATE)
    columns, records = guarded_records(path, bounds_of(opts))
    name = opts.task or tasks.infer(columns, opts)
    if name is None and not columns:
        # Nothing could be read (a bound hit, a broken .gz, invalid JSON): that finding is the entry.
        first = next(records, None)
        if first is not None and isinstance(first[2], Diagnostic):
            rec = dataclasses.replace(first[2], path=display or path)
            return Rows("unknown", CONVERTED if as_converted else TRAINER, None,
                        iter([Entry(first[0], first[1], diagnostics=(rec,))]))
        records = iter([first] if first is not None else [])
    if name is None:
        raise ValueError(f"{path}: cannot infer the task from the columns ({', '.join(columns[:12]) or 'none'}); "
                         "pass --task")
    if tasks.kind_of(name) != tasks.ROWS:
        raise ValueError(f"{path}: cannot render task {name!r}; choose from {', '.join(tasks.names(tasks.ROWS))}")
    base = tasks.base_of(name)
    where = display or path
    normalize: t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None = None
    shape = None
    cols = prep.columns(name, opts)
    # A mapped column the first records lack (all of them, for tables and arrays): prep raises on the file.
    absent = {c for c in cols.values() if columns and c not in columns}
    if as_converted:
        first = next(records, None)  # the first record tells a DPO shape, as in convert
        records = _chain(first, records) if first is not None else iter(())
        sample = first[2] if first is not None and isinstance(first[2], dict) else None
        shape = shapes.detect(name, columns, opts, sample)
        normalize = shapes.normalizer(name, shape, opts)
        cols = prep.columns(name, Options())  # convert writes the canonical columns
        absent = set()
    at = jpath(cols["messages"]) if base == "chat" else ""

    def one(rec: dict[str, t.Any]) -> Outcome:
        if normalize is not None:
            try:
                rec = normalize(rec)
            except shapes.Unmappable as e:
                return _fail(e.code, f"convert does not write this row: {e}", e.field)
        got = prep.prepare(rec, name, cols, absent)
        if isinstance(got, prep.Drop):
            return Outcome(None, problems=[(got.code, got.message, got.field, got.hint)], dropped=got.dropped)
        if base == "chat":
            return _chat(got, cols["messages"], at, template, default_system)
        return _canonical(got, base, template, cols)

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
                from ftprep.core.bounds import TOO_DEEP, TOO_DEEP_HINT

                outcome = _fail("P013", TOO_DEEP, None, TOO_DEEP_HINT)
            yield _place(outcome, line, row, where)

    return Rows(name, CONVERTED if as_converted else TRAINER, shape, entries())


def _chain(first: t.Any, rest: t.Iterator[t.Any]) -> t.Iterator[t.Any]:
    yield first
    yield from rest


class Outcome(t.NamedTuple):
    """A row's result before it gets its place; problems are (code, message, field, hint)."""

    text: str | None
    spans: tuple[tuple[int, int], ...] = ()
    pair: dict[str, t.Any] | None = None
    injected: bool = False
    problems: t.Sequence[tuple[str, str, str | None, str | None]] = ()
    expects: bool = False
    dropped: bool = False


def _place(o: Outcome, line: int | None, row: int, where: str) -> Entry:
    diags = tuple(Diagnostic(code, msg, where, line=line, row=row, field=field, hint=hint)
                  for code, msg, field, hint in o.problems)
    return Entry(line, row, o.text, o.spans, o.pair, diags, o.injected, o.expects, o.dropped)


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
    problems = list(got.notes) + [tuple(f) for f in conversation_placeholders(got.values["messages"], col)]
    injected = template.injects_system and messages[0]["role"] != "system" and default_system is None
    if injected:
        problems.append(("C015", "phi_4 injects its built-in reasoning system prompt (shown as a marker)", at,
                         "add a system message of your own"))
    expects = any(m["role"] == "assistant" and isinstance(m["content"], str) and m["content"].strip()
                  for m in messages)
    return Outcome(r.text, r.spans, None, injected, problems, expects)


def _canonical(got: t.Any, base: str, template: Template, cols: dict[str, str]) -> Outcome:
    """text, dpo and grpo values as prep leaves them (strings), rendered."""
    row, problems = got.values, list(got.notes)
    trained = {"text": ("output", "the output"), "dpo": ("chosen", "the chosen response")}.get(base)
    if trained:  # check's V010, per row here
        problems += [tuple(f) for f in placeholders(row[trained[0]], cols[trained[0]], trained[1])]
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


__all__ = ["CONVERTED", "TRAINER", "Entry", "RenderResult", "Rows", "dpo_response", "iter_entries", "render"]
