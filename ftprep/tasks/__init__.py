"""The task registry: one module per task, keyed by the NAME it declares.

`TASKS` is the single source for the CLI's `--task` and `--image-model` choices,
the README's task table and the task hooks in `.pre-commit-hooks.yaml` (tests
keep them in step). What each module declares, and what the code asks of it,
is in `ftprep.tasks.task`: the code asks a `Task` (its kind, whether it is
trained from a URL, the row task it shares rules with), never its name.
"""

from __future__ import annotations

import importlib
import typing as t

from ftprep.core.options import Options
from ftprep.tasks.task import IMAGES, KINDS, ROWS, Task, declared  # noqa: F401

MODULES = ("text", "chat", "dpo", "grpo", "custom_text", "custom_chat", "image")


def _registry() -> dict[str, Task]:
    found = [declared(importlib.import_module(f"ftprep.tasks.{m}")) for m in MODULES]
    return {task.name: task for task in found}


TASKS: dict[str, Task] = _registry()
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def find(name: object) -> Task | None:
    """The task registered as `name`, or None (an unknown name, or no name)."""
    return TASKS.get(name) if isinstance(name, str) else None


def kind_of(name: object) -> str | None:
    """ROWS or IMAGES for a registered task; None for an unknown name."""
    task = find(name)
    return task.kind if task else None


def from_url(name: object) -> bool:
    """Whether the task is trained from a file URL (`datasetUrl`), not a Hub repo."""
    task = find(name)
    return task.url_rules if task else False


def base_of(name: str) -> str:
    """The row task whose rules `name` shares (`custom_chat`: `chat`); an unknown name is its own."""
    task = find(name)
    return task.base if task else name


def names(kind: str) -> tuple[str, ...]:
    """The registered tasks of one kind, in registry order."""
    return tuple(n for n, task in TASKS.items() if task.kind == kind)


def image_models() -> tuple[str, ...]:
    """Every diffusion model a registered task trains, in registry order."""
    return tuple(dict.fromkeys(m for task in TASKS.values() for m in task.image_models))


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
