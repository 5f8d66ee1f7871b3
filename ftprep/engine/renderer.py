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

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.keywords import RenderOptions
from ftprep.core.options import Options
from ftprep.engine.row_render import CONVERTED, DEFAULT_TEMPLATE, TRAINER, Entry, RowRenderer, dpo_response
from ftprep.engine.settings import settle


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
    """The lazy Entry of each row, the file read once. Raises ValueError when the task is unknown."""
    from ftprep import tasks
    from ftprep.core.bounds import bounds_of
    from ftprep.reading.records import guarded_records
    from ftprep.templates import get

    get(opts.chat_template or DEFAULT_TEMPLATE)  # an unknown template is refused before the file is read
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
    sample = None
    if as_converted:
        first = next(records, None)  # the first record tells a DPO shape, as in convert
        records = _chain(first, records) if first is not None else iter(())
        sample = first[2] if first is not None else None
    rows = RowRenderer(name, opts, columns, display or path, as_converted=as_converted, sample=sample,
                       default_system=default_system)

    def entries() -> t.Iterator[Entry]:
        for n, (line, row, rec) in enumerate(records):
            if limit is not None and n >= limit:
                return
            yield rows.entry(line, row, rec)

    return Rows(name, CONVERTED if as_converted else TRAINER, rows.shape, entries())


def _chain(first: t.Any, rest: t.Iterator[t.Any]) -> t.Iterator[t.Any]:
    yield first
    yield from rest


__all__ = ["CONVERTED", "TRAINER", "Entry", "RenderResult", "Rows", "dpo_response", "iter_entries", "render"]
