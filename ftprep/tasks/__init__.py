"""The task registry: one module per task type.

`TASKS` is the single source for the CLI's `--task` choices, the README's task
table and the task hooks in `.pre-commit-hooks.yaml` (a test keeps them in step).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import typing as t

from ftprep.core.options import Options
from ftprep.tasks.base import Finding


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    summary: str
    schema: str
    fields: dict[str, str]
    canonical: tuple[str, ...]
    module: t.Any
    url_rules: bool = False
    # "rows" tasks are checked by the row engine; "images" by ftprep.image.
    kind: str = "rows"

    def row_type(self, opts: Options) -> t.Any:
        return _row_type(self.name, opts)

    def is_clean(self, opts: Options) -> t.Callable[[t.Any], bool]:
        if hasattr(self.module, "make_is_clean"):
            return self.module.make_is_clean(opts)
        return self.module.is_clean

    def texts(self, opts: Options) -> t.Callable[[list[t.Any]], list[str]]:
        if hasattr(self.module, "make_texts"):
            return self.module.make_texts(opts)
        return self.module.texts

    def text_counts(self, rows: list[t.Any]) -> list[int] | int:
        """How many texts each row gives to `texts` (an int when fixed)."""
        if hasattr(self.module, "text_counts"):
            return self.module.text_counts(rows)
        return len(self.canonical) if self.name not in ("grpo",) else 1

    def explain(self, obj: dict[str, t.Any], opts: Options) -> list[Finding]:
        return self.module.explain(obj, opts)

    def mapped(self, opts: Options) -> dict[str, str]:
        return {opt: opts.field(opt, default) for opt, default in self.fields.items()}


@functools.lru_cache(maxsize=64)
def _row_type(name: str, opts: Options) -> t.Any:
    """One struct type per task and options, built once per process and
    inherited by forked workers: msgspec folds the type into a struct's hash,
    so duplicate detection needs the very same type object everywhere."""
    return TASKS[name].module.row_type(opts)


def _load(name: str, kind: str = "rows") -> Task:
    m = importlib.import_module(f"ftprep.tasks.{name}")
    return Task(name=m.NAME, summary=m.SUMMARY, schema=m.SCHEMA, fields=dict(m.FIELDS),
                canonical=tuple(m.CANONICAL), module=m, url_rules=getattr(m, "URL_RULES", False), kind=kind)


TASKS: dict[str, Task] = {n: _load(n) for n in ("text", "chat", "dpo", "grpo", "custom_text", "custom_chat")}
# Filled by ftprep.image when it is available (issue 4): the image task.
TASK_NAMES: tuple[str, ...] = tuple(TASKS) + ("image",)

# Columns that identify a task, in the order they are tried.
_CONVERSATION = ("conversations", "messages", "conversation", "chat", "dialog")
# Plain and conversational pairs, OpenAI's preference format, LLaMA-Factory v1 DPO.
_PREFERENCE = (("chosen", "rejected"), ("preferred_output", "non_preferred_output"),
               ("chosen_messages", "rejected_messages"))
_TEXT_PAIRS = (("instruction", "output"), ("instruction", "response"), ("prompt", "completion"),
               ("question", "answer"), ("input", "output"), ("instruction", "input"))


def infer(columns: t.Collection[str], opts: Options) -> str | None:
    """The task a set of columns (and mapping flags) points to, or None."""
    if opts.field_chosen or opts.field_rejected:
        return "dpo"
    if opts.field_conversation:
        return "chat"
    if opts.field_instruction or opts.field_output:
        return "text"
    cols = set(columns)
    if any(set(pair) <= cols for pair in _PREFERENCE):
        return "dpo"
    if any(c in cols for c in _CONVERSATION):
        return "chat"
    if any(set(p) <= cols for p in _TEXT_PAIRS):
        return "text"
    if opts.field_prompt or "prompt" in cols:
        return "grpo"
    return None


def get(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; choose from {', '.join(TASK_NAMES)}") from None
