"""A task as the registry holds it: what its module declares, and the two rule paths.

Each task module declares its properties as upper-case names, the way a
yamllint rule module declares `ID`, `TYPE` and `CONF`; the rest of the code asks
the `Task` (`task.kind == ROWS`, `task.url_rules`) and never tests the name.
A ROWS module also gives the fast path (`row_type`, `is_clean`, `texts`) and the
explain path (`explain`); an IMAGES module gives neither: ftprep.image checks
image sets, and the verbs call it.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing as t

from ftprep.core.options import Options
from ftprep.tasks.finding import Finding

# Records checked by the row engine, and a folder or .zip of images checked by ftprep.image.
ROWS = "rows"
IMAGES = "images"
KINDS = (ROWS, IMAGES)

# What every task module must declare (no default could be right for all of them).
REQUIRED = ("NAME", "SUMMARY", "KIND", "TAKES", "FIELDS", "CANONICAL")
# What a module may leave out, and what leaving it out means.
DEFAULTS: dict[str, t.Any] = {
    "SCHEMA": None,            # the row schema in ftprep/schemas/, None for image sets
    "BASE": None,              # the row task whose rules it shares; None: itself
    "URL_RULES": False,        # trained from a file URL (datasetUrl): JSON or JSON Lines, a size limit
    "WRITES": ("jsonl", "parquet"),  # what convert writes
    "CATEGORY": "text-generation",   # the Hub card's task category
    "IMAGE_MODELS": (),        # the diffusion models it trains
}


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    summary: str
    kind: str
    takes: str
    fields: dict[str, str]
    canonical: tuple[str, ...]
    module: types.ModuleType
    schema: str | None = None
    base: str = ""
    url_rules: bool = False
    writes: tuple[str, ...] = ("jsonl", "parquet")
    category: str = "text-generation"
    image_models: tuple[str, ...] = ()

    def row_type(self, opts: Options) -> t.Any:
        return _row_type(self.module, opts)

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
        return len(self.canonical)

    def explain(self, obj: dict[str, t.Any], opts: Options) -> list[Finding]:
        return self.module.explain(obj, opts)

    def mapped(self, opts: Options) -> dict[str, str]:
        return {opt: opts.field(opt, default) for opt, default in self.fields.items()}


@functools.lru_cache(maxsize=64)
def _row_type(module: types.ModuleType, opts: Options) -> t.Any:
    """One struct type per task and options, built once per process and
    inherited by forked workers: msgspec folds the type into a struct's hash,
    so duplicate detection needs the very same type object everywhere."""
    return module.row_type(opts)


def declared(module: types.ModuleType) -> Task:
    """The `Task` a module declares. Raises TypeError naming what it lacks or gets wrong."""
    missing = [k for k in REQUIRED if not hasattr(module, k)]
    if missing:
        raise TypeError(f"{module.__name__} does not declare {', '.join(missing)}")
    get: dict[str, t.Any] = {k: getattr(module, k, DEFAULTS.get(k)) for k in (*REQUIRED, *DEFAULTS)}
    if get["KIND"] not in KINDS:
        raise TypeError(f"{module.__name__}: KIND is {get['KIND']!r}, not one of {', '.join(KINDS)}")
    return Task(name=get["NAME"], summary=get["SUMMARY"], kind=get["KIND"], takes=get["TAKES"],
                fields=dict(get["FIELDS"]), canonical=tuple(get["CANONICAL"]), module=module, schema=get["SCHEMA"],
                base=get["BASE"] or get["NAME"], url_rules=bool(get["URL_RULES"]), writes=tuple(get["WRITES"]),
                category=get["CATEGORY"], image_models=tuple(get["IMAGE_MODELS"]))
